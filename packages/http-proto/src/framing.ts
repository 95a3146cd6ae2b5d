/**
 * Message body length (RFC 9112 §6.3) and connection semantics from a parsed head. This is
 * where request smuggling is stopped: every ambiguity a proxy and a backend could read two
 * ways is an error, never a guess.
 */
import { ProtocolError } from "@envwire/environ";
import { HttpErrorCode } from "./constants.js";
import type { HttpVersion } from "./head-parser.js";
import type { HeaderFields } from "./header-fields.js";

export type BodyKind = "none" | "length" | "chunked" | "close";

export interface Framing {
  body: BodyKind;
  /** Content-Length when body is "length". */
  length: number;
  /** Transfer codings before the final chunked (e.g. ["gzip"]), which the body still carries. */
  codings: string[];
  /** Connection persists after this message, by version and Connection (a close-delimited body aside). */
  keepAlive: boolean;
  /** Connection: upgrade and an Upgrade field. */
  upgrade: boolean;
}

/** The comma-separated elements of every field named `lower`, trimmed, empty ones dropped. */
function listOf(fields: HeaderFields, lower: string): [element: string, field: number][] {
  const out: [string, number][] = [];
  for (let i = 0; i < fields.size; i++) {
    if (!fields.nameIs(i, lower)) continue;
    for (const part of fields.valueAt(i).split(",")) {
      const element = part.trim();
      if (element !== "") out.push([element, i]);
    }
  }
  return out;
}

/** Frames a message. `offsetOf(i)` is the stream offset of field i, for errors. */
export function frame(
  fields: HeaderFields,
  version: HttpVersion,
  isRequest: boolean,
  offsetOf: (field: number) => number,
): Framing {
  const connection = listOf(fields, "connection").map(([e]) => e.toLowerCase());
  const keepAlive =
    version === "HTTP/1.1"
      ? !connection.includes("close")
      : connection.includes("keep-alive") && !connection.includes("close");
  const upgrade = connection.includes("upgrade") && fields.has("upgrade");
  const framing: Framing = { body: "none", length: 0, codings: [], keepAlive, upgrade };

  const te = listOf(fields, "transfer-encoding");
  const cl = listOf(fields, "content-length");
  if (te.length > 0 || fields.has("transfer-encoding")) {
    const at = offsetOf(te[0]?.[1] ?? firstIndex(fields, "transfer-encoding"));
    if (isRequest && version === "HTTP/1.0") {
      throw new ProtocolError(
        HttpErrorCode.BadTransferEncoding,
        "Transfer-Encoding in an HTTP/1.0 request",
        at,
      );
    }
    if (cl.length > 0 || fields.has("content-length")) {
      throw new ProtocolError(
        HttpErrorCode.ConflictingFraming,
        "both Transfer-Encoding and Content-Length",
        at,
      );
    }
    const codings = te.map(([e]) => e.split(";")[0]!.trim().toLowerCase());
    for (let k = 0; k < codings.length; k++) {
      if (codings[k] === "chunked" && te[k]![0].includes(";")) {
        // Readers disagree on whether "chunked;x=y" is chunked: refuse rather than pick one.
        throw new ProtocolError(
          HttpErrorCode.BadTransferEncoding,
          "chunked takes no parameters",
          offsetOf(te[k]![1]),
        );
      }
    }
    for (let k = 0; k < codings.length; k++) {
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(codings[k]!)) {
        throw new ProtocolError(
          HttpErrorCode.BadTransferEncoding,
          `${JSON.stringify(te[k]![0])} is not a transfer coding`,
          offsetOf(te[k]![1]),
        );
      }
    }
    const chunkedAt = codings.indexOf("chunked");
    if (chunkedAt >= 0 && chunkedAt !== codings.length - 1) {
      throw new ProtocolError(
        HttpErrorCode.BadTransferEncoding,
        codings.lastIndexOf("chunked") !== chunkedAt
          ? "chunked applied twice"
          : "chunked is not the final transfer coding",
        offsetOf(te[chunkedAt]![1]),
      );
    }
    if (chunkedAt < 0 && isRequest) {
      throw new ProtocolError(
        HttpErrorCode.BadTransferEncoding,
        "a request's final transfer coding must be chunked",
        at,
      );
    }
    if (chunkedAt < 0) {
      // A response whose last coding is not chunked is read until the connection closes.
      framing.body = "close";
      framing.codings = codings;
      return framing;
    }
    framing.body = "chunked";
    framing.codings = codings.slice(0, -1);
    return framing;
  }
  if (cl.length > 0 || fields.has("content-length")) {
    let length = -1;
    for (const [element, field] of cl.length > 0
      ? cl
      : [["", firstIndex(fields, "content-length")] as [string, number]]) {
      const n = /^[0-9]{1,16}$/.test(element) ? Number(element) : -1;
      if (n < 0 || n > Number.MAX_SAFE_INTEGER || (length >= 0 && n !== length)) {
        throw new ProtocolError(
          HttpErrorCode.BadContentLength,
          n < 0 || n > Number.MAX_SAFE_INTEGER
            ? `Content-Length ${JSON.stringify(element)} is not a length`
            : "Content-Length values disagree",
          offsetOf(field),
        );
      }
      length = n;
    }
    framing.body = length > 0 ? "length" : "none";
    framing.length = length;
    return framing;
  }
  if (!isRequest) framing.body = "close";
  return framing;
}

function firstIndex(fields: HeaderFields, lower: string): number {
  for (let i = 0; i < fields.size; i++) if (fields.nameIs(i, lower)) return i;
  return 0;
}
