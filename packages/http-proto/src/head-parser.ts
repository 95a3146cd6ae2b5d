/**
 * Parses a complete head (see HeadReader) into its start line and fields, strictly, per
 * RFC 9112 §3-5 and RFC 9110 §5: token names with the colon right after them, values
 * without CR, LF, NUL or other controls, no obs-fold, optional whitespace trimmed.
 */
import { FIELD_VALUE, latin1Decode, ProtocolError, TOKEN } from "@envwire/environ";
import { HttpErrorCode } from "./constants.js";
import type { HeadReader } from "./head-reader.js";
import type { HeaderFields } from "./header-fields.js";

const SP = 0x20;
const HTAB = 0x09;
const CR = 0x0d;

/** Where line `k` of the head lies in `head.buf`, CR LF excluded. */
export function lineSpan(head: HeadReader, k: number): [start: number, end: number] {
  const start = head.start + (k === 0 ? 0 : head.lineEnds[k - 1]! + 1);
  let end = head.start + head.lineEnds[k]!;
  if (end > start && head.buf[end - 1] === CR) end--;
  return [start, end];
}

/**
 * Adds the field lines `from` .. the last-but-one line (the last is the empty line) to
 * `fields`. `base` is the stream offset of `head.buf[head.start]`.
 */
export function parseFields(
  head: HeadReader,
  from: number,
  fields: HeaderFields,
  maxFields: number,
  base: number,
): void {
  const buf = head.buf;
  const lineEnds = head.lineEnds;
  const lines = lineEnds.length - 1;
  const headStart = head.start;
  if (lines - from > maxFields) {
    const [start] = lineSpan(head, from + maxFields);
    throw new ProtocolError(
      HttpErrorCode.TooManyHeaders,
      `more than ${maxFields} fields`,
      base + start - headStart,
    );
  }
  let start = headStart + (from === 0 ? 0 : lineEnds[from - 1]! + 1);
  for (let k = from; k < lines; k++) {
    const next = headStart + lineEnds[k]! + 1;
    let end = next - 1;
    if (end > start && buf[end - 1] === CR) end--;
    const first = buf[start]!;
    if (first === SP || first === HTAB) {
      throw new ProtocolError(
        HttpErrorCode.ObsFold,
        "a line starts with whitespace (obs-fold)",
        base + start - headStart,
      );
    }
    let colon = start;
    while (colon < end && TOKEN[buf[colon]!] === 1) colon++;
    if (colon === start || colon === end || buf[colon] !== 0x3a) {
      const b = buf[colon];
      const why =
        b === SP || b === HTAB
          ? "whitespace between a field name and its colon"
          : "a field name must be a token and a colon";
      throw new ProtocolError(HttpErrorCode.BadHeaderName, why, base + colon - headStart);
    }
    let valueStart = colon + 1;
    let valueEnd = end;
    while (valueStart < valueEnd && (buf[valueStart] === SP || buf[valueStart] === HTAB)) valueStart++;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
    for (let i = valueStart; i < valueEnd; i++) {
      const b = buf[i]!;
      if (FIELD_VALUE[b] !== 1) {
        const offset = base + i - headStart;
        if (b === CR) throw new ProtocolError(HttpErrorCode.BareCr, "a CR not followed by LF", offset);
        throw new ProtocolError(
          HttpErrorCode.BadHeaderValue,
          `byte 0x${b.toString(16)} in a field value`,
          offset,
        );
      }
    }
    fields.add(start, colon, valueStart, valueEnd);
    start = next;
  }
}

export type HttpVersion = "HTTP/1.0" | "HTTP/1.1";

/** Reads "HTTP/1.x" at `buf[p, p + 8)`; throws unless it is 1.0 or 1.1. */
const HTTP_1 = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e]; // "HTTP/1."

function version(buf: Uint8Array, p: number, end: number, offset: number): HttpVersion {
  let prefix = end - p === 8;
  for (let i = 0; prefix && i < 7; i++) prefix = buf[p + i] === HTTP_1[i];
  if (prefix) {
    if (buf[p + 7] === 0x31) return "HTTP/1.1";
    if (buf[p + 7] === 0x30) return "HTTP/1.0";
  }
  const text = latin1Decode(buf, p, Math.min(end, p + 16));
  if (/^HTTP\/[0-9]\.[0-9]$/.test(text)) {
    throw new ProtocolError(HttpErrorCode.BadVersion, `${text} is not HTTP/1.0 or HTTP/1.1`, offset);
  }
  throw new ProtocolError(
    HttpErrorCode.BadStartLine,
    `${JSON.stringify(text)} is not an HTTP version`,
    offset,
  );
}

function checkNoCr(buf: Uint8Array, start: number, end: number, base: number): void {
  for (let i = start; i < end; i++) {
    if (buf[i] === CR)
      throw new ProtocolError(HttpErrorCode.BareCr, "a CR not followed by LF", base + i - start);
  }
}

