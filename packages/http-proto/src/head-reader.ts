/**
 * Takes a message head as bytes arrive, whatever the chunking. A head that lies in one chunk
 * is scanned there, once, and its fields become views into that chunk. A head cut by a chunk
 * boundary is gathered into a buffer of its own, at most the size limit, and scanned when an
 * empty line (a possible end) arrives, when the limit is reached, or at the end of the
 * stream: linear in the bytes, and the same outcome, error offset included, for any split.
 */
import { copyBytes } from "@envwire/environ/codec";
import { CR, LF } from "./constants.js";
import type { HeadScanner } from "./head-scanner.js";

const NO_BYTES = new Uint8Array(0);

export class HeadReader {
  readonly #scanner: HeadScanner;
  readonly #maxSize: number;
  #own: Uint8Array = NO_BYTES;
  #have = 0;
  /** Stream offset of #own[0]. */
  #origin = 0;
  /** How far #own has been searched for empty lines, and where the last LF in it was. */
  #searched = 0;
  #lastLf = -1;
  /** The buffer the last complete head lies in (its fields are views into it), and the stream offset of buf[0]. */
  buf: Uint8Array = NO_BYTES;
  origin = 0;

  /** The buffer of the head just read, let go of here so that the reader keeps no chunk alive. */
  take(): Uint8Array {
    const buf = this.buf;
    this.buf = NO_BYTES;
    return buf;
  }

  /** `scanner` reads the heads (HeadScanner.scan: where one ends, or -1 for more). */
  constructor(scanner: HeadScanner, maxSize: number) {
    this.#scanner = scanner;
    this.#maxSize = maxSize;
  }

  /**
   * True while part of a head has been taken: more than the empty lines a start line may
   * follow (a stream that ends after a stray CR LF ends between messages).
   */
  get started(): boolean {
    const own = this.#own;
    for (let i = 0; i < this.#have; i++) if (own[i] !== CR && own[i] !== LF) return true;
    return false;
  }

  /**
   * Takes the head starting at `chunk[p]` (`base` is the stream offset of `chunk[0]`).
   * Returns where in `chunk` the head ends, or -1 when all of the chunk was taken.
   */
  read(chunk: Uint8Array, p: number, base: number): number {
    if (this.#have === 0) {
      const end = this.#scanner.scan(chunk, p, base);
      if (end >= 0) {
        this.buf = chunk;
        this.origin = base;
        return end;
      }
      this.#origin = base + p;
      this.#searched = 0;
      this.#lastLf = -1;
      this.#gather(chunk, p, chunk.length);
      return -1;
    }
    const from = this.#have;
    this.#gather(chunk, p, Math.min(chunk.length, p + this.#maxSize - from));
    const own = this.#own.subarray(0, this.#have);
    for (let lf = own.indexOf(LF, this.#searched); lf >= 0; lf = own.indexOf(LF, lf + 1)) {
      const lineStart = this.#lastLf + 1;
      this.#lastLf = lf;
      if (lf !== lineStart && (lf !== lineStart + 1 || own[lineStart] !== CR)) continue;
      const end = this.#scanner.scan(own, 0, this.#origin);
      if (end < 0) continue; // an empty line before a request line
      // The fields are views into this buffer: the next cut head is gathered into a new one.
      this.buf = this.#own;
      this.origin = this.#origin;
      this.#own = NO_BYTES;
      this.#have = 0;
      return p + end - from;
    }
    this.#searched = own.length;
    // At the limit with no end: the scan reports the first error, or the limit.
    if (own.length === this.#maxSize) this.#scanner.scan(own, 0, this.#origin);
    return -1;
  }

  /** The stream ended: reports the first error in the part of a head taken, if any. */
  finish(): void {
    if (this.#have === 0) return;
    try {
      this.#scanner.scan(this.#own.subarray(0, this.#have), 0, this.#origin);
    } finally {
      this.#scanner.release(); // (so that the kernels keep no copy's source past the end)
    }
  }

  #gather(chunk: Uint8Array, from: number, to: number): void {
    const need = this.#have + to - from;
    if (need > this.#own.length) {
      const grown = new Uint8Array(Math.min(Math.max(need, this.#own.length * 2, 256), this.#maxSize));
      copyBytes(grown, 0, this.#own, 0, this.#have);
      this.#own = grown;
    }
    this.#have = copyBytes(this.#own, this.#have, chunk, from, to);
  }
}
