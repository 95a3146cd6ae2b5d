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
  /** Expect: 100-continue. */
  expectContinue: boolean;
}

/** The comma-separated elements of the fields at `indexes`, trimmed, empty ones dropped. */
function listOf(fields: HeaderFields, indexes: readonly number[]): [element: string, field: number][] {
  const out: [string, number][] = [];
  for (const i of indexes) {
    for (const part of fields.valueAt(i).split(",")) {
      const element = part.trim();
      if (element !== "") out.push([element, i]);
    }
  }
  return out;
}

const CLOSE = 1;
const KEEP_ALIVE = 2;
const UPGRADE = 4;
const CONNECTION_OPTIONS = new Map([
  ["close", CLOSE],
  ["keep-alive", KEEP_ALIVE],
  ["upgrade", UPGRADE],
]);

/** The Connection options of field `i` that matter here, as bits, read from its bytes. */
function connectionOptions(fields: HeaderFields, i: number): number {
  const b = fields.buffer;
  const end = fields.valueEndAt(i);
  let bits = 0;
  let p = fields.valueStartAt(i);
  while (p < end) {
    while (p < end && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x2c)) p++;
    let q = p;
    let word = "";
    while (q < end && b[q] !== 0x2c && b[q] !== 0x20 && b[q] !== 0x09 && q - p <= 10) {
      const c = b[q]!;
      word += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
      q++;
    }
    while (q < end && b[q] !== 0x2c) q++;
    bits |= CONNECTION_OPTIONS.get(word) ?? 0;
    p = q;
  }
  return bits;
}

/** `list` with `i` added, made on first use (most messages have none of these fields). */
function with_(list: number[] | undefined, i: number): number[] {
  if (list === undefined) return [i];
  list.push(i);
  return list;
}

/** Frames a message. `offsetOf(i)` is the stream offset of field i, for errors. */
export function frame(
  fields: HeaderFields,
  version: HttpVersion,
  isRequest: boolean,
  offsetOf: (field: number) => number,
): Framing {
  // One pass to find the few fields that matter here; most messages have none but Connection.
  let connectionAt: number[] | undefined;
  let teAt: number[] | undefined;
  let clAt: number[] | undefined;
  let hasUpgrade = false;
  let expectContinue = false;
  for (let i = 0; i < fields.size; i++) {
    if (fields.nameIs(i, "connection")) connectionAt = with_(connectionAt, i);
    else if (fields.nameIs(i, "transfer-encoding")) teAt = with_(teAt, i);
    else if (fields.nameIs(i, "content-length")) clAt = with_(clAt, i);
    else if (fields.nameIs(i, "upgrade")) hasUpgrade = true;
    else if (fields.nameIs(i, "expect"))
      expectContinue ||= fields.valueAt(i).toLowerCase() === "100-continue";
  }
  let options = 0;
  if (connectionAt !== undefined) for (const i of connectionAt) options |= connectionOptions(fields, i);
  const close = (options & CLOSE) !== 0;
  const keepAlive = version === "HTTP/1.1" ? !close : (options & KEEP_ALIVE) !== 0 && !close;
  const upgrade = hasUpgrade && (options & UPGRADE) !== 0;
  const framing: Framing = { body: "none", length: 0, codings: [], keepAlive, upgrade, expectContinue };
  if (teAt === undefined && clAt === undefined) {
    if (!isRequest) framing.body = "close";
    return framing;
  }
  if (teAt !== undefined) {
    const te = listOf(fields, teAt);
    const at = offsetOf(teAt[0]!);
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
    const codings = te.map(([e]) => e.split(";")[0]!.trim().toLowerCase());
    for (let k = 0; k < codings.length; k++) {
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(codings[k]!)) {
        const why = `${JSON.stringify(te[k]![0])} is not a transfer coding`;
        throw new ProtocolError(HttpErrorCode.BadTransferEncoding, why, offsetOf(te[k]![1]));
      }
      if (codings[k] === "chunked" && te[k]![0].includes(";")) {
        // Readers disagree on whether "chunked;x=y" is chunked: refuse rather than pick one.
        throw new ProtocolError(
          HttpErrorCode.BadTransferEncoding,
          "chunked takes no parameters",
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
    // A response whose last coding is not chunked is read until the connection closes.
    framing.body = chunkedAt < 0 ? "close" : "chunked";
    framing.codings = chunkedAt < 0 ? codings : codings.slice(0, -1);
    return framing;
  }
  const cl = listOf(fields, clAt!);
  const elements: [string, number][] = cl.length > 0 ? cl : [["", clAt![0]!]];
  let length = -1;
  for (const [element, field] of elements) {
    const n = /^[0-9]{1,16}$/.test(element) ? Number(element) : -1;
    if (n < 0 || n > Number.MAX_SAFE_INTEGER || (length >= 0 && n !== length)) {
      const why =
        n < 0 || n > Number.MAX_SAFE_INTEGER
          ? `Content-Length ${JSON.stringify(element)} is not a length`
          : "Content-Length values disagree";
      throw new ProtocolError(HttpErrorCode.BadContentLength, why, offsetOf(field));
    }
    length = n;
  }
  framing.body = length > 0 ? "length" : "none";
  framing.length = length;
  return framing;
}
