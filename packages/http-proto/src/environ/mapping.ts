/**
 * HTTP requests to and from Environ, the way RFC 3875 and PEP 3333 (and nginx's
 * uwsgi_params / fastcgi_params) lay a request out as CGI variables.
 *
 * Request → Environ: REQUEST_METHOD, REQUEST_URI (the raw target), PATH_INFO (the path,
 * percent-decoded, as bytes), QUERY_STRING, SERVER_PROTOCOL, CONTENT_TYPE, CONTENT_LENGTH,
 * the connection's SERVER_NAME, SERVER_PORT, REMOTE_ADDR, REMOTE_PORT, HTTPS, then every
 * other field as HTTP_*, repeats joined with ", " (Cookie with "; "). A field whose name has
 * "_" is dropped by default, as nginx does: it would collide with its "-" twin; so is one
 * whose name has any byte but a letter, a digit, "-" or "_" (nginx's ignore_invalid_headers:
 * PHP reads "X.User" as HTTP_X_USER, a name a trusted front may set). With
 * dropHopByHop, so are the hop-by-hop fields and Expect, for a gateway that frames the body
 * and answers 100-continue itself.
 *
 * Environ → request head: for gateways that take uwsgi, FastCGI or SCGI in and send HTTP out.
 * Hop-by-hop fields (Connection, Transfer-Encoding, ...) are not forwarded: nginx passes
 * HTTP_TRANSFER_ENCODING along with the CONTENT_LENGTH of the body it de-chunked, and sending
 * both on would be exactly the ambiguity request smuggling feeds on.
 */
import { type CgiResponseHead, cgiNameToHeader, Environ, ProtocolError } from "@envwire/environ";
import {
  appendRun,
  assertLatin1,
  checkEnviron,
  checkNumber,
  checkObject,
  quote,
  valueByteLength,
} from "@envwire/environ/codec";
import { HttpErrorCode } from "../constants.js";
import { encodeRequestHead, encodeResponseHead, type RequestHeadInit } from "../encoder.js";
import { FieldKind, type FieldName } from "../field-names.js";
import type { HttpVersion } from "../head-scanner.js";
import { type Fields, NameTraits } from "../header-fields.js";
import { type HttpRequestHead, RequestHead } from "../message-head.js";
import { percentEncodePath } from "../percent-coding.js";
import { type ConnectionInfo, Optional, RequestRun } from "./request-run.js";

export interface RequestEnvironOptions extends ConnectionInfo {
  /** Keep fields whose names contain "_" (as HTTP_* with the "_" kept). Default false. */
  keepUnderscoreHeaders?: boolean | undefined;
  /**
   * Keep fields whose names have bytes other than letters, digits, "-" and "_" ("X.User",
   * "X~A"), as HTTP_* with those bytes kept. Default false, as nginx's ignore_invalid_headers.
   */
  keepOddHeaders?: boolean | undefined;
  /**
   * Leave out the HTTP_* variables of hop-by-hop fields (Connection, Keep-Alive,
   * Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade, and every field Connection
   * names but Host) and of Expect: for a gateway that frames the body itself. Default false.
   */
  dropHopByHop?: boolean | undefined;
}

/** The kinds of the fields dropHopByHop leaves out, and their CGI names. */
const HOP_BY_HOP_KINDS =
  FieldKind.Connection |
  FieldKind.TransferEncoding |
  FieldKind.Upgrade |
  FieldKind.Expect |
  FieldKind.HopByHop;
const HOP_BY_HOP_FIELDS = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
] as const;
const HOP_BY_HOP_CGI: ReadonlySet<string> = new Set([...HOP_BY_HOP_FIELDS, "expect"].map(httpName));

/** The HTTP_* name of the field name `name`, its ASCII letters upper-cased, "-" as "_" (as a FieldName's cgi). */
function httpName(name: string): string {
  let cgi = "HTTP_";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    cgi += c === 0x2d ? "_" : String.fromCharCode(c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
  }
  return cgi;
}

