/**
 * The Host field's grammar (RFC 9110 §7.2: uri-host [":" port]): a server must answer 400 to
 * a request whose Host is not one (RFC 9112 §3.2). A value with "/", "@", a space or a
 * backslash would otherwise become SERVER_NAME, which applications join into paths and URLs
 * ("a/../b"), or be read by another parser as userinfo ("x@evil"). An empty Host is what a
 * client sends for a target with no authority, and stays allowed.
 */
import { ProtocolError } from "@envwire/environ";
import { HttpErrorCode } from "./constants.js";
import { FieldKind } from "./field-names.js";
import { authorityError } from "./head-scanner.js";
import type { Fields } from "./header-fields.js";

/** Throws ProtocolError HTTP_BAD_HOST at the first byte of the Host field that is off its grammar. */
export function checkHost(headers: Fields, origin: number): void {
  const names = headers.names;
  let field = 0;
  while (names[field]!.kind !== FieldKind.Host) field++;
  const start = headers.valueStartAt(field);
  const end = headers.valueEndAt(field);
  if (start === end) return;
  const bad = authorityError(headers.buffer, start, end, false);
  if (bad >= 0)
    throw new ProtocolError(HttpErrorCode.BadHost, "the Host field is not a host and a port", origin + bad);
}
