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
import { cgiNameFor } from "./cgi-name-cache.js";
import { HttpErrorCode } from "./constants.js";
import type { HttpRequestHead } from "./decoder.js";
import { encodeRequestHead, encodeResponseHead, type RequestHeadInit } from "./encoder.js";

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

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** Percent-decodes `s` (a path) to bytes; a "%" not followed by two hex digits stays as it is. */
export function percentDecode(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && hex(s.charCodeAt(i + 1)) >= 0 && hex(s.charCodeAt(i + 2)) >= 0) {
      out[n++] = hex(s.charCodeAt(i + 1)) * 16 + hex(s.charCodeAt(i + 2));
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

/** Splits a target into its authority (absolute-form only), path and query. */
function splitTarget(head: HttpRequestHead): { authority: string | undefined; path: string; query: string } {
  if (head.targetForm === "asterisk" || head.targetForm === "authority") {
    return { authority: head.targetForm === "authority" ? head.target : undefined, path: "", query: "" };
  }
  let rest = head.target;
  let authority: string | undefined;
  if (head.targetForm === "absolute") {
    const afterScheme = rest.indexOf("://") + 3;
    const pathStart = rest.slice(afterScheme).search(/[/?]/);
    authority = pathStart < 0 ? rest.slice(afterScheme) : rest.slice(afterScheme, afterScheme + pathStart);
    rest = pathStart < 0 ? "/" : rest.slice(afterScheme + pathStart);
    if (rest.startsWith("?")) rest = `/${rest}`;
  }
  const q = rest.indexOf("?");
  return { authority, path: q < 0 ? rest : rest.slice(0, q), query: q < 0 ? "" : rest.slice(q + 1) };
}

function hostAndPort(authority: string): [host: string, port: string | undefined] {
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const colon = hostPort.lastIndexOf(":");
  // An IPv6 literal has colons of its own: the port's colon comes after its "]".
  if (colon < 0 || colon < hostPort.lastIndexOf("]")) return [hostPort, undefined];
  return [hostPort.slice(0, colon), hostPort.slice(colon + 1) || undefined];
}

const SEPARATOR = new Uint8Array([0x2c, 0x20]); // ", "
const COOKIE_SEPARATOR = new Uint8Array([0x3b, 0x20]); // "; "

/** The CGI variables of a decoded request (see the module comment for what goes in). */
export function requestToEnviron(head: HttpRequestHead, options: RequestEnvironOptions = {}): Environ {
  const env = new Environ();
  const { authority, path, query } = splitTarget(head);
  env.append("REQUEST_METHOD", head.method);
  env.append("REQUEST_URI", head.target);
  env.append("PATH_INFO", path.includes("%") ? percentDecode(path) : path);
  env.append("QUERY_STRING", query);
  env.append("SERVER_PROTOCOL", head.version);

  // The CGI name of each field (undefined: dropped); repeats are joined at their first place.
  const fields = head.headers;
  const n = fields.size;
  const names: (string | undefined)[] = new Array(n);
  const keepUnderscore = options.keepUnderscoreHeaders === true;
  let contentType = -1;
  let hasContentLength = false;
  for (let i = 0; i < n; i++) {
    const name = cgiNameFor(fields.buffer, fields.nameStartAt(i), fields.nameEndAt(i), keepUnderscore);
    if (name === undefined) continue;
    names[i] = name;
    if (name === "CONTENT_TYPE" && contentType < 0) contentType = i;
    else if (name === "CONTENT_LENGTH") hasContentLength = true;
  }
  if (contentType >= 0) appendJoined(env, fields, names, contentType);
  if (head.body === "length" || (head.body === "none" && hasContentLength)) {
    env.append("CONTENT_LENGTH", String(head.contentLength));
  }

  let host = authority;
  if (host === undefined) {
    for (let i = 0; i < n; i++) if (names[i] === "HTTP_HOST") host = fields.valueAt(i);
  }
  const [hostName, hostPort] = host === undefined ? ["", undefined] : hostAndPort(host);
  env.append("SERVER_NAME", options.serverName ?? hostName);
  env.append("SERVER_PORT", String(options.serverPort ?? hostPort ?? (options.https ? 443 : 80)));
  if (options.remoteAddr !== undefined) env.append("REMOTE_ADDR", options.remoteAddr);
  if (options.remotePort !== undefined) env.append("REMOTE_PORT", String(options.remotePort));
  if (options.https) env.append("HTTPS", "on");

  for (let i = 0; i < n; i++) {
    const name = names[i];
    if (name === undefined || name === "CONTENT_TYPE" || name === "CONTENT_LENGTH") continue;
    if (names.indexOf(name) < i) continue; // joined at its first place
    appendJoined(env, fields, names, i);
  }
  return env;
}

/**
 * Appends field `first` under its CGI name, joined with its later repeats (", ", or "; " for
 * Cookie): a view into the head when it has none, else one new buffer.
 */
function appendJoined(
  env: Environ,
  fields: HttpRequestHead["headers"],
  names: (string | undefined)[],
  first: number,
): void {
  const name = names[first]!;
  let repeats = false;
  for (let i = first + 1; i < names.length && !repeats; i++) repeats = names[i] === name;
  if (!repeats) {
    env.appendSlice(name, fields.buffer, fields.valueStartAt(first), fields.valueEndAt(first));
    return;
  }
  const indexes: number[] = [];
  for (let i = first; i < names.length; i++) if (names[i] === name) indexes.push(i);
  env.append(name, joined(fields, indexes, name === "HTTP_COOKIE" ? COOKIE_SEPARATOR : SEPARATOR));
}

/** The values of the fields at `indexes`, joined: a view when there is one, else a new buffer. */
function joined(fields: HttpRequestHead["headers"], indexes: number[], separator: Uint8Array): Uint8Array {
  if (indexes.length === 1) return fields.valueBytesAt(indexes[0]!);
  const values = indexes.map((i) => fields.valueBytesAt(i));
  const out = new Uint8Array(
    values.reduce((n, v) => n + v.length, 0) + separator.length * (values.length - 1),
  );
  let at = 0;
  for (let k = 0; k < values.length; k++) {
    if (k > 0) {
      out.set(separator, at);
      at += separator.length;
    }
    out.set(values[k]!, at);
    at += values[k]!.length;
  }
  return out;
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
