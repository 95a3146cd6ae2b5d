/**
 * Name-value pairs (FastCGI §3.4): name length, value length, name, value. A length below 128
 * is one byte; longer ones are four bytes, big-endian, with the high bit set (31 bits).
 *
 * PairReader reads a stream of pairs that arrives in pieces — PARAMS records cut anywhere,
 * by records and by chunks. A pair that lies inside one piece is added to the Environ as
 * views; a pair cut by a piece boundary is gathered (see CutEntries) and copied once. The
 * stream's bytes and pairs are bounded as they arrive, per stream and, through a
 * ParamsBudget, per connection: memory grows only with bytes that arrived.
 */
import { Environ, ProtocolError } from "@envwire/environ";
import { appendEncoded, type ByteWriter, CutEntries, markSource } from "@envwire/environ/codec";
import { FcgiErrorCode } from "./constants.js";

/** The layout markSource notes name-value pairs in (see PairReader). */
export const PAIRS_LAYOUT = "fastcgi pairs";

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

/** Bytes the pair at `b[start]` needs in all, as far as its first `have` bytes tell. */
function pairBytesNeeded(b: Uint8Array, start: number, have: number): number {
  if (have < 1) return 1;
  const nameSize = b[start]! & 0x80 ? 4 : 1;
  if (have < nameSize + 1) return nameSize + 1;
  const valueSize = b[start + nameSize]! & 0x80 ? 4 : 1;
  if (have < nameSize + valueSize) return nameSize + valueSize;
  return nameSize + valueSize + lengthAt(b, start) + lengthAt(b, start + nameSize);
}

function lengthAt(b: Uint8Array, p: number): number {
  const b0 = b[p]!;
  if ((b0 & 0x80) === 0) return b0;
  return (b0 & 0x7f) * 0x1000000 + (b[p + 1]! << 16) + (b[p + 2]! << 8) + b[p + 3]!;
}

/** What the pair streams in progress on one connection may hold together: bytes and pairs. */
export class ParamsBudget {
  bytes = 0;
  pairs = 0;
  readonly maxBytes: number;
  readonly maxPairs: number;

  constructor(maxBytes: number, maxPairs: number) {
    this.maxBytes = maxBytes;
    this.maxPairs = maxPairs;
  }
}

export class PairReader {
  readonly env: Environ = new Environ();
  readonly #maxSize: number;
  readonly #maxPairs: number;
  readonly #budget: ParamsBudget | undefined;
  /** Stream bytes taken so far. */
  #total = 0;
  /** The pair cut by a piece boundary, being gathered, and the stream offset of its first byte. */
  readonly #cut = new CutEntries();
  #pairOffset = 0;
  /**
   * The one piece every pair came in, while they all did and each length was written as the
   * encoder writes it (one byte below 128): then the Environ is marked as decoded from it
   * (markSource), and encodeParams sends it on as one copy.
   */
  #whole: Uint8Array | undefined = undefined;
  #wholeStart = 0;
  #wholeEnd = 0;
  #canonical = true;

  /** At most `maxSize` bytes and `maxPairs` pairs, and within `budget` with the connection's other streams. */
  constructor(maxSize: number, maxPairs: number, budget?: ParamsBudget) {
    this.#maxSize = maxSize;
    this.#maxPairs = maxPairs;
    this.#budget = budget;
  }

  /**
   * The next piece of the stream, `buf[start, end)`; `offset` is the stream offset of
   * `buf[start]`. Takes it up to the first byte over a byte limit (this stream's or the
   * connection's), then fails there: the pairs that end before it are read first, so the
   * first limit crossed in the stream is the one reported, however the stream is cut.
   */
  feed(buf: Uint8Array, start: number, end: number, offset: number): void {
    const budget = this.#budget;
    const own = this.#maxSize - this.#total;
    const shared = budget === undefined ? Number.POSITIVE_INFINITY : budget.maxBytes - budget.bytes;
    const take = Math.min(end - start, own, shared);
    this.#take(buf, start, start + take, offset);
    if (start + take < end) {
      throw new ProtocolError(
        FcgiErrorCode.ParamsTooLarge,
        own <= shared
          ? `the name-value pairs come to over ${this.#maxSize} bytes`
          : `the connection's requests' name-value pairs come to over ${budget!.maxBytes} bytes`,
        offset + take,
      );
    }
  }

