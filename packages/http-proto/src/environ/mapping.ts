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
import { type CgiResponseHead, cgiNameToHeader, Environ, ProtocolError } from "@envwire/environ";
import { appendRun, assertLatin1, checkEnviron, valueByteLength } from "@envwire/environ/codec";
import { HttpErrorCode } from "../constants.js";
import { encodeRequestHead, encodeResponseHead, type RequestHeadInit } from "../encoder.js";
import { FieldKind, type FieldName } from "../field-names.js";
import { type Fields, NameTraits } from "../header-fields.js";
import { type HttpRequestHead, RequestHead } from "../message-head.js";
import { percentEncodePath } from "../percent-coding.js";
import { type ConnectionInfo, Optional, RequestRun } from "./request-run.js";

export interface RequestEnvironOptions extends ConnectionInfo {
  /** Keep fields whose names contain "_" (as HTTP_* with the "_" kept). Default false. */
  keepUnderscoreHeaders?: boolean | undefined;
}

/** What requestToEnviron needs to know of a head's fields (see surveyFields, surveyKinds). */
interface FieldSurvey {
  /**
   * For each field, the first field of its group (the fields sharing its CGI name), itself
   * when none comes before it, -1 when it is dropped; undefined when no field repeats.
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
 * A field with "_" is dropped unless kept. While every name of the head was already in a name
 * table (the head is settled), a name's id stands for its group, and the decoder's name
 * table's scratch (firstAt, left as it was found) maps each id to its first field. Otherwise
 * (a name new or displaced during the head, or "_" kept, which lets X_A and X-A share a CGI
 * name) groups are found by CGI name.
 */
function surveyFields(fields: Fields, keepUnderscore: boolean): FieldSurvey {
  const names = fields.names;
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
    if (name.underscore && !keepUnderscore) {
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
  return { firsts: repeats ? firsts : undefined, contentType, host, hasContentLength, repeats, leftOut };
}

/**
 * The survey of a head whose names the scanner found all in a table, none twice and none
 * with "_" (most heads): it follows from the or of their kinds, with no walk over the fields
 * but to find Content-Type or Host when they are there.
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
  const traits = fields.traits;
  const survey =
    (traits & (NameTraits.Settled | NameTraits.Repeats | NameTraits.Underscore)) === NameTraits.Settled
      ? surveyKinds(names, fields.kinds)
      : surveyFields(fields, keepUnderscore);
  checkConnection(options);
  const contentLength = head.body === "length" || (head.body === "none" && survey.hasContentLength);
  const optional =
    (survey.contentType >= 0 ? Optional.ContentType : 0) |
    (contentLength ? Optional.ContentLength : 0) |
    (options.remoteAddr === undefined ? 0 : Optional.RemoteAddr) |
    (options.remotePort === undefined ? 0 : Optional.RemotePort) |
    (options.https === true ? Optional.Https : 0);
  const firsts = survey.firsts;
  const entries = survey.leftOut || survey.repeats ? httpFields(names, firsts, keepUnderscore) : undefined;
  const joined = firsts === undefined ? undefined : joinRepeats(fields, names, firsts);
  const run = new RequestRun(head, options, optional, entries, joined, survey.contentType, survey.host);
  const env = new Environ(undefined, 0);
  appendRun(env, run);
  return env;
}

/** The fields that become HTTP_* variables: not dropped, not Content-Type or Content-Length, the first of repeats. */
function httpFields(
  names: readonly FieldName[],
  firsts: readonly number[] | undefined,
  keepUnderscore: boolean,
): number[] {
  const entries: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name.underscore && !keepUnderscore) continue; // dropped
    if (firsts !== undefined && firsts[i] !== i) continue; // joined at its first place
    if (name.kind !== FieldKind.ContentType && name.kind !== FieldKind.ContentLength) entries.push(i);
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
const HOP_BY_HOP = new Set([
  "HTTP_CONNECTION",
  "HTTP_KEEP_ALIVE",
  "HTTP_PROXY_CONNECTION",
  "HTTP_TE",
  "HTTP_TRAILER",
  "HTTP_TRANSFER_ENCODING",
  "HTTP_UPGRADE",
]);

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

/** The HTTP response head for a CGI response head (Status and the other fields). */
export function encodeCgiResponseAsHttp(head: CgiResponseHead): Uint8Array {
  return encodeResponseHead({
    status: head.status,
    ...(head.reason ? { reason: head.reason } : {}),
    headers: head.headers,
  });
}
