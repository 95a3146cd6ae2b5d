/**
 * Finds where a message head (start line, fields, empty line) ends, as bytes arrive.
 *
 * It remembers how far it has scanned and where each line ended, so no byte is looked at
 * twice. A head that lies in one chunk is left there (the fields become views into it); a
 * head cut by a chunk boundary is gathered into a buffer of its own, once. Line ends must be
 * CR LF: a bare LF is an error unless allowed.
 */
import { copyBytes, ProtocolError } from "@envwire/environ";
import { HttpErrorCode } from "./constants.js";

const LF = 0x0a;
const CR = 0x0d;
const NO_BYTES = new Uint8Array(0);
/** Empty lines skipped before a request line, at most: robustness, not an open door. */
const MAX_LEADING_EMPTY_LINES = 8;

export class HeadReader {
  readonly #maxHeadSize: number;
  readonly #allowBareLf: boolean;
  /** The head cut by chunk boundaries, being gathered. */
  #own: Uint8Array = NO_BYTES;
  #have = 0;
  /** Offsets, from the head's start, of each line's LF. */
  lineEnds: number[] = [];
  /** Where the head is once complete: `buf[start, start + length)`. */
  buf: Uint8Array = this.#own;
  start = 0;
  length = 0;
  /** Empty lines skipped before the current start line (RFC 9112 §2.2). */
  #leading = 0;

  constructor(maxHeadSize: number, allowBareLf: boolean) {
    this.#maxHeadSize = maxHeadSize;
    this.#allowBareLf = allowBareLf;
  }

  /** True once some bytes of a head have been taken. */
  get started(): boolean {
    return this.#have > 0;
  }

  /** Ready for the next head; `lineEnds` is reused, so read it before calling this. */
  reset(): void {
    this.#have = 0;
    this.lineEnds.length = 0;
  }

  /**
   * Scans `chunk` from `p` for the end of the head. Returns the position after the head when
   * it is complete (then `buf`, `start`, `length` and `lineEnds` describe it), or -1 when
   * the whole rest of the chunk was taken and more is needed. `base` is the stream offset of
   * `chunk[0]`; `skipLeadingEmpty` is for requests; `emptyFirstLineEnds` for trailer sections,
   * which may have no field at all.
   */
  read(
    chunk: Uint8Array,
    p: number,
    base: number,
    skipLeadingEmpty: boolean,
    emptyFirstLineEnds = false,
  ): number {
    let headStart = p - this.#have; // may be negative: where the head started, in chunk coordinates
    let scan = p;
    for (;;) {
      const lf = chunk.indexOf(LF, scan);
      const limit = headStart + this.#maxHeadSize;
      if (lf < 0 || lf >= limit) {
        if ((lf < 0 ? chunk.length : lf + 1) - headStart > this.#maxHeadSize) {
          throw new ProtocolError(
            HttpErrorCode.HeadTooLarge,
            `the head is over ${this.#maxHeadSize} bytes`,
            base + headStart + this.#maxHeadSize,
          );
        }
        this.#gather(chunk, p, chunk.length);
        return -1;
      }
      const crBefore = lf > p ? chunk[lf - 1] === CR : this.#have > 0 && this.#own[this.#have - 1] === CR;
      if (!crBefore && !this.#allowBareLf) {
        throw new ProtocolError(HttpErrorCode.BareLf, "a line ends in LF without CR", base + lf);
      }
      const lineStart = this.lineEnds.length === 0 ? 0 : this.lineEnds[this.lineEnds.length - 1]! + 1;
      const at = lf - headStart;
      this.lineEnds.push(at);
      const empty = at - lineStart === (crBefore ? 1 : 0);
      if (
        empty &&
        this.lineEnds.length === 1 &&
        skipLeadingEmpty &&
        this.#leading < MAX_LEADING_EMPTY_LINES
      ) {
        // An empty line before the request line is skipped (RFC 9112 §2.2): start afresh after it.
        this.#leading++;
        this.lineEnds.length = 0;
        this.#have = 0;
        p = lf + 1;
        headStart = p;
        scan = p;
        continue;
      }
      if (empty || this.lineEnds.length === 1) this.#leading = 0;
      if (empty && (this.lineEnds.length > 1 || emptyFirstLineEnds || !skipLeadingEmpty)) {
        const end = lf + 1;
        if (this.#have > 0) {
          this.#gather(chunk, p, end);
          // The fields will be views into this buffer: the next head gathers into a new one.
          this.buf = this.#own;
          this.#own = NO_BYTES;
          this.start = 0;
        } else {
          this.buf = chunk;
          this.start = p;
        }
        this.length = end - headStart;
        this.#have = 0;
        return end;
      }
      scan = lf + 1;
    }
  }

  #gather(chunk: Uint8Array, from: number, to: number): void {
    const need = this.#have + to - from;
    if (need > this.#own.length) {
      const grown = new Uint8Array(Math.min(Math.max(need, this.#own.length * 2, 256), this.#maxHeadSize));
      copyBytes(grown, 0, this.#own, 0, this.#have);
      this.#own = grown;
    }
    this.#have = copyBytes(this.#own, this.#have, chunk, from, to);
  }
}