/** The HTTP_* names of the fields the Connection fields name (RFC 9110 §7.6.1); undefined when there is no Connection field. */
function connectionNamed(fields: Fields): Set<string> | undefined {
  if ((fields.kinds & FieldKind.Connection) === 0) return undefined;
  const named = new Set<string>();
  const names = fields.names;
  for (let i = 0; i < names.length; i++) {
    if (names[i]!.kind !== FieldKind.Connection) continue;
    for (const option of listElements(fields.valueAt(i))) named.add(httpName(option));
  }
  return named;
}

/** The elements of a comma-separated list, optional whitespace (SP, HTAB) trimmed, empty ones dropped. */
function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const element = part.replace(/^[ \t]+|[ \t]+$/g, "");
    if (element !== "") out.push(element);
  }
  return out;
}

/**
 * True when dropHopByHop leaves out the field `name`, given the HTTP_* names Connection
 * names. Host, Content-Type and Content-Length stay whatever Connection says: the mapping
 * reads them, and no sender may name them (RFC 9110 §7.6.1).
 */
function isHopByHop(name: FieldName, named: ReadonlySet<string> | undefined): boolean {
  const kind = name.kind;
  if ((kind & HOP_BY_HOP_KINDS) !== 0) return true;
  if (kind !== FieldKind.Other && kind !== FieldKind.Cookie) return false;
  // (A kept "_" twin, Keep_Alive, has a hop-by-hop field's CGI name but no kind.)
  return (name.underscore && HOP_BY_HOP_CGI.has(name.cgi)) || named?.has(name.cgi) === true;
}

/** What requestToEnviron needs to know of a head's fields (see surveyFields, surveyKinds). */
interface FieldSurvey {
  /**
   * For each field, the first field of its group (the fields sharing its CGI name), itself
   * when none comes before it, -1 when it is dropped; undefined when none repeats nor is
   * dropped (see surveyKinds).
   */
  firsts: readonly number[] | undefined;
  /** The first Content-Type field, and the Host field; -1 for none. */
  contentType: number;
  host: number;
  hasContentLength: boolean;
  /** Some fields are repeats, to be joined at the first of them. */
  repeats: boolean;
  /** Some fields do not become HTTP_* variables: dropped, or Content-Type or Content-Length. */
  leftOut: boolean;
}

/**
 * Groups a head's fields by CGI name, and finds the ones the mapping reads, in one pass.
 * A field with "_" is dropped unless kept, a hop-by-hop one when asked (see isHopByHop).
 * While every name of the head was already in a name table (the head is settled), a name's
 * id stands for its group, and the decoder's name table's scratch (firstAt, left as it was
 * found) maps each id to its first field. Otherwise (a name new or displaced during the
 * head, or "_" kept, which lets X_A and X-A share a CGI name) groups are found by CGI name.
 */
function surveyFields(
  fields: Fields,
  keepUnderscore: boolean,
  keepOdd: boolean,
  dropHopByHop: boolean,
): FieldSurvey {
  const names = fields.names;
  const named = dropHopByHop ? connectionNamed(fields) : undefined;
  const byId = (fields.traits & NameTraits.Settled) !== 0 && !keepUnderscore;
  const byName = byId ? undefined : new Map<string, number>();
  const firstAt = fields.table.firstAt;
  const firsts = new Array<number>(names.length).fill(-1);
  let contentType = -1;
  let host = -1;
  let hasContentLength = false;
  let repeats = false;
  let leftOut = false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (
      (name.underscore && !keepUnderscore) ||
      (name.odd && !keepOdd) ||
      (dropHopByHop && isHopByHop(name, named))
    ) {
      leftOut = true;
      continue;
    }
    let first: number;
    if (byName === undefined) {
      first = firstAt[name.id]!;
      if (first < 0) first = firstAt[name.id] = i;
    } else {
      first = byName.get(name.cgi) ?? i;
      if (first === i) byName.set(name.cgi, i);
    }
    if (first !== i) repeats = true;
    firsts[i] = first;
    const kind = name.kind;
    if (kind === FieldKind.ContentType) {
      leftOut = true;
      if (contentType < 0) contentType = i;
    } else if (kind === FieldKind.ContentLength) {
      leftOut = true;
      hasContentLength = true;
    } else if (kind === FieldKind.Host) {
      host = i;
    }
  }
  if (byName === undefined) for (const name of names) firstAt[name.id] = -1;
  return { firsts, contentType, host, hasContentLength, repeats, leftOut };
}

