/**
 * HTTP requests to and from Environ, the way RFC 3875 and PEP 3333 (and nginx's
 * uwsgi_params / fastcgi_params) lay a request out as CGI variables.
 *
 * Request → Environ: REQUEST_METHOD, REQUEST_URI (the raw target), PATH_INFO (the path,
 * percent-decoded, as bytes), QUERY_STRING, SERVER_PROTOCOL, CONTENT_TYPE, CONTENT_LENGTH,
 * the connection's SERVER_NAME, SERVER_PORT, REMOTE_ADDR, REMOTE_PORT, HTTPS, then every
 * other field as HTTP_*, repeats joined with ", " (Cookie with "; "). A field whose name has
 * "_" is dropped by default, as nginx does: it would collide with its "-" twin.
 *
 * Environ → request head: for gateways that take uwsgi, FastCGI or SCGI in and send HTTP out.
 * Hop-by-hop fields (Connection, Transfer-Encoding, ...) are not forwarded: nginx passes
 * HTTP_TRANSFER_ENCODING along with the CONTENT_LENGTH of the body it de-chunked, and sending
 * both on would be exactly the ambiguity request smuggling feeds on.
 */
import {
  type CgiResponseHead,
  cgiNameToHeader,
  Environ,
  latin1Encode,
  ProtocolError,
} from "@envwire/environ";
import { HttpErrorCode } from "./constants.js";
import { encodeRequestHead, encodeResponseHead, type RequestHeadInit } from "./encoder.js";
import { type FieldGroup, FieldKind, type FieldName, forgetFieldNameStamps } from "./field-names.js";
import { FieldRun } from "./field-run.js";
import { fieldNamesOf, type HeaderFields, namesAreSettled } from "./header-fields.js";
import type { HttpRequestHead } from "./message-head.js";

export interface RequestEnvironOptions {
  /** SERVER_NAME; default: the host in the target (absolute-form) or in Host. */
  serverName?: string;
  /** SERVER_PORT; default: the port in Host, else 443 for HTTPS, else 80. */
  serverPort?: number | string;
  remoteAddr?: string;
  remotePort?: number | string;
  /** The connection is TLS: HTTPS=on, and the default port is 443. */
  https?: boolean;
  /** Keep fields whose names contain "_" (as HTTP_* with the "_" kept). Default false. */
  keepUnderscoreHeaders?: boolean;
}

const PERCENT = 0x25;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const COLON = 0x3a;

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** Percent-decodes `buf[start, end)` (a path); a "%" not followed by two hex digits stays as it is. */
function percentDecodeBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    const high = c === PERCENT && i + 2 < end ? hex(buf[i + 1]!) : -1;
    const low = high >= 0 ? hex(buf[i + 2]!) : -1;
    if (low >= 0) {
      out[n++] = high * 16 + low;
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

/** Percent-decodes `s` (a path, latin-1) to bytes; a "%" not followed by two hex digits stays as it is. */
export function percentDecode(s: string): Uint8Array {
  return percentDecodeBytes(latin1Encode(s), 0, s.length);
}

function indexOfByte(buf: Uint8Array, byte: number, start: number, end: number): number {
  for (let i = start; i < end; i++) if (buf[i] === byte) return i;
  return -1;
}

let mappings = 0;

/**
 * The group of each field that is kept (a dropped one, with "_", has none), repeats sharing
 * one, with its first field and count filled in. While every name of a head was already in the name table, a name's
 * table entry is its group, and the head's names serve as the groups. Otherwise (a name new
 * or evicted during the head, or "_" kept, which lets X_A and X-A share a CGI name) groups
 * are found by CGI name.
 */
function groupFields(
  names: readonly FieldName[],
  settled: boolean,
  keepUnderscore: boolean,
): readonly (FieldGroup | undefined)[] {
  // Stamps stay small integers (the engine stores them unboxed): past 2^30 they start over,
  // and the table's names forget the old ones, so no stale stamp can look current.
  if (++mappings === 0x40000000) {
    mappings = 1;
    forgetFieldNameStamps();
  }
  const stamp = mappings;
  const byName = settled && !keepUnderscore ? undefined : new Map<string, FieldGroup>();
  const groups: (FieldGroup | undefined)[] | undefined = byName && new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name.underscore && !keepUnderscore) continue;
    let group: FieldGroup = name;
    if (byName !== undefined) {
      group = byName.get(name.cgi) ?? { seenBy: 0, firstAt: 0, count: 0 };
      byName.set(name.cgi, group);
      groups![i] = group;
    }
    if (group.seenBy !== stamp) {
      group.seenBy = stamp;
      group.firstAt = i;
      group.count = 0;
    }
    group.count++;
  }
  return groups ?? names;
}

