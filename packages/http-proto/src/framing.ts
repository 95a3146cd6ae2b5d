/**
 * Message body length (RFC 9112 §6.3) and connection semantics from a parsed head. This is
 * where request smuggling is stopped: every ambiguity a proxy and a backend could read two
 * ways is an error, never a guess.
 */
import { latin1Encode, ProtocolError } from "@envwire/environ";
import { quote } from "@envwire/environ/codec";
import { HttpErrorCode } from "./constants.js";
import { FieldKind, FRAMING_KINDS } from "./field-names.js";
import type { HttpVersion } from "./head-scanner.js";
import type { Fields } from "./header-fields.js";

export type BodyKind = "none" | "length" | "chunked" | "close";

export interface Framing {
  body: BodyKind;
  /** Content-Length when body is "length". */
  length: number;
  /** Transfer codings before the final chunked (e.g. ["gzip"]), which the body still carries. */
  codings: readonly string[];
  /** Connection persists after this message, by version and Connection (a close-delimited body aside). */
  keepAlive: boolean;
  /** Connection: upgrade and an Upgrade field. */
  upgrade: boolean;
  /** Expect: 100-continue. */
  expectContinue: boolean;
}

/**
 * `s` without the optional whitespace (SP, HTAB) around it. Not String#trim, which also
 * strips U+00A0, an obs-text byte: "\u00a0chunked" is no coding, and "\u00a05" no length.
 */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return s.slice(start, end);
}

/** The comma-separated elements of the fields at `indexes`, trimmed, empty ones dropped. */
function listOf(fields: Fields, indexes: readonly number[]): [element: string, field: number][] {
  const out: [string, number][] = [];
  for (const i of indexes) {
    for (const part of fields.valueAt(i).split(",")) {
      const element = trimOws(part);
      if (element !== "") out.push([element, i]);
    }
  }
  return out;
}

const CLOSE = 1;
const KEEP_ALIVE = 2;
const UPGRADE = 4;
const CLOSE_BYTES = latin1Encode("close");
const KEEP_ALIVE_BYTES = latin1Encode("keep-alive");
const UPGRADE_BYTES = latin1Encode("upgrade");

/**
 * The Connection options of field `i` that matter here, as bits, read from its bytes. An
 * option is a whole list element ("upgrade h" is none: RFC 9110 §7.6.1, and as llhttp reads it).
 */
function connectionOptions(fields: Fields, i: number): number {
  const b = fields.buffer;
  const end = fields.valueEndAt(i);
  let bits = 0;
  let p = fields.valueStartAt(i);
  while (p < end) {
    while (p < end && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x2c)) p++;
    let q = p;
    while (q < end && b[q] !== 0x2c) q++;
    let last = q;
    while (last > p && (b[last - 1] === 0x20 || b[last - 1] === 0x09)) last--;
    bits |= optionBit(b, p, last);
    p = q;
  }
  return bits;
}

/** The bit of the option `b[p, q)`, told apart by its length first; 0 for any other. */
function optionBit(b: Uint8Array, p: number, q: number): number {
  switch (q - p) {
    case 5:
      return sameFolded(b, p, CLOSE_BYTES) ? CLOSE : 0;
    case 10:
      return sameFolded(b, p, KEEP_ALIVE_BYTES) ? KEEP_ALIVE : 0;
    case 7:
      return sameFolded(b, p, UPGRADE_BYTES) ? UPGRADE : 0;
    default:
      return 0;
  }
}

/** True when `b[p, p + lower.length)` is `lower` up to case (`lower` holds only lower-case letters and "-"). */
function sameFolded(b: Uint8Array, p: number, lower: Uint8Array): boolean {
  for (let k = 0; k < lower.length; k++) if ((b[p + k]! | 0x20) !== lower[k]) return false;
  return true;
}

