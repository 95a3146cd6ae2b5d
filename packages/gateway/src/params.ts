/**
 * The variables nginx sends an upstream, as Debian's uwsgi_params, fastcgi_params and
 * scgi_params name them and in their order, made from a decoded HTTP request; then what the
 * caller adds (`--param`), then every request header as HTTP_* (the proxy's front leaves the
 * hop-by-hop ones out: requestToEnviron's dropHopByHop), but those a param already set, as
 * nginx does.
 */
import { Environ, type EnvironValue } from "@envwire/environ";
import type { Protocol } from "./address.js";

/** What the params are made from. */
export interface RequestVars {
  /** The request as requestToEnviron gives it (values are views into the request's bytes). */
  readonly env: Environ;
  /** The body's length, once known (a chunked body is counted before it is sent); undefined for none. */
  readonly contentLength: number | undefined;
  /** The path as nginx's $uri: percent-decoded, dot-segments resolved, slashes merged (see normalizePath). */
  readonly uri: string;
  readonly https: boolean;
  /** SERVER_NAME: nginx's $server_name, the proxy's own name, never the client's. */
  readonly serverName: string;
  /** HTTP_HOST: nginx's $host, the request's host (lower-cased, no port), else serverName. */
  readonly host: string;
  readonly serverAddr: string;
  readonly documentRoot: string;
  readonly serverSoftware: string;
}

type Source = (r: RequestVars) => EnvironValue | undefined;

/**
 * The request's variable `name`, as a string (a value the request's Environ holds as a
 * string stays one: no bytes made for it). requestToEnviron gives each of these once, before
 * the HTTP_* variables: the first entry of the name is the only one, found in a few steps.
 */
const request =
  (name: string): Source =>
  (r) => {
    const env = r.env;
    for (let i = 0; i < env.size; i++) if (env.nameAt(i) === name) return env.valueAt(i);
    return "";
  };

/** Each param's value (undefined: left out, as nginx's `if_not_empty`). */
const SOURCES: Readonly<Record<string, Source>> = {
  QUERY_STRING: request("QUERY_STRING"),
  REQUEST_METHOD: request("REQUEST_METHOD"),
  CONTENT_TYPE: request("CONTENT_TYPE"),
  CONTENT_LENGTH: (r) => (r.contentLength === undefined ? "" : String(r.contentLength)),
  REQUEST_URI: request("REQUEST_URI"),
  // $document_uri and $fastcgi_script_name: $uri.
  PATH_INFO: (r) => r.uri,
  DOCUMENT_URI: (r) => r.uri,
  SCRIPT_NAME: (r) => r.uri,
  DOCUMENT_ROOT: (r) => r.documentRoot,
  SERVER_PROTOCOL: request("SERVER_PROTOCOL"),
  REQUEST_SCHEME: (r) => (r.https ? "https" : "http"),
  HTTPS: (r) => (r.https ? "on" : undefined),
  GATEWAY_INTERFACE: () => "CGI/1.1",
  SERVER_SOFTWARE: (r) => r.serverSoftware,
  REMOTE_ADDR: request("REMOTE_ADDR"),
  REMOTE_PORT: request("REMOTE_PORT"),
  REMOTE_USER: (r) => basicUser(r.env.get("HTTP_AUTHORIZATION")),
  SERVER_ADDR: (r) => r.serverAddr,
  SERVER_PORT: request("SERVER_PORT"),
  SERVER_NAME: (r) => r.serverName,
  REDIRECT_STATUS: () => "200",
  SCGI: () => "1",
  // Debian's params send $host (the host, lower-cased, without its port), not the client's Host.
  HTTP_HOST: (r) => r.host,
};

/** nginx's $remote_user: the user name of Basic authentication, else empty. */
function basicUser(authorization: string | undefined): string {
  const match =
    authorization === undefined ? null : /^basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(authorization);
  if (match === null) return "";
  let credentials: string;
  try {
    credentials = atob(match[1]!); // (latin-1, byte for byte, as every Environ value)
  } catch {
    return "";
  }
  const colon = credentials.indexOf(":");
  return colon < 0 ? "" : credentials.slice(0, colon);
}