/** The CGI variables of a decoded request (see the module comment for what goes in). */
export function requestToEnviron(head: HttpRequestHead, options: RequestEnvironOptions = {}): Environ {
  const fields = head.headers;
  const buf = fields.buffer;
  const names = fieldNamesOf(fields);
  const keepUnderscore = options.keepUnderscoreHeaders === true;
  const groups = groupFields(names, namesAreSettled(fields), keepUnderscore);
  // The fields that go first (Content-Type) or are read (Content-Length, Host); and whether
  // the HTTP_* variables are the head's fields as they stand (no repeat to join, none left out).
  let contentType = -1;
  let hasContentLength = false;
  let host = -1;
  let repeats = false;
  let leftOut = false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name.underscore && !keepUnderscore) {
      leftOut = true; // dropped
      continue;
    }
    const group = groups[i]!;
    if (group.count > 1) repeats = true;
    const kind = name.kind;
    if (kind === FieldKind.ContentType) {
      leftOut = true;
      if (group.firstAt === i) contentType = i;
    } else if (kind === FieldKind.ContentLength) {
      leftOut = true;
      hasContentLength = true;
    } else if (kind === FieldKind.Host) {
      host = i;
    }
  }
  // Room for the variables about the request and connection, and for the fields when they
  // cannot be borrowed.
  const own =
    9 +
    (options.remoteAddr === undefined ? 0 : 1) +
    (options.remotePort === undefined ? 0 : 1) +
    (options.https ? 1 : 0);
  const env = new Environ(undefined, repeats ? own + names.length : own);
  const targetStart = head.targetStart;
  const targetEnd = head.targetEnd;
  env.append("REQUEST_METHOD", head.method);
  env.appendSlice("REQUEST_URI", buf, targetStart, targetEnd);

  // The target's parts: authority (absolute- and authority-form), path, query.
  let authorityStart = -1;
  let authorityEnd = -1;
  let pathStart = targetStart;
  if (head.targetForm === "authority") {
    authorityStart = targetStart;
    authorityEnd = targetEnd;
    pathStart = targetEnd;
  } else if (head.targetForm === "asterisk") {
    pathStart = targetEnd;
  } else if (head.targetForm === "absolute") {
    authorityStart = indexOfByte(buf, COLON, targetStart, targetEnd) + 3; // after "://"
    authorityEnd = authorityStart;
    while (authorityEnd < targetEnd && buf[authorityEnd] !== SLASH && buf[authorityEnd] !== QUESTION)
      authorityEnd++;
    pathStart = authorityEnd;
  }
  const question = indexOfByte(buf, QUESTION, pathStart, targetEnd);
  const pathEnd = question < 0 ? targetEnd : question;
  if (head.targetForm === "absolute" && pathStart === pathEnd) env.append("PATH_INFO", "/");
  else if (indexOfByte(buf, PERCENT, pathStart, pathEnd) >= 0)
    env.append("PATH_INFO", percentDecodeBytes(buf, pathStart, pathEnd));
  else env.appendSlice("PATH_INFO", buf, pathStart, pathEnd);
  if (question < 0) env.append("QUERY_STRING", "");
  else env.appendSlice("QUERY_STRING", buf, question + 1, targetEnd);
  env.append("SERVER_PROTOCOL", head.version);

  if (contentType >= 0) appendField(env, fields, names[contentType]!, groups, contentType);
  if (head.body === "length" || (head.body === "none" && hasContentLength)) {
    env.append("CONTENT_LENGTH", String(head.contentLength));
  }
  if (authorityStart < 0 && host >= 0) {
    authorityStart = fields.valueStartAt(host);
    authorityEnd = fields.valueEndAt(host);
  }
  serverNameAndPort(env, buf, authorityStart, authorityEnd, options);
  if (options.remoteAddr !== undefined) env.append("REMOTE_ADDR", options.remoteAddr);
  if (options.remotePort !== undefined) env.append("REMOTE_PORT", String(options.remotePort));
  if (options.https) env.append("HTTPS", "on");

  if (!repeats) {
    // Borrowed, not copied: the Environ reads names and values from the head's fields.
    const index = leftOut ? httpFields(names, keepUnderscore) : undefined;
    return env.appendRun(new FieldRun(fields, names, index));
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name.underscore && !keepUnderscore) continue; // dropped
    if (groups[i]!.firstAt !== i) continue; // joined at its first place
    const kind = name.kind;
    if (kind !== FieldKind.ContentType && kind !== FieldKind.ContentLength)
      appendField(env, fields, name, groups, i);
  }
  return env;
}

