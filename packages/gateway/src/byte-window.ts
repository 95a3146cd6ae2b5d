/**
 * The last bytes of a stream, by stream offset: what `envwire decode` looks back at once the
 * decoder has the chunk no more (a header a line names, the lines of an HTTP head, the bytes
 * around an error). A ring: adding costs a copy of the bytes, and memory stays `size`.
 */
export class ByteWindow {
  readonly #ring: Uint8Array;
  #end = 0;

  constructor(size: number) {
    this.#ring = new Uint8Array(size);
  }

  /** The stream offset of the oldest byte held. */
  get start(): number {
    return Math.max(0, this.#end - this.#ring.length);
  }

  /** The stream offset just past the newest byte: how many were added. */
  get end(): number {
    return this.#end;
  }

  /** The stream's next bytes (copied: the caller's chunk is not kept). */
  add(bytes: Uint8Array): void {
    const size = this.#ring.length;
    const kept = bytes.length > size ? bytes.subarray(bytes.length - size) : bytes;
    const at = (this.#end + bytes.length - kept.length) % size;
    const first = Math.min(kept.length, size - at);
    this.#ring.set(kept.subarray(0, first), at);
    this.#ring.set(kept.subarray(first), 0);
    this.#end += bytes.length;
  }

  /** A copy of the bytes of [from, to) that are held. */
  slice(from: number, to: number): Uint8Array {
    from = Math.max(from, this.start);
    to = Math.min(to, this.#end);
    if (to <= from) return new Uint8Array(0);
    const size = this.#ring.length;
    const at = from % size;
    const first = Math.min(to - from, size - at);
    const bytes = new Uint8Array(to - from);
    bytes.set(this.#ring.subarray(at, at + first));
    bytes.set(this.#ring.subarray(0, to - from - first), first);
    return bytes;
  }

  /**
   * The last offset in [from, before) whose byte is `byte`: -1 when there is none, undefined
   * when the window no longer holds all of that range and the held part has none.
   */
  lastIndexOf(byte: number, before: number, from: number): number | undefined {
    const size = this.#ring.length;
    const low = Math.max(from, this.start);
    for (let i = Math.min(before, this.#end) - 1; i >= low; i--) {
      if (this.#ring[i % size] === byte) return i;
    }
    return from < low ? undefined : -1;
  }
}