/**
 * The survey of a head whose names the scanner found all in a table, none twice, none with
 * "_" and none to be dropped as hop-by-hop (most heads): it follows from the or of their
 * kinds, with no walk over the fields but to find Content-Type or Host when they are there.
 */
function surveyKinds(names: readonly FieldName[], kinds: number): FieldSurvey {
  return {
    firsts: undefined,
    contentType: (kinds & FieldKind.ContentType) === 0 ? -1 : indexOfKind(names, FieldKind.ContentType),
    host: (kinds & FieldKind.Host) === 0 ? -1 : indexOfKind(names, FieldKind.Host),
    hasContentLength: (kinds & FieldKind.ContentLength) !== 0,
    repeats: false,
    leftOut: (kinds & (FieldKind.ContentType | FieldKind.ContentLength)) !== 0,
  };
}

function indexOfKind(names: readonly FieldName[], kind: number): number {
  for (let i = 0; i < names.length; i++) if (names[i]!.kind === kind) return i;
  return -1;
}

/**
 * The CGI variables of a decoded request (see the module comment for what goes in). The
 * Environ borrows them from the head (see RequestRun): values stay views into the chunk the
 * head came in, and are worked out when first read.
 */
export function requestToEnviron(head: HttpRequestHead, options: RequestEnvironOptions = {}): Environ {
  if (!(head instanceof RequestHead)) {
    throw new TypeError("requestToEnviron: head must be a request head from a RequestDecoder");
  }
  const fields = head.headers;
  const names = fields.names;
  const keepUnderscore = options.keepUnderscoreHeaders === true;
  const keepOdd = options.keepOddHeaders === true;
  const traits = fields.traits;
  // (Only when there is one to drop: a kept "_" twin, Keep_Alive, has no kind.)
  const dropHopByHop =
    options.dropHopByHop === true &&
    ((fields.kinds & HOP_BY_HOP_KINDS) !== 0 || (keepUnderscore && (traits & NameTraits.Underscore) !== 0));
  const survey =
    (traits & (NameTraits.Settled | NameTraits.Repeats | NameTraits.Underscore | NameTraits.Odd)) ===
      NameTraits.Settled && !dropHopByHop
      ? surveyKinds(names, fields.kinds)
      : surveyFields(fields, keepUnderscore, keepOdd, dropHopByHop);
  checkConnection(options);
  const contentLength = head.body === "length" || (head.body === "none" && survey.hasContentLength);
  const optional =
    (survey.contentType >= 0 ? Optional.ContentType : 0) |
    (contentLength ? Optional.ContentLength : 0) |
    (options.remoteAddr === undefined ? 0 : Optional.RemoteAddr) |
    (options.remotePort === undefined ? 0 : Optional.RemotePort) |
    (options.https === true ? Optional.Https : 0);
  const firsts = survey.firsts;
  const entries = survey.leftOut || survey.repeats ? httpFields(names, firsts) : undefined;
  const joined = survey.repeats ? joinRepeats(fields, names, firsts!) : undefined;
  const run = new RequestRun(head, options, optional, entries, joined, survey.contentType, survey.host);
  const env = new Environ(undefined, 0);
  appendRun(env, run);
  return env;
}

/** The fields that become HTTP_* variables: not dropped, not Content-Type or Content-Length, the first of repeats. */
function httpFields(names: readonly FieldName[], firsts: readonly number[] | undefined): number[] {
  const entries: number[] = [];
  for (let i = 0; i < names.length; i++) {
    if (firsts !== undefined && firsts[i] !== i) continue; // dropped (-1), or joined at its first place
    const kind = names[i]!.kind;
    if (kind !== FieldKind.ContentType && kind !== FieldKind.ContentLength) entries.push(i);
  }
  return entries;
}

/**
 * The values of repeated fields joined with ", " (RFC 9110 §5.3), or "; " for Cookie
 * (RFC 6265 §5.4), each at the place of the first of them.
 */