/** The fields that become HTTP_* variables: not dropped, not Content-Type or Content-Length. */
function httpFields(names: readonly FieldName[], keepUnderscore: boolean): number[] {
  const index: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name.underscore && !keepUnderscore) continue; // dropped
    if (name.kind !== FieldKind.ContentType && name.kind !== FieldKind.ContentLength) index.push(i);
  }
  return index;
}

/** SERVER_NAME and SERVER_PORT: given, or from the authority at `buf[start, end)` (none when start < 0). */
function serverNameAndPort(
  env: Environ,
  buf: Uint8Array,
  start: number,
  end: number,
  options: RequestEnvironOptions,
): void {
  let colon = -1;
  if (start >= 0) {
    for (let i = start; i < end; i++) if (buf[i] === 0x40) start = i + 1; // userinfo@
    // An IPv6 literal has colons of its own: the port's colon comes after its "]".
    for (let i = end - 1; i >= start && buf[i] !== 0x5d; i--) {
      if (buf[i] === COLON) {
        colon = i;
        break;
      }
    }
  }
  if (options.serverName !== undefined) env.append("SERVER_NAME", options.serverName);
  else if (start < 0) env.append("SERVER_NAME", "");
  else env.appendSlice("SERVER_NAME", buf, start, colon < 0 ? end : colon);
  if (options.serverPort !== undefined) env.append("SERVER_PORT", String(options.serverPort));
  else if (colon >= 0 && colon + 1 < end) env.appendSlice("SERVER_PORT", buf, colon + 1, end);
  else env.append("SERVER_PORT", options.https ? "443" : "80");
}

const SEPARATOR = new Uint8Array([0x2c, 0x20]); // ", "
const COOKIE_SEPARATOR = new Uint8Array([0x3b, 0x20]); // "; "

/**
 * Appends field `first` under its CGI name, joined with its repeats (", ", or "; " for
 * Cookie): a view into the head when it has none, else one new buffer.
 */
function appendField(
  env: Environ,
  fields: HeaderFields,
  name: FieldName,
  groups: readonly (FieldGroup | undefined)[],
  first: number,
): void {
  const group = groups[first]!;
  if (group.count === 1) {
    env.appendSlice(name.cgi, fields.buffer, fields.valueStartAt(first), fields.valueEndAt(first));
    return;
  }
  const separator = name.kind === FieldKind.Cookie ? COOKIE_SEPARATOR : SEPARATOR;
  let length = separator.length * (group.count - 1);
  for (let i = first; i < groups.length; i++) {
    if (groups[i] === group) length += fields.valueEndAt(i) - fields.valueStartAt(i);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = first; i < groups.length; i++) {
    if (groups[i] !== group) continue;
    if (i > first) {
      out.set(separator, at);
      at += separator.length;
    }
    out.set(fields.valueBytesAt(i), at);
    at += fields.valueEndAt(i) - fields.valueStartAt(i);
  }
  env.append(name.cgi, out);
}