export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

export interface RequestLine {
  method: string;
  target: string;
  targetForm: TargetForm;
  version: HttpVersion;
}

/**
 * The start line's span, checked against `maxLength` and for a bare CR (which the parts'
 * own checks would report less precisely).
 */
function startLine(
  head: HeadReader,
  maxLength: number,
  base: number,
  what: string,
): [start: number, end: number] {
  const [start, end] = lineSpan(head, 0);
  const at = (i: number) => base + i - head.start;
  if (end - start > maxLength) {
    throw new ProtocolError(
      HttpErrorCode.StartLineTooLong,
      `the ${what} is over ${maxLength} bytes`,
      at(start + maxLength),
    );
  }
  checkNoCr(head.buf, start, end, at(start));
  return [start, end];
}

const KNOWN_METHODS = new Map(
  ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"].map((m) => [m, m]),
);

export function parseRequestLine(head: HeadReader, maxLength: number, base: number): RequestLine {
  const buf = head.buf;
  const [start, end] = startLine(head, maxLength, base, "request line");
  const at = (i: number) => base + i - head.start;
  let sp1 = start;
  while (sp1 < end && TOKEN[buf[sp1]!] === 1) sp1++;
  if (sp1 === start || buf[sp1] !== SP) {
    const code = sp1 < end && buf[sp1] !== SP ? HttpErrorCode.BadMethod : HttpErrorCode.BadStartLine;
    throw new ProtocolError(
      code,
      "a request line is a method token, a space, a target, a space and a version",
      at(sp1),
    );
  }
  const targetStart = sp1 + 1;
  let sp2 = targetStart;
  while (sp2 < end && buf[sp2] !== SP) {
    const b = buf[sp2]!;
    if (b < 0x21 || b > 0x7e)
      throw new ProtocolError(
        HttpErrorCode.BadTarget,
        `byte 0x${b.toString(16)} in the request-target`,
        at(sp2),
      );
    sp2++;
  }
  if (sp2 === targetStart || sp2 === end) {
    throw new ProtocolError(
      HttpErrorCode.BadStartLine,
      "a request line needs a target and a version, one space apart",
      at(sp2),
    );
  }
  const methodText = latin1Decode(buf, start, sp1);
  const method = KNOWN_METHODS.get(methodText) ?? methodText;
  const target = latin1Decode(buf, targetStart, sp2);
  const ver = version(buf, sp2 + 1, end, at(sp2 + 1));
  return { method, target, targetForm: targetForm(method, target, at(targetStart)), version: ver };
}

function targetForm(method: string, target: string, offset: number): TargetForm {
  const bad = (why: string) => new ProtocolError(HttpErrorCode.BadTarget, why, offset);
  if (method === "CONNECT") {
    if (!/^[^/?#@\s]+:[0-9]+$/.test(target)) throw bad("CONNECT takes host:port (authority-form)");
    return "authority";
  }
  if (target === "*") {
    if (method !== "OPTIONS") throw bad("only OPTIONS may have the target *");
    return "asterisk";
  }
  if (target.charCodeAt(0) === 0x2f) return "origin";
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]/.test(target)) return "absolute";
  throw bad("a target starts with /, is an absolute URI, is * (OPTIONS) or host:port (CONNECT)");
}

export interface StatusLine {
  version: HttpVersion;
  status: number;
  reason: string;
}

export function parseStatusLine(head: HeadReader, maxLength: number, base: number): StatusLine {
  const buf = head.buf;
  const [start, end] = startLine(head, maxLength, base, "status line");
  const at = (i: number) => base + i - head.start;
  if (end - start < 12 || buf[start + 8] !== SP) {
    if (end - start >= 8) version(buf, start, start + 8, at(start));
    throw new ProtocolError(
      HttpErrorCode.BadStartLine,
      "a status line is a version, a space and a status code",
      at(start),
    );
  }
  const ver = version(buf, start, start + 8, at(start));
  let status = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9)
      throw new ProtocolError(HttpErrorCode.BadStatus, "a status code is three digits", at(i));
    status = status * 10 + d;
  }
  if (status < 100)
    throw new ProtocolError(HttpErrorCode.BadStatus, `status ${status} is below 100`, at(start + 9));
  let reason = "";
  if (end > start + 12) {
    if (buf[start + 12] !== SP)
      throw new ProtocolError(HttpErrorCode.BadStatus, "a status code is three digits", at(start + 12));
    for (let i = start + 13; i < end; i++) {
      if (FIELD_VALUE[buf[i]!] !== 1)
        throw new ProtocolError(HttpErrorCode.BadStartLine, "a control byte in the reason", at(i));
    }
    reason = latin1Decode(buf, start + 13, end);
  }
  return { version: ver, status, reason };
}
