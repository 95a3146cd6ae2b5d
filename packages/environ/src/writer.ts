/**
 * A writer over one exactly-sized region of a Uint8Array: encoders measure first, then
 * allocate (or check the caller's buffer) once, then write. `finish()` proves the measure
 * and the writes agree, so a miscount is a loud bug rather than a silently short frame.
 */
import { copyBytes } from "./copy.js";
import { EnvironErrorCode, ProtocolError } from "./errors.js";
import { allocate } from "./slab.js";

export class ByteWriter {
  readonly bytes: Uint8Array;
  /** Where the next byte goes. */
  pos: number;
  /** One past the last byte this writer may write. */
  readonly end: number;

  /** Writes into `bytes[offset, offset + length)`; throws ProtocolError if that does not fit. */
  constructor(bytes: Uint8Array, offset = 0, length: number = bytes.length - offset) {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new ProtocolError(
        EnvironErrorCode.BufferTooSmall,
        `need ${length} bytes at offset ${offset} but the buffer holds ${bytes.length}`,
        offset,
      );
    }
    this.bytes = bytes;
    this.pos = offset;
    this.end = offset + length;
  }

  /** A writer over a new buffer of exactly `size` bytes (a view of a shared slab: see slab.ts). */
  static alloc(size: number): ByteWriter {
    return new ByteWriter(allocate(size));
  }

  u8(v: number): void {
    this.bytes[this.pos++] = v;
  }

  u16le(v: number): void {
    const b = this.bytes;
    b[this.pos++] = v & 0xff;
    b[this.pos++] = v >>> 8;
  }

  u16be(v: number): void {
    const b = this.bytes;
    b[this.pos++] = v >>> 8;
    b[this.pos++] = v & 0xff;
  }

  u32be(v: number): void {
    const b = this.bytes;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }

  /** Copies `src[start, end)`. */
  copy(src: Uint8Array, start = 0, end: number = src.length): void {
    this.pos = copyBytes(this.bytes, this.pos, src, start, end);
  }

  /** Writes the latin-1 bytes of `s`, whose code points the caller has checked are at most 0xFF. */
  latin1(s: string): void {
    const b = this.bytes;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Throws unless exactly the measured region was written; returns the end position. */
  finish(): number {
    if (this.pos !== this.end) {
      throw new Error(`envwire bug: wrote ${this.pos} of ${this.end} measured bytes`);
    }
    return this.pos;
  }
}