/** Fields a proxy never forwards (RFC 9110 §7.6.1), as CGI names. */
const HOP_BY_HOP = new Set([
  "HTTP_CONNECTION",
  "HTTP_KEEP_ALIVE",
  "HTTP_PROXY_CONNECTION",
  "HTTP_TE",
  "HTTP_TRAILER",
  "HTTP_TRANSFER_ENCODING",
  "HTTP_UPGRADE",
]);

const UNRESERVED_PATH = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/** Percent-encodes path bytes for a request-target. */
export function percentEncodePath(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    s += b < 0x80 && UNRESERVED_PATH.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return s;
}

export interface EnvironRequestOptions {
  /** Frame the body with Transfer-Encoding: chunked (when the length is not known). Default false. */
  chunked?: boolean;
}

/**
 * The request head for a CGI environment: method, REQUEST_URI (or SCRIPT_NAME + PATH_INFO +
 * QUERY_STRING, percent-encoded), Host (HTTP_HOST, else SERVER_NAME and SERVER_PORT), every
 * HTTP_* variable but the hop-by-hop ones, CONTENT_TYPE and a non-empty CONTENT_LENGTH.
 */
export function environToRequestHead(env: Environ, options: EnvironRequestOptions = {}): RequestHeadInit {
  const method = env.get("REQUEST_METHOD");
  if (method === undefined) throw new ProtocolError(HttpErrorCode.BadField, "no REQUEST_METHOD", 0);
  let target = env.get("REQUEST_URI");
  if (target === undefined || target === "") {
    const script = env.getBytes("SCRIPT_NAME") ?? new Uint8Array(0);
    const pathInfo = env.getBytes("PATH_INFO") ?? new Uint8Array(0);
    const path = new Uint8Array(script.length + pathInfo.length);
    path.set(script);
    path.set(pathInfo, script.length);
    const query = env.get("QUERY_STRING") ?? "";
    target = (percentEncodePath(path) || "/") + (query === "" ? "" : `?${query}`);
  }
  const headers: [string, string][] = [];
  const host = env.get("HTTP_HOST");
  if (host === undefined) {
    const name = env.get("SERVER_NAME");
    const port = env.get("SERVER_PORT");
    if (name) headers.push(["Host", port && port !== "80" && port !== "443" ? `${name}:${port}` : name]);
  }
  for (let i = 0; i < env.size; i++) {
    const name = env.nameAt(i);
    if (HOP_BY_HOP.has(name)) continue;
    if (name === "CONTENT_LENGTH" && (options.chunked || env.valueByteLength(i) === 0)) continue;
    if (name === "CONTENT_TYPE" && env.valueByteLength(i) === 0) continue;
    const field = cgiNameToHeader(name);
    if (field !== undefined) headers.push([field, env.valueAt(i)]);
  }
  if (options.chunked) headers.push(["Transfer-Encoding", "chunked"]);
  return { method, target, headers };
}

/** environToRequestHead, encoded. */
export function encodeEnvironRequest(env: Environ, options: EnvironRequestOptions = {}): Uint8Array {
  return encodeRequestHead(environToRequestHead(env, options));
}

/** The HTTP response head for a CGI response head (Status and the other fields). */
export function encodeCgiResponseAsHttp(head: CgiResponseHead): Uint8Array {
  return encodeResponseHead({
    status: head.status,
    ...(head.reason ? { reason: head.reason } : {}),
    headers: head.headers,
  });
}
