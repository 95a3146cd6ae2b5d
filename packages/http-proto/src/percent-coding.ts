/** Percent-encoding of paths (RFC 3986 §2.1), between a request-target and PATH_INFO's bytes. */
import { latin1Encode } from "@envwire/environ";
import { checkChunk, checkString } from "@envwire/environ/codec";

const PERCENT = 0x25;

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** Percent-decodes `buf[start, end)` (a path); a "%" not followed by two hex digits stays as it is. */
export function percentDecodeBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    const high = c === PERCENT && i + 2 < end ? hex(buf[i + 1]!) : -1;
    const low = high >= 0 ? hex(buf[i + 2]!) : -1;
    if (low >= 0) {
      out[n++] = high * 16 + low;
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

/** Percent-decodes `s` (a path, latin-1) to bytes; a "%" not followed by two hex digits stays as it is. */
export function percentDecode(s: string): Uint8Array {
  checkString(s, "percentDecode", "s");
  return percentDecodeBytes(latin1Encode(s), 0, s.length);
}

const UNRESERVED_PATH = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/** Percent-encodes path bytes for a request-target. */
export function percentEncodePath(bytes: Uint8Array): string {
  checkChunk(bytes, "percentEncodePath", "bytes");
  let s = "";
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    s += b < 0x80 && UNRESERVED_PATH.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return s;
}
