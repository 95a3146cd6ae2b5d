/**
 * A fixed-size header (uwsgi's 4 bytes, FastCGI's 8) that may arrive cut across chunks:
 * read in place when the chunk holds it whole, else gathered into a buffer of its own.
 */
export class FixedHeaderReader {
  readonly #own: Uint8Array;
  #have = 0;
  /**
   * Once `read` returns with `complete` true, the header is `bytes[at, at + size)`, until
   * `release` (`bytes` may be the caller's chunk).
   */
  bytes: Uint8Array;
  at = 0;
  complete = false;

  constructor(size: number) {
    this.#own = new Uint8Array(size);
    this.bytes = this.#own;
  }

  /** Lets go of the caller's chunk, once its header has been read (decoders call it as a push ends). */
  release(): void {
    this.bytes = this.#own;
    this.at = 0;
  }

  /** True while part of a header has been gathered: the stream cannot end cleanly here. */
  get partial(): boolean {
    return this.#have > 0;
  }

  /** Takes header bytes from `chunk` at `p`; returns the position after them. */
  read(chunk: Uint8Array, p: number): number {
    const size = this.#own.length;
    if (this.#have === 0 && chunk.length - p >= size) {
      this.bytes = chunk;
      this.at = p;
      this.complete = true;
      return p + size;
    }
    while (this.#have < size && p < chunk.length) this.#own[this.#have++] = chunk[p++]!;
    this.complete = this.#have === size;
    if (this.complete) {
      this.#have = 0;
      this.bytes = this.#own;
      this.at = 0;
    }
    return p;
  }
}
