/**
 * Name-value pairs (FastCGI §3.4): name length, value length, name, value. A length below 128
 * is one byte; longer ones are four bytes, big-endian, with the high bit set (31 bits).
 *
 * PairReader reads a stream of pairs that arrives in pieces — PARAMS records cut anywhere,
 * by records and by chunks. A pair that lies inside one piece is added to the Environ as
 * views; a pair cut by a piece boundary is gathered and copied once. The stream's total is
 * bounded by maxSize as bytes arrive; memory grows only with bytes that arrived.
 */
import { type ByteWriter, copyBytes, Environ, ProtocolError } from "@envwire/environ";
import { FcgiErrorCode } from "./constants.js";

const NO_BYTES = new Uint8Array(0);

/** The largest length a pair can carry: 31 bits. */
export const MAX_PAIR_LENGTH = 0x7fffffff;

/** Bytes a pair needs on the wire. */
export function pairSize(nameLength: number, valueLength: number): number {
  return (nameLength < 128 ? 1 : 4) + (valueLength < 128 ? 1 : 4) + nameLength + valueLength;
}

/** Writes a pair's length field. */
export function writePairLength(w: ByteWriter, n: number): void {
  if (n < 128) w.u8(n);
  else w.u32be((n | 0x80000000) >>> 0);
}

/** Bytes the pair at the start of `b` needs in all, as far as its first `have` bytes tell. */
function pairBytesNeeded(b: Uint8Array, have: number): number {
  if (have < 1) return 1;
  const nameSize = b[0]! & 0x80 ? 4 : 1;
  if (have < nameSize + 1) return nameSize + 1;
  const valueSize = b[nameSize]! & 0x80 ? 4 : 1;
  if (have < nameSize + valueSize) return nameSize + valueSize;
  return nameSize + valueSize + lengthAt(b, 0) + lengthAt(b, nameSize);
}

function lengthAt(b: Uint8Array, p: number): number {
  const b0 = b[p]!;
  if ((b0 & 0x80) === 0) return b0;
  return (b0 & 0x7f) * 0x1000000 + (b[p + 1]! << 16) + (b[p + 2]! << 8) + b[p + 3]!;
}

export class PairReader {
  readonly env: Environ = new Environ();
  readonly #maxSize: number;
  /** Stream bytes taken so far. */
  #total = 0;
  /** A pair cut by a piece boundary, being gathered. */
  #scratch: Uint8Array = NO_BYTES;
  #have = 0;
  /** Stream offset of the cut pair's first byte. */
  #pairOffset = 0;

  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  /** The next piece of the stream, `buf[start, end)`; `offset` is the stream offset of `buf[start]`. */
  feed(buf: Uint8Array, start: number, end: number, offset: number): void {
    if (this.#total + end - start > this.#maxSize) {
      throw this.#tooLarge(offset + this.#maxSize - this.#total);
    }
    this.#total += end - start;
    let p = start;
    if (this.#have > 0) {
      p = this.#gather(buf, p, end);
      if (this.#have > 0) return;
    }
    const parsedTo = this.#parse(buf, p, end);
    if (parsedTo < end) {
      this.#pairOffset = offset + parsedTo - start;
      this.#gather(buf, parsedTo, end);
    }
  }

  /** The stream ended; throws FCGI_TRUNCATED_PAIR if it ended inside a pair. */
  finish(): Environ {
    if (this.#have > 0) {
      throw new ProtocolError(
        FcgiErrorCode.TruncatedPair,
        "the stream ended inside a name-value pair",
        this.#pairOffset,
      );
    }
    return this.env;
  }

  /** Adds the pairs lying wholly in `buf[p, end)`; returns where the first incomplete one starts. */
  #parse(buf: Uint8Array, p: number, end: number): number {
    const env = this.env;
    while (p < end) {
      const nameSize = buf[p]! & 0x80 ? 4 : 1;
      if (p + nameSize >= end) break;
      const valueSize = buf[p + nameSize]! & 0x80 ? 4 : 1;
      const nameStart = p + nameSize + valueSize;
      if (nameStart > end) break;
      const nameEnd = nameStart + lengthAt(buf, p);
      const valueEnd = nameEnd + lengthAt(buf, p + nameSize);
      if (valueEnd > end) break;
      env.appendEncoded(buf, nameStart, nameEnd, nameEnd, valueEnd);
      p = valueEnd;
    }
    return p;
  }

  /** Gathers the cut pair from `buf[p, end)` until it is whole, then adds a copy of it. */
  #gather(buf: Uint8Array, p: number, end: number): number {
    for (;;) {
      const need = pairBytesNeeded(this.#scratch, this.#have);
      const take = Math.min(need - this.#have, end - p);
      if (this.#have + take > this.#scratch.length) {
        // Grow with what has arrived, never with what a length field announces: feed() has
        // bounded the arrivals by maxSize, so a hostile 2 GiB length costs nothing.
        const size = Math.min(need, Math.max(this.#have + take, this.#scratch.length * 2, 16));
        const grown = new Uint8Array(size);
        copyBytes(grown, 0, this.#scratch, 0, this.#have);
        this.#scratch = grown;
      }
      this.#have = copyBytes(this.#scratch, this.#have, buf, p, p + take);
      p += take;
      if (this.#have === need && need === pairBytesNeeded(this.#scratch, need)) {
        // The Environ keeps views into the pair's buffer: hand the scratch over when it is the
        // pair's exact size (large pairs), else copy the pair out of it.
        const own = this.#scratch.length === need ? this.#scratch : this.#scratch.slice(0, need);
        if (own === this.#scratch) this.#scratch = NO_BYTES;
        this.#parse(own, 0, need);
        this.#have = 0;
        return p;
      }
      if (p === end) return p;
    }
  }

  #tooLarge(offset: number): ProtocolError {
    return new ProtocolError(
      FcgiErrorCode.ParamsTooLarge,
      `the name-value pairs come to over ${this.#maxSize} bytes`,
      offset,
    );
  }
}
