/**
 * Where a decoder gathers the entries (vars, pairs, headers) that chunk boundaries cut, for
 * one message. Their bytes go one after another into a buffer, and an entry's bytes stay where
 * they are once it is whole, so an Environ can keep views of them: a cut entry costs one copy,
 * and a message's cut entries a few allocations, not one each. The buffer grows by doubling
 * with the bytes that arrived, never by a length a peer announced; when it is full, the entry
 * in progress moves to a new one (the entries in the old one keep it alive, and nothing else).
 */
import { copyBytes } from "./copy.js";

const NO_BYTES = new Uint8Array(0);
/** The first buffer's size: room for a few ordinary entries. */
const FIRST = 256;

export class CutEntries {
  /** The buffer that holds the entry in progress, at `bytes[start, end)`. */
  bytes: Uint8Array = NO_BYTES;
  start = 0;
  end = 0;

  /** Bytes of the entry in progress gathered so far. */
  get length(): number {
    return this.end - this.start;
  }

  /** Appends `buf[from, to)` to the entry in progress. */
  append(buf: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.bytes.length - this.end < n) this.#grow(n);
    this.end = copyBytes(this.bytes, this.end, buf, from, to);
  }

  /** The entry in progress is whole (the caller has taken views of it): the next one starts after it. */
  close(): void {
    this.start = this.end;
  }

  /** Lets go of every buffer: the message is over, or failed. */
  release(): void {
    this.bytes = NO_BYTES;
    this.start = 0;
    this.end = 0;
  }

  /** A new buffer, twice what the entry in progress needs, holding it so far. */
  #grow(more: number): void {
    const length = this.length;
    const grown = new Uint8Array(Math.max(FIRST, 2 * (length + more)));
    copyBytes(grown, 0, this.bytes, this.start, this.end);
    this.bytes = grown;
    this.start = 0;
    this.end = length;
  }
}
