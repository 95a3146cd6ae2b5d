/**
 * The capture `envwire decode` reads, as it arrives: the source's chunks cut into pieces of
 * at most PIECE_SIZE bytes, each added to a ByteWindow as it is taken. Only what first()
 * gathers and the chunk being cut are held, whatever the capture's size.
 */
import { ByteWindow } from "./byte-window.js";

/**
 * A decoder's callbacks run within its push: a piece this small bounds the lines one push
 * prints (a few dozen KiB at most) before the sink is asked whether it is full again.
 */
const PIECE_SIZE = 4096;

/**
 * What the window keeps: the furthest a line looks back is a FastCGI record or a uwsgi or
 * SCGI header block (64 KiB each), from the end of the piece that completed it.
 */
const WINDOW_SIZE = 128 * 1024;

export class CaptureInput {
  readonly window: ByteWindow = new ByteWindow(WINDOW_SIZE);
  readonly #chunks: AsyncIterator<Uint8Array>;
  /** Chunks read and not yet taken, the first one perhaps in part. */
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #done = false;
  #size: number | undefined;

  /** `size`: the capture's length when known beforehand (a regular file's). */
  constructor(source: AsyncIterable<Uint8Array>, size?: number) {
    this.#chunks = source[Symbol.asyncIterator]();
    this.#size = size;
  }

  /** The capture's length: given, or known once it ended within what first() gathered. */
  get size(): number | undefined {
    return this.#size;
  }

  /** True once every byte of the capture has been taken. */
  get ended(): boolean {
    return this.#done && this.#queued === 0;
  }

  /** A copy of the capture's first `n` bytes (all of it when shorter), read but not taken. */
  async first(n: number): Promise<Uint8Array> {
    while (this.#queued < n && (await this.#read()));
    if (this.#done) this.#size ??= this.#queued;
    const bytes = new Uint8Array(Math.min(n, this.#queued));
    let at = 0;
    for (const chunk of this.#queue) {
      if (at === bytes.length) break;
      const part = chunk.subarray(0, bytes.length - at);
      bytes.set(part, at);
      at += part.length;
    }
    return bytes;
  }

  /** The next piece, already in the window; undefined at the end of the capture. */
  async next(): Promise<Uint8Array | undefined> {
    if (this.#queued === 0 && !(await this.#read())) return undefined;
    const chunk = this.#queue[0]!;
    const piece = chunk.subarray(0, PIECE_SIZE);
    if (piece.length === chunk.length) this.#queue.shift();
    else this.#queue[0] = chunk.subarray(PIECE_SIZE);
    this.#queued -= piece.length;
    this.window.add(piece);
    return piece;
  }

  /** Takes pieces into the window until it reaches `offset` or the capture ends. */
  async readTo(offset: number): Promise<void> {
    while (this.window.end < offset && (await this.next()) !== undefined);
  }

  /** Stops reading (closes a file before its end). */
  async close(): Promise<void> {
    await this.#chunks.return?.();
  }

  /** Reads one more non-empty chunk into the queue: false at the end of the source. */
  async #read(): Promise<boolean> {
    while (!this.#done) {
      const { done, value } = await this.#chunks.next();
      if (done) this.#done = true;
      else if (value.length > 0) {
        this.#queue.push(value);
        this.#queued += value.length;
        return true;
      }
    }
    return false;
  }
}
