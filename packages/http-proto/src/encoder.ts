/**
 * HTTP/1.1 encoders: request and response heads measured and written into one exactly-sized
 * buffer, and chunked framing that never copies the payload. They refuse anything a peer
 * would split or misread: a method or field name that is not a token, a target with spaces
 * or controls, a value with CR, LF, NUL or another control byte.
 */
import { type FieldsInit, ProtocolError } from "@envwire/environ";
import {
  badFieldValueIndex,
  checkChunk,
  checkNumber,
  checkObject,
  checkString,
  fieldLines,
  isToken,
  latin1Output,
  quote,
} from "@envwire/environ/codec";
import { HttpErrorCode } from "./constants.js";
import type { HttpVersion } from "./head-scanner.js";

/** Header fields in order, repeats kept. (The encoders take FieldsInit: these, or a plain object.) */
export type FieldList = Iterable<readonly [name: string, value: string]>;

export interface RequestHeadInit {
  method: string;
  /** origin-form ("/path?q"), absolute-form, authority-form (CONNECT) or "*". */
  target: string;
  version?: HttpVersion;
  /** [name, value] pairs, or a plain object of name → value (an array of values repeats the field). */
  headers?: FieldsInit;
}

export interface ResponseHeadInit {
  status: number;
  /** Default: the standard reason for the status, or "". */
  reason?: string;
  version?: HttpVersion;
  /** [name, value] pairs, or a plain object of name → value (an array of values repeats the field). */
  headers?: FieldsInit;
}

/** Reason phrases of the common status codes. */
export const STATUS_REASONS: Readonly<Record<number, string>> = {
  100: "Continue",
  101: "Switching Protocols",
  103: "Early Hints",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  421: "Misdirected Request",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

function bad(why: string, offset: number): ProtocolError {
  return new ProtocolError(HttpErrorCode.BadField, why, offset);
}

function fields(headers: unknown, where: string, argument: string, at: number): string {
  return fieldLines(headers, where, argument, HttpErrorCode.BadField, at);
}

/** `version`, when given, must be one this encoder writes. */
function versionOf(version: unknown, where: string): HttpVersion {
  if (version === undefined) return "HTTP/1.1";
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0")
    throw new TypeError(`${where}: version must be "HTTP/1.1" or "HTTP/1.0", not ${quote(String(version))}`);
  return version;
}

/**
 * A request head. Throws ProtocolError for a method that is not a token, a target that is
 * empty or holds a byte other than visible ASCII, or a field a peer would misread; a
 * TypeError for an argument of the wrong type (a missing target among them).
 */
export function encodeRequestHead(init: RequestHeadInit): Uint8Array {
  const where = "encodeRequestHead";
  checkObject(init, where, "init");
  checkString(init.method, where, "method");
  checkString(init.target, where, "target");
  const version = versionOf(init.version, where);
  if (!isToken(init.method)) throw bad(`${quote(init.method)} is not a method`, 0);
  const target = init.target;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c < 0x21 || c > 0x7e)
      throw bad(
        "a request-target holds visible ASCII only (percent-encode the rest)",
        init.method.length + 1 + i,
      );
  }
  if (target.length === 0) throw bad("an empty request-target", init.method.length + 1);
  const line = `${init.method} ${target} ${version}\r\n`;
  return latin1Output(`${line}${fields(init.headers, where, "headers", line.length)}\r\n`);
}

/**
 * A response head. Throws ProtocolError for a status that is not an integer 100-999, a reason
 * or a field a peer would misread; a TypeError for an argument of the wrong type.
 */
export function encodeResponseHead(init: ResponseHeadInit): Uint8Array {
  const where = "encodeResponseHead";
  checkObject(init, where, "init");
  checkNumber(init.status, where, "status");
  if (init.reason !== undefined) checkString(init.reason, where, "reason");
  const version = versionOf(init.version, where);
  const reason = init.reason ?? STATUS_REASONS[init.status] ?? "";
  if (!(Number.isInteger(init.status) && init.status >= 100 && init.status <= 999))
    throw bad(`status ${quote(String(init.status))} is not an integer 100-999`, 9);
  if (badFieldValueIndex(reason) >= 0) throw bad("the reason has a byte a peer would misread", 13);
  const line = `${version} ${init.status} ${reason}\r\n`;
  return latin1Output(`${line}${fields(init.headers, where, "headers", line.length)}\r\n`);
}

const CRLF = new Uint8Array([0x0d, 0x0a]);

/**
 * One chunk of a chunked body, as [size line, payload, CR LF] for a vectored write: the
 * payload itself, not a copy. An empty payload gives [] (a zero-size chunk would end the body).
 */
export function encodeChunk(payload: Uint8Array): Uint8Array[] {
  checkChunk(payload, "encodeChunk", "payload");
  if (payload.length === 0) return [];
  return [latin1Output(`${payload.length.toString(16)}\r\n`), payload, CRLF];
}

/** The last chunk, with trailer fields if any (pairs or a plain object), which ends a chunked body. */
export function encodeLastChunk(trailers?: FieldsInit): Uint8Array {
  return latin1Output(`0\r\n${fields(trailers, "encodeLastChunk", "trailers", 3)}\r\n`);
}
