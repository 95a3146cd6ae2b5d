// Byte helpers for fuzz targets and their recorders: cutting an input, joining body pieces.
import { latin1Encode } from "../latin1.js";

/** Cuts `bytes` at the given offsets (any order, duplicates and out-of-range ones ignored). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const c of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, c));
    start = c;
  }
  return chunks.length === 0 ? [bytes] : chunks;
}

/** `parts` in one new Uint8Array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Records a piece of a byte stream (a body, a tunnel, STDIN, …) as an event: joined to the
 * last event when that is a piece of the same stream, so that a recording does not depend on
 * how the input was cut, and copied, so that it does not depend on the caller's chunk.
 */
export function recordPiece<E extends { readonly type: string }>(
  events: E[],
  piece: E & { bytes: Uint8Array },
): void {
  const last = events.at(-1) as (E & { bytes?: Uint8Array }) | undefined;
  if (last !== undefined && last.type === piece.type && last.bytes !== undefined)
    last.bytes = concat([last.bytes, piece.bytes]);
  else events.push({ ...piece, bytes: piece.bytes.slice() });
}

/** A seed or dictionary entry written as text (latin-1: one byte a character). */
export const ascii: (text: string) => Uint8Array = latin1Encode;
