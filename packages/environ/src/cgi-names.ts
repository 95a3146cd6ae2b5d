/**
 * The CGI rules for naming request header fields (RFC 3875 §4.1.18, PEP 3333), both ways.
 *
 * Header → meta-variable: upper-case, "-" becomes "_", prefix "HTTP_", except Content-Type
 * and Content-Length, which become CONTENT_TYPE and CONTENT_LENGTH with no prefix.
 *
 * Meta-variable → header is not an exact inverse:
 * - field names are case-insensitive, so the way back gives the canonical Title-Case
 *   (`WWW-Authenticate` comes back as `Www-Authenticate`: the same field);
 * - "-" and "_" both become "_", so `X_Foo` and `X-Foo` share HTTP_X_FOO, and the way back
 *   always says `X-Foo`. This collision is why nginx (and http-proto by default) drops
 *   request headers whose names contain "_";
 * - a variable that is neither HTTP_* nor CONTENT_TYPE/CONTENT_LENGTH (REQUEST_METHOD,
 *   SERVER_NAME, ...) describes the request rather than a header, and maps to nothing.
 */
import { checkString } from "./arguments.js";

/** CGI meta-variable name for a header field name: `X-Forwarded-For` → `HTTP_X_FORWARDED_FOR`. */
export function headerToCgiName(field: string): string {
  checkString(field, "headerToCgiName", "field");
  let upper = "";
  for (let i = 0; i < field.length; i++) {
    let c = field.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    else if (c === 0x2d) c = 0x5f;
    upper += String.fromCharCode(c);
  }
  if (upper === "CONTENT_TYPE" || upper === "CONTENT_LENGTH") return upper;
  return `HTTP_${upper}`;
}

/**
 * Header field name for a CGI meta-variable: `HTTP_X_FORWARDED_FOR` → `X-Forwarded-For`,
 * `CONTENT_TYPE` → `Content-Type`; `undefined` for variables that are not headers.
 */
export function cgiNameToHeader(name: string): string | undefined {
  checkString(name, "cgiNameToHeader", "name");
  if (name === "CONTENT_TYPE") return "Content-Type";
  if (name === "CONTENT_LENGTH") return "Content-Length";
  if (!name.startsWith("HTTP_") || name.length === 5) return undefined;
  let field = "";
  let wordStart = true;
  for (let i = 5; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c === 0x5f) {
      field += "-";
      wordStart = true;
      continue;
    }
    if (wordStart) {
      if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    } else if (c >= 0x41 && c <= 0x5a) {
      c += 0x20;
    }
    field += String.fromCharCode(c);
    wordStart = false;
  }
  return field;
}

/**
 * The meta-variables web servers send with nearly every request: interned up front so that
 * decoding them never builds a string (see NameCache).
 */
export const WELL_KNOWN_CGI_NAMES: readonly string[] = [
  "QUERY_STRING",
  "REQUEST_METHOD",
  "CONTENT_TYPE",
  "CONTENT_LENGTH",
  "REQUEST_URI",
  "PATH_INFO",
  "SCRIPT_NAME",
  "SCRIPT_FILENAME",
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
  "AUTH_TYPE",
  "PATH_TRANSLATED",
  "UWSGI_SCHEME",
  "HTTP_HOST",
  "HTTP_USER_AGENT",
  "HTTP_ACCEPT",
  "HTTP_ACCEPT_LANGUAGE",
  "HTTP_ACCEPT_ENCODING",
  "HTTP_ACCEPT_CHARSET",
  "HTTP_CONNECTION",
  "HTTP_COOKIE",
  "HTTP_REFERER",
  "HTTP_ORIGIN",
  "HTTP_AUTHORIZATION",
  "HTTP_CACHE_CONTROL",
  "HTTP_PRAGMA",
  "HTTP_UPGRADE_INSECURE_REQUESTS",
  "HTTP_IF_MODIFIED_SINCE",
  "HTTP_IF_NONE_MATCH",
  "HTTP_RANGE",
  "HTTP_TRANSFER_ENCODING",
  "HTTP_CONTENT_ENCODING",
  "HTTP_EXPECT",
  "HTTP_UPGRADE",
  "HTTP_TE",
  "HTTP_DNT",
  "HTTP_X_FORWARDED_FOR",
  "HTTP_X_FORWARDED_PROTO",
  "HTTP_X_FORWARDED_HOST",
  "HTTP_X_REAL_IP",
  "HTTP_X_REQUESTED_WITH",
  "HTTP_SEC_FETCH_SITE",
  "HTTP_SEC_FETCH_MODE",
  "HTTP_SEC_FETCH_DEST",
  "HTTP_SEC_FETCH_USER",
  "HTTP_SEC_CH_UA",
  "HTTP_SEC_CH_UA_MOBILE",
  "HTTP_SEC_CH_UA_PLATFORM",
];
