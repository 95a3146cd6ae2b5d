/**
 * Latin-1 ("bytes as str", as PEP 3333 and Node's HTTP headers do it): byte n is code point n.
 *
 * WHATWG's TextDecoder("latin1") is windows-1252 (0x80–0x9F differ), so it is never used here.
 * Every path below gives the same string for the same bytes, whatever their length.
 */
import { checkString } from "./arguments.js";
import { EnvironErrorCode, ProtocolError } from "./errors.js";
import { allocate } from "./slab.js";

/** Up to this many bytes, building the string byte by byte beats any call into the engine. */
const SHORT = 12;
/** fromCharCode.apply takes its bytes as call arguments: keep well under engines' argument limits. */
const APPLY_CHUNK = 8192;

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
/**
 * Node's and Bun's Buffer has a native latin-1 decoder, 5-25x faster than anything in JS for
 * values past a few dozen bytes (bench: latin1). Found by feature detection, not imported,
 * so the package still runs where there is no Buffer; it gives exactly latin1DecodePortable's result.
 */
const nativeLatin1Slice: Latin1Slice | undefined = (
  globalThis as { Buffer?: { prototype?: { latin1Slice?: Latin1Slice } } }
).Buffer?.prototype?.latin1Slice;

/** Decodes `buf[start, end)` as latin-1. */
export function latin1Decode(buf: Uint8Array, start = 0, end: number = buf.length): string {
  if (end - start > SHORT && nativeLatin1Slice !== undefined) return nativeLatin1Slice.call(buf, start, end);
  return latin1DecodePortable(buf, start, end);
}

/** latin1Decode without the native path: what runs where there is no Buffer. */
export function latin1DecodePortable(buf: Uint8Array, start = 0, end: number = buf.length): string {
  const length = end - start;
  if (length <= SHORT) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  if (length <= APPLY_CHUNK) {
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  const parts: string[] = [];
  for (let i = start; i < end; i += APPLY_CHUNK) {
    const stop = Math.min(i + APPLY_CHUNK, end);
    parts.push(String.fromCharCode.apply(null, buf.subarray(i, stop) as unknown as number[]));
  }
  return parts.join("");
}

/** Index of the first code point above 0xFF in `s`, or -1 when every one fits a byte. */
export function firstNonLatin1(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) return i;
  }
  return -1;
}

/**
 * Throws ProtocolError (ENVIRON_NOT_LATIN1) unless every code point of `s` fits in a byte.
 * `what` (and `of`, the name a value belongs to) say what `s` is in the message, which is
 * built only on failure: this runs on every append.
 */
export function assertLatin1(s: string, what: string, of?: string): void {
  const bad = firstNonLatin1(s);
  if (bad >= 0) {
    const label = of === undefined ? what : `${what} of ${of}`;
    throw new ProtocolError(
      EnvironErrorCode.NotLatin1,
      `${label} ${JSON.stringify(s.slice(0, 40))} has U+${s.charCodeAt(bad).toString(16).toUpperCase().padStart(4, "0")} ` +
        `at index ${bad}, which is not latin-1: pass bytes (utf8Encode) instead`,
      bad,
    );
  }
}

/** Encodes a latin-1 string to a new Uint8Array; throws ProtocolError for code points above 0xFF. */
export function latin1Encode(s: string): Uint8Array {
  checkString(s, "latin1Encode", "s");
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) assertLatin1(s, "string");
    out[i] = c;
  }
  return out;
}

/**
 * latin1Encode for an encoder's output: the bytes in a view of the shared slab (see slab.ts),
 * where a new Uint8Array of them would cost more than the encode (a head an HTTP encoder has
 * built as a string). Throws ProtocolError for code points above 0xFF.
 */
export function latin1Output(s: string): Uint8Array {
  const out = allocate(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) assertLatin1(s, "string");
    out[i] = c;
  }
  return out;
}

/** True when `buf[start, end)` holds exactly the latin-1 bytes of `s`. */
export function latin1Equals(buf: Uint8Array, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let i = 0; i < s.length; i++) {
    if (buf[start + i] !== s.charCodeAt(i)) return false;
  }
  return true;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8");
const utf8StrictDecoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 bytes of `s`: how to put text that is not latin-1 (a UTF-8 PATH_INFO, say) into an Environ. */
export function utf8Encode(s: string): Uint8Array {
  checkString(s, "utf8Encode", "s");
  return utf8Encoder.encode(s);
}

/**
 * Decodes UTF-8 bytes. Invalid sequences become U+FFFD unless `fatal` is set, in which case a
 * TypeError (the platform's) is thrown: it is the caller's choice of policy, not a protocol error.
 */
export function utf8Decode(bytes: Uint8Array, fatal = false): string {
  return (fatal ? utf8StrictDecoder : utf8Decoder).decode(bytes);
}