/** The params files of Debian 12's nginx, in their order. */
export const NGINX_PARAMS: Readonly<Record<Exclude<Protocol, "http">, readonly string[]>> = {
  uwsgi: [
    "QUERY_STRING",
    "REQUEST_METHOD",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "REQUEST_URI",
    "PATH_INFO",
    "DOCUMENT_ROOT",
    "SERVER_PROTOCOL",
    "REQUEST_SCHEME",
    "HTTPS",
    "REMOTE_ADDR",
    "REMOTE_PORT",
    "SERVER_PORT",
    "SERVER_NAME",
    "HTTP_HOST",
  ],
  fastcgi: [
    "QUERY_STRING",
    "REQUEST_METHOD",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SCRIPT_NAME",
    "REQUEST_URI",
    "DOCUMENT_URI",
    "DOCUMENT_ROOT",
    "SERVER_PROTOCOL",
    "REQUEST_SCHEME",
    "HTTPS",
    "GATEWAY_INTERFACE",
    "SERVER_SOFTWARE",
    "REMOTE_ADDR",
    "REMOTE_PORT",
    "REMOTE_USER",
    "SERVER_ADDR",
    "SERVER_PORT",
    "SERVER_NAME",
    "REDIRECT_STATUS",
    "HTTP_HOST",
  ],
  scgi: [
    "REQUEST_METHOD",
    "REQUEST_URI",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "DOCUMENT_URI",
    "DOCUMENT_ROOT",
    "SCGI",
    "SERVER_PROTOCOL",
    "REQUEST_SCHEME",
    "HTTPS",
    "REMOTE_ADDR",
    "REMOTE_PORT",
    "SERVER_PORT",
    "SERVER_NAME",
    "HTTP_HOST",
  ],
};

/** Anything in a path that normalizePath would change: an empty, "." or ".." segment. */
const UNUSUAL_SEGMENT = /\/\/|\/\.\.?(?:\/|$)/;

/**
 * A decoded path as nginx makes its $uri: "." and ".." segments resolved, runs of "/" merged
 * (merge_slashes on). Undefined — a 400, as nginx answers — for a path that climbs above the
 * root or holds a NUL: an application that trusts the path must not be led outside its root.
 */
export function normalizePath(path: string): string | undefined {
  if (path.includes("\0")) return undefined;
  if (path.startsWith("/") && !UNUSUAL_SEGMENT.test(path)) return path; // (most paths)
  const segments = path.split("/");
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === "" || segment === ".") {
      if (last) out.push(""); // (a trailing "/" or "/." stays a trailing "/")
      continue;
    }
    if (segment === "..") {
      if (out.length === 0 || (out.length === 1 && out[0] === "")) return undefined;
      out.pop();
      if (last) out.push("");
      continue;
    }
    out.push(segment);
  }
  return `/${out.join("/")}`;
}

/**
 * The Environ to send `protocol` upstream: its params, then `extra` (name, value pairs the
 * caller adds, in order), then the request's headers.
 */
export function upstreamEnviron(
  protocol: Exclude<Protocol, "http">,
  vars: RequestVars,
  extra: readonly (readonly [string, string])[],
): Environ {
  const names = NGINX_PARAMS[protocol];
  const out = new Environ(undefined, names.length + extra.length + vars.env.size);
  // SCGI's first variable is CONTENT_LENGTH, which nginx adds before its params.
  if (protocol === "scgi") out.append("CONTENT_LENGTH", String(vars.contentLength ?? 0));
  // The HTTP_* names a param or an extra set (HTTP_HOST, mostly): those headers are left out.
  // (A short list, not a Set: it holds one name or two.)
  const set: string[] = [];
  for (const name of names) {
    const value = SOURCES[name]!(vars);
    if (value === undefined) continue;
    out.append(name, value);
    if (name.startsWith("HTTP_")) set.push(name);
  }
  for (const [name, value] of extra) {
    out.append(name, value);
    if (name.startsWith("HTTP_")) set.push(name);
  }
  const env = vars.env;
  for (let i = 0; i < env.size; i++) {
    const name = env.nameAt(i);
    if (name.startsWith("HTTP_") && !set.includes(name)) out.append(name, env.bytesAt(i));
  }
  return out;
}
