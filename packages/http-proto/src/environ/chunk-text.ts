/**
 * The latin-1 text of the chunk a decoder is reading, shared by the requests read from it.
 * A request's values are read as strings by slicing one text of its head (see RequestRun);
 * for a pipelined chunk of many requests, one text runs on over the heads that follow, so
 * the chunk is decoded in one call to the engine rather than one a head: that call's fixed
 * cost was most of what decoding a head's text took.
 *
 * Shared only while a push lasts: once it returns, the caller may refill the chunk, and
 * nothing here may keep it alive (a text decoded after that is the asking head's alone).
 */
import { latin1Decode } from "@envwire/environ";

/**
 * The longest text made for values to be sliced from, from the head that asks for it on: the
 * pipelined heads after it come well within it; a body that follows costs at most this much
 * decoding; and a value string sliced from the text keeps at most this much of it alive.
 */
export const TEXT_MAX = 4096;

export class ChunkText {
  #open = false;
  #buffer: Uint8Array | undefined = undefined;
  #start = 0;
  #text = "";
  /** Where in its buffer the text textOf last returned starts. */
  base = 0;

  /** A push begins: texts decoded until it ends may be shared. */
  open(): void {
    this.#open = true;
  }

  /** The push is over: lets go of the chunk and its text. */
  close(): void {
    this.#open = false;
    this.#buffer = undefined;
    this.#text = "";
  }

  /**
   * A text holding `buf[start, end)`, which starts at `buf[base]`. `more`: whether the text
   * may run on past `end` (bytes after it are heads, not a body).
   */
  textOf(buf: Uint8Array, start: number, end: number, more: boolean): string {
    if (buf === this.#buffer && start >= this.#start && end - this.#start <= this.#text.length) {
      this.base = this.#start;
      return this.#text;
    }
    const share = this.#open && more;
    const text = latin1Decode(
      buf,
      start,
      share ? Math.max(end, Math.min(buf.length, start + TEXT_MAX)) : end,
    );
    this.base = start;
    if (share) {
      this.#buffer = buf;
      this.#start = start;
      this.#text = text;
    }
    return text;
  }
}