  #take(buf: Uint8Array, start: number, end: number, offset: number): void {
    const n = end - start;
    const first = this.#total === 0;
    if (this.#budget !== undefined) this.#budget.bytes += n;
    this.#total += n;
    let p = start;
    if (this.#cut.length > 0) {
      p = this.#gather(buf, p, end);
      if (this.#cut.length > 0) return;
    }
    const parsedTo = this.#parse(buf, p, end, offset - start);
    if (n > 0) {
      this.#whole = first && parsedTo === end ? buf : undefined;
      this.#wholeStart = start;
      this.#wholeEnd = end;
    }
    if (parsedTo < end) {
      this.#pairOffset = offset + parsedTo - start;
      this.#gather(buf, parsedTo, end);
    }
  }

  /** The stream ended; throws FCGI_TRUNCATED_PAIR if it ended inside a pair. */
  finish(): Environ {
    if (this.#cut.length > 0) {
      throw new ProtocolError(
        FcgiErrorCode.TruncatedPair,
        "the stream ended inside a name-value pair",
        this.#pairOffset,
      );
    }
    this.release();
    if (this.#whole !== undefined && this.#canonical)
      markSource(this.env, PAIRS_LAYOUT, this.#whole, this.#wholeStart, this.#wholeEnd);
    this.#whole = undefined;
    return this.env;
  }

  /** Gives back what the stream took from the connection's budget, and lets go of gathered bytes. */
  release(): void {
    if (this.#budget !== undefined) {
      this.#budget.bytes -= this.#total;
      this.#budget.pairs -= this.env.size;
    }
    this.#total = 0;
    this.#cut.release();
  }

  /**
   * Adds the pairs lying wholly in `buf[p, end)`; returns where the first incomplete one starts.
   * `base` is the stream offset of `buf[0]`. The pair limits are worked out once a piece, as
   * the Environ size no pair may be added at, and the pairs added are charged to the
   * connection's budget once the piece is read (or has failed): neither is done per pair.
   */
  #parse(buf: Uint8Array, p: number, end: number, base: number): number {
    const env = this.env;
    const before = env.size;
    const full = this.#fullSize();
    try {
      while (p + 1 < end) {
        const nameLength = buf[p]!;
        const valueLength = buf[p + 1]!;
        if ((nameLength | valueLength) & 0x80) {
          // (A four-byte length: read by #parseLong, the rare case nginx sends only for a long value.)
          const next = this.#parseLong(buf, p, end, base, full);
          if (next === p) break;
          p = next;
          continue;
        }
        const nameEnd = p + 2 + nameLength;
        const valueEnd = nameEnd + valueLength;
        if (valueEnd > end) break;
        if (env.size >= full) this.#tooMany(base + p);
        appendEncoded(env, buf, p + 2, nameEnd, nameEnd, valueEnd);
        p = valueEnd;
      }
    } finally {
      if (this.#budget !== undefined) this.#budget.pairs += env.size - before;
    }
    return p;
  }

  /**
   * Adds the pair at `buf[p]`, whatever its length forms, if it lies wholly before `end` (and
   * the Environ is not `full`); returns where the next one starts (`p` if it does not).
   */
  #parseLong(buf: Uint8Array, p: number, end: number, base: number, full: number): number {
    const nameSize = buf[p]! & 0x80 ? 4 : 1;
    if (p + nameSize >= end) return p;
    const valueSize = buf[p + nameSize]! & 0x80 ? 4 : 1;
    const nameStart = p + nameSize + valueSize;
    if (nameStart > end) return p;
    const nameLength = lengthAt(buf, p);
    const valueLength = lengthAt(buf, p + nameSize);
    const nameEnd = nameStart + nameLength;
    const valueEnd = nameEnd + valueLength;
    if (valueEnd > end) return p;
    if (pairSize(nameLength, valueLength) !== valueEnd - p) this.#canonical = false;
    if (this.env.size >= full) this.#tooMany(base + p);
    appendEncoded(this.env, buf, nameStart, nameEnd, nameEnd, valueEnd);
    return valueEnd;
  }

  /** The Environ size at which one more pair would cross this stream's or the connection's pair limit. */
  #fullSize(): number {
    const budget = this.#budget;
    if (budget === undefined) return this.#maxPairs;
    return Math.min(this.#maxPairs, this.env.size + budget.maxPairs - budget.pairs);
  }

  /** The pair at stream offset `offset` crosses a limit: this stream's, if both. */
  #tooMany(offset: number): never {
    if (this.env.size >= this.#maxPairs) {
      throw new ProtocolError(
        FcgiErrorCode.TooManyParams,
        `more than ${this.#maxPairs} name-value pairs`,
        offset,
      );
    }
    throw new ProtocolError(
      FcgiErrorCode.TooManyParams,
      `the connection's requests have more than ${this.#budget!.maxPairs} name-value pairs`,
      offset,
    );
  }

  /** Gathers the cut pair from `buf[p, end)` until it is whole, then adds it (as views of the gathered bytes). */
  #gather(buf: Uint8Array, p: number, end: number): number {
    const cut = this.#cut;
    for (;;) {
      const need = pairBytesNeeded(cut.bytes, cut.start, cut.length);
      // Grow with what has arrived, never with what a length field announces: feed() has
      // bounded the arrivals by maxSize, so a hostile 2 GiB length costs nothing.
      const take = Math.min(need - cut.length, end - p);
      cut.append(buf, p, p + take);
      p += take;
      if (cut.length === need && need === pairBytesNeeded(cut.bytes, cut.start, need)) {
        this.#parse(cut.bytes, cut.start, cut.end, this.#pairOffset - cut.start);
        cut.close();
        return p;
      }
      if (p === end) return p;
    }
  }
}
