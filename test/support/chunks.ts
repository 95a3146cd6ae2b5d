// Ways of cutting a byte stream into chunks, for feeding decoders: every fixture is fed whole,
// at every single cut, byte by byte, and in random pieces (h11's test_io discipline).
// fast-check itself, not @fast-check/vitest: importing that costs some 3 s a test file (see
// fast-check-setup.ts), and what is here needs only the arbitraries.

// (The cutting and joining the fuzz targets use: one implementation for both.)
import { concat, splitAt } from "@envwire/environ/fuzz";
import fc from "fast-check";

export { concat, splitAt };

/** Every deterministic way worth trying: whole, each two-piece cut, and one byte at a time. */
export function* everySplit(bytes: Uint8Array): Generator<[string, Uint8Array[]]> {
  yield ["whole", [bytes]];
  for (let i = 1; i < bytes.length; i++) yield [`cut at ${i}`, splitAt(bytes, [i])];
  yield ["byte by byte", Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))];
}

/** Each chunk copied into its own ArrayBuffer, as a socket would deliver them. */
export function detached(chunks: readonly Uint8Array[]): Uint8Array[] {
  return chunks.map((c) => c.slice());
}

/** An arbitrary list of cut points for a stream of `length` bytes. */
export const cutsFor = (length: number): fc.Arbitrary<number[]> =>
  fc.oneof(
    fc.constant<number[]>([]),
    fc.array(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 12 }),
    fc.constant(Array.from({ length }, (_, i) => i)),
  );

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