function joinRepeats(
  fields: Fields,
  names: readonly FieldName[],
  firsts: readonly number[],
): (string | undefined)[] {
  const joined = new Array<string | undefined>(names.length).fill(undefined);
  for (let i = 0; i < names.length; i++) {
    const first = firsts[i]!;
    if (first < 0 || first === i) continue; // dropped, or the first of its group
    const separator = names[i]!.kind === FieldKind.Cookie ? "; " : ", ";
    joined[first] = (joined[first] ?? fields.valueAt(first)) + separator + fields.valueAt(i);
  }
  return joined;
}

/** The strings last checked for each option: a connection passes the same ones request after request. */
const checked: (string | undefined)[] = [undefined, undefined, undefined, undefined];

/** Throws ProtocolError unless the variables the caller gave are latin-1 (numbers are). */
function checkConnection(options: RequestEnvironOptions): void {
  const { serverName, serverPort, remoteAddr, remotePort } = options;
  if (typeof serverName === "string") checkOption(0, serverName, "SERVER_NAME");
  if (typeof serverPort === "string") checkOption(1, serverPort, "SERVER_PORT");
  if (typeof remoteAddr === "string") checkOption(2, remoteAddr, "REMOTE_ADDR");
  if (typeof remotePort === "string") checkOption(3, remotePort, "REMOTE_PORT");
}

function checkOption(slot: number, value: string, name: string): void {
  if (checked[slot] === value) return;
  assertLatin1(value, "value", name);
  checked[slot] = value;
}

/** Fields a proxy never forwards (RFC 9110 §7.6.1), as CGI names. */
const HOP_BY_HOP: ReadonlySet<string> = new Set(HOP_BY_HOP_FIELDS.map(httpName));

export interface EnvironRequestOptions {
  /** Frame the body with Transfer-Encoding: chunked (when the length is not known). Default false. */
  chunked?: boolean;
}

/**
 * The request head for a CGI environment: method, REQUEST_URI (or SCRIPT_NAME + PATH_INFO +
 * QUERY_STRING, percent-encoded), Host (HTTP_HOST, else SERVER_NAME and SERVER_PORT, else empty), every
 * HTTP_* variable but the hop-by-hop ones, CONTENT_TYPE and a non-empty CONTENT_LENGTH.
 */