/** The value of field `i` when it is 1 to 15 decimal digits (exact as a number), else -1. */
function digitsOf(fields: Fields, i: number): number {
  const b = fields.buffer;
  const start = fields.valueStartAt(i);
  const end = fields.valueEndAt(i);
  if (end === start || end - start > 15) return -1;
  let n = 0;
  for (let p = start; p < end; p++) {
    const d = b[p]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** `list` with `i` added, made on first use (most messages have none of these fields). */
function with_(list: number[] | undefined, i: number): number[] {
  if (list === undefined) return [i];
  list.push(i);
  return list;
}

/** No Transfer-Encoding, Content-Length, upgrade or Expect: how most messages look. */
function plain(isRequest: boolean, keepAlive: boolean): Framing {
  if (isRequest) return keepAlive ? PLAIN_REQUEST_KEEP_ALIVE : PLAIN_REQUEST_CLOSE;
  return keepAlive ? PLAIN_RESPONSE_KEEP_ALIVE : PLAIN_RESPONSE_CLOSE;
}

const NO_CODINGS: readonly string[] = Object.freeze([]);

/** The four plain framings, made once and shared: decoders only read a Framing. */
const plainFraming = (body: BodyKind, keepAlive: boolean): Framing => ({
  body,
  length: 0,
  codings: NO_CODINGS,
  keepAlive,
  upgrade: false,
  expectContinue: false,
});
const PLAIN_REQUEST_KEEP_ALIVE = plainFraming("none", true);
const PLAIN_REQUEST_CLOSE = plainFraming("none", false);
const PLAIN_RESPONSE_KEEP_ALIVE = plainFraming("close", true);
const PLAIN_RESPONSE_CLOSE = plainFraming("close", false);

/** The stream offset of field `i`, for errors. */
function fieldOffset(fields: Fields, origin: number, i: number): number {
  return origin + fields.nameStartAt(i);
}

/**
 * Frames a message. `kinds` is the or of its fields' FieldKinds; `origin` is the stream
 * offset of `fields.buffer[0]`, for errors.
 */
export function frame(
  fields: Fields,
  version: HttpVersion,
  isRequest: boolean,
  kinds: number,
  origin: number,
): Framing {
  if ((kinds & FRAMING_KINDS) === 0) return plain(isRequest, version === "HTTP/1.1");
  // One pass to find the few fields that matter here.
  const names = fields.names;
  let options = 0;
  let teAt: number[] | undefined;
  let clAt: number[] | undefined;
  let hasUpgrade = false;
  let expectContinue = false;
  for (let i = 0; i < names.length; i++) {
    const kind = names[i]!.kind;
    if (kind === FieldKind.Connection) options |= connectionOptions(fields, i);
    else if (kind === FieldKind.TransferEncoding) teAt = with_(teAt, i);
    else if (kind === FieldKind.ContentLength) clAt = with_(clAt, i);
    // (An empty Upgrade names no protocol to switch to: no upgrade, as llhttp reads it too.)
    else if (kind === FieldKind.Upgrade) hasUpgrade ||= fields.valueEndAt(i) > fields.valueStartAt(i);
    else if (kind === FieldKind.Expect) expectContinue ||= fields.valueAt(i).toLowerCase() === "100-continue";
  }
  const close = (options & CLOSE) !== 0;
  const keepAlive = version === "HTTP/1.1" ? !close : (options & KEEP_ALIVE) !== 0 && !close;
  const upgrade = hasUpgrade && (options & UPGRADE) !== 0;
  if (teAt === undefined && clAt === undefined && !upgrade && !expectContinue)
    return plain(isRequest, keepAlive);
  const framing: Framing = {
    body: "none",
    length: 0,
    codings: NO_CODINGS,
    keepAlive,
    upgrade,
    expectContinue,
  };
  if (teAt === undefined && clAt === undefined) {
    if (!isRequest) framing.body = "close";
    return framing;
  }
  if (teAt !== undefined) {
    const te = listOf(fields, teAt);
    const at = fieldOffset(fields, origin, teAt[0]!);
    if (isRequest && version === "HTTP/1.0") {
      throw new ProtocolError(
        HttpErrorCode.BadTransferEncoding,
        "Transfer-Encoding in an HTTP/1.0 request",
        at,
      );
    }
    if (clAt !== undefined) {
      throw new ProtocolError(
        HttpErrorCode.ConflictingFraming,
        "both Transfer-Encoding and Content-Length",
        at,
      );
    }
    const codings = te.map(([e]) => trimOws(e.split(";")[0]!).toLowerCase());
    for (let k = 0; k < codings.length; k++) {
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(codings[k]!)) {
        const why = `${quote(te[k]![0])} is not a transfer coding`;
        throw new ProtocolError(
          HttpErrorCode.BadTransferEncoding,
          why,
          fieldOffset(fields, origin, te[k]![1]),
        );
      }
      if (codings[k] === "chunked" && te[k]![0].includes(";")) {
        // Readers disagree on whether "chunked;x=y" is chunked: refuse rather than pick one.
        throw new ProtocolError(
          HttpErrorCode.BadTransferEncoding,
          "chunked takes no parameters",
          fieldOffset(fields, origin, te[k]![1]),
        );
      }
    }
    // The final coding frames the body: chunked, or for a response none (read until close).
    const final = codings.length - 1;
    const chunked = codings[final] === "chunked";
    const chunkedAt = codings.indexOf("chunked");
    if (chunked && chunkedAt !== final) {
      throw new ProtocolError(
        HttpErrorCode.BadTransferEncoding,
        "chunked applied twice",
        fieldOffset(fields, origin, te[chunkedAt]![1]),
      );
    }
    if (!chunked && isRequest) {
      throw new ProtocolError(
        HttpErrorCode.BadTransferEncoding,
        chunkedAt >= 0
          ? "chunked is not the final transfer coding"
          : "a request's final transfer coding must be chunked",
        chunkedAt >= 0 ? fieldOffset(fields, origin, te[chunkedAt]![1]) : at,
      );
    }
    // A response whose last coding is not chunked is read until the connection closes.
    framing.body = chunked ? "chunked" : "close";
    framing.codings = chunked ? codings.slice(0, -1) : codings;
    return framing;
  }
  // One field of plain digits, as nearly every message has: read from its bytes.
  const plainLength = clAt!.length === 1 ? digitsOf(fields, clAt![0]!) : -1;
  if (plainLength >= 0) {
    framing.body = plainLength > 0 ? "length" : "none";
    framing.length = plainLength;
    return framing;
  }
  // Repeats, or a list of one value (RFC 9110 §8.6 lets a recipient take "42, 42" as 42); no
  // element may be empty: Content-Length is 1*DIGIT, not a list field whose empties are dropped.
  let length = -1;
  for (const field of clAt!)
    for (const element of fields.valueAt(field).split(",").map(trimOws)) {
      const n = /^[0-9]{1,16}$/.test(element) ? Number(element) : -1;
      if (n < 0 || n > Number.MAX_SAFE_INTEGER || (length >= 0 && n !== length)) {
        const why =
          n < 0 || n > Number.MAX_SAFE_INTEGER
            ? `Content-Length ${quote(element)} is not a length`
            : "Content-Length values disagree";
        throw new ProtocolError(HttpErrorCode.BadContentLength, why, fieldOffset(fields, origin, field));
      }
      length = n;
    }
  framing.body = length > 0 ? "length" : "none";
  framing.length = length;
  return framing;
}