export function environToRequestHead(env: Environ, options: EnvironRequestOptions = {}): RequestHeadInit {
  checkEnviron(env, "environToRequestHead");
  checkObject(options, "environToRequestHead", "options");
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
  if (!env.has("HTTP_HOST")) {
    // HTTP/1.1 requires Host, empty when there is no authority to name (RFC 9112 §3.2).
    const name = env.get("SERVER_NAME") ?? "";
    const port = env.get("SERVER_PORT");
    headers.push(["Host", name && port && port !== "80" && port !== "443" ? `${name}:${port}` : name]);
  }
  for (let i = 0; i < env.size; i++) {
    const name = env.nameAt(i);
    if (HOP_BY_HOP.has(name)) continue;
    if (name === "CONTENT_LENGTH" && (options.chunked || valueByteLength(env, i) === 0)) continue;
    if (name === "CONTENT_TYPE" && valueByteLength(env, i) === 0) continue;
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

/** How a gateway frames the body it sends after encodeCgiResponseAsHttp's head. */
export interface CgiResponseAsHttpOptions {
  /** Send `Content-Length: n` (the application's Content-Length is dropped). */
  contentLength?: number | undefined;
  /** Send `Transfer-Encoding: chunked` (the application's Content-Length is dropped). HTTP/1.1 only. */
  chunked?: boolean | undefined;
  /** false: send `Connection: close`; true: for HTTP/1.0, send `Connection: keep-alive`. Default: neither. */
  keepAlive?: boolean | undefined;
  /** The status line's version. Default "HTTP/1.1". */
  version?: HttpVersion | undefined;
}

/**
 * The HTTP response head for a CGI response head (Status and the other fields); the reason
 * is the standard one (STATUS_REASONS) when Status gives none. Without options the fields
 * go as the application sent them. With options the gateway frames the body: hop-by-hop
 * fields (Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
 * and those Connection names) are dropped, and Content-Length or Transfer-Encoding: chunked
 * and Connection are added as the options say. Throws TypeError for options that contradict
 * each other or the status (a 1xx or 204 has no body, nor chunked a 304 or HTTP/1.0).
 */
export function encodeCgiResponseAsHttp(
  head: CgiResponseHead,
  options?: CgiResponseAsHttpOptions,
): Uint8Array {
  checkObject(head, "encodeCgiResponseAsHttp", "head");
  checkNumber(head.status, "encodeCgiResponseAsHttp", "head.status");
  if (options !== undefined) checkObject(options, "encodeCgiResponseAsHttp", "options");
  const reason = head.reason ? { reason: head.reason } : {};
  if (options === undefined)
    return encodeResponseHead({ status: head.status, ...reason, headers: head.headers });
  const { contentLength, chunked = false, keepAlive, version = "HTTP/1.1" } = options;
  const status = head.status;
  const bodiless = (status >= 100 && status < 200) || status === 204;
  if (contentLength !== undefined) {
    if (!Number.isSafeInteger(contentLength) || contentLength < 0)
      throw new TypeError(`encodeCgiResponseAsHttp: contentLength ${contentLength} is not a length`);
    if (chunked) throw new TypeError("encodeCgiResponseAsHttp: contentLength and chunked both given");
    if (bodiless) throw new TypeError(`encodeCgiResponseAsHttp: a ${status} response has no Content-Length`);
  }
  if (chunked) {
    if (bodiless || status === 304)
      throw new TypeError(`encodeCgiResponseAsHttp: a ${status} response has no body to chunk`);
    if (version !== "HTTP/1.1")
      throw new TypeError(`encodeCgiResponseAsHttp: ${version} has no chunked coding`);
  }
  const dropLength = chunked || contentLength !== undefined;
  const named = new Set<string>();
  for (const [name, value] of head.headers)
    if (name.toLowerCase() === "connection")
      for (const option of listElements(value)) named.add(option.toLowerCase());
  named.delete("content-length"); // (framed by the rules above, whatever Connection says)
  const headers: [string, string][] = [];
  for (const field of head.headers) {
    const name = field[0].toLowerCase();
    if ((HOP_BY_HOP_FIELDS as readonly string[]).includes(name) || named.has(name)) continue;
    if (dropLength && name === "content-length") continue;
    headers.push(field);
  }
  if (contentLength !== undefined) headers.push(["Content-Length", String(contentLength)]);
  if (chunked) headers.push(["Transfer-Encoding", "chunked"]);
  if (keepAlive === false) headers.push(["Connection", "close"]);
  else if (keepAlive === true && version === "HTTP/1.0") headers.push(["Connection", "keep-alive"]);
  return encodeResponseHead({ status, ...reason, version, headers });
}

/**
 * The body length the application gave in its CGI response head's Content-Length, if any:
 * digits, repeats (and a list, "42, 42") agreeing, as RequestDecoder reads it. Throws
 * ProtocolError HTTP_BAD_CONTENT_LENGTH (offset 0) for one that is not a length, or lengths
 * that disagree.
 */
export function cgiResponseBodyLength(head: CgiResponseHead): number | undefined {
  let length: number | undefined;
  for (const [name, value] of head.headers) {
    if (name.length !== 14 || name.toLowerCase() !== "content-length") continue;
    const elements = value.split(",").map((part) => part.replace(/^[ \t]+|[ \t]+$/g, ""));
    for (const element of elements) {
      const n = /^[0-9]{1,16}$/.test(element) ? Number(element) : -1;
      if (n < 0 || n > Number.MAX_SAFE_INTEGER)
        throw new ProtocolError(
          HttpErrorCode.BadContentLength,
          `Content-Length ${quote(element)} is not a length`,
          0,
        );
      if (length !== undefined && n !== length)
        throw new ProtocolError(HttpErrorCode.BadContentLength, "Content-Length values disagree", 0);
      length = n;
    }
  }
  return length;
}
