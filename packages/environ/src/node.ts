/**
 * @envwire/environ/node: any envwire decoder as a Node Duplex — bytes written in (Buffers, or
 * any Uint8Array), the decoder's events read out in object mode — for `socket.pipe(...)`,
 * `pipeline()` and `for await (const event of duplex)`. Node only: the codecs and their web
 * DecoderStream never load it, and node:stream with it.
 *
 * Backpressure as in DecoderStream: the event that fills the readable buffer
 * (readableHighWaterMark objects) pauses the decoder; the write completes only once the
 * reader has taken events and the rest of the chunk has been pushed, so a reader that does
 * not read holds the decoder and the writer. Events are views of the written chunks: a
 * chunk must stay unchanged until the events made from it are used (a socket's are fresh
 * Buffers; reuse of a buffer you own must wait).
 */
import { Duplex } from "node:stream";
import {
  type DecoderFactory,
  type DecoderStreamOptions,
  feed,
  type StreamableDecoder,
} from "./decoder-stream.js";

export type { DecoderFactory, DecoderStreamOptions, StreamableDecoder } from "./decoder-stream.js";

/**
 * A decoder as a Node Duplex: write bytes, read events (object mode). A ProtocolError from
 * the decoder destroys the stream with that error: `for await` throws it, `pipeline()`
 * rejects with it.
 */
export class DecoderDuplex<Event, Decoder extends StreamableDecoder> extends Duplex {
  /** The decoder itself (FastCGI's completeRequest() or expect(), HTTP's expectResponseTo()). */
  readonly decoder: Decoder;
  /** Resolves a write waiting for the reader to take events. */
  #wake: (() => void) | undefined;

  constructor(factory: DecoderFactory<Event, Decoder>, options: DecoderStreamOptions = {}) {
    super({
      readableObjectMode: true,
      readableHighWaterMark: options.highWaterMark ?? 16,
      decodeStrings: true,
    });
    const decoder = factory((event) => {
      if (!this.push(event)) decoder.pause();
    });
    this.decoder = decoder;
  }

  /** @internal */
  override _read(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** @internal */
  override _write(
    chunk: Uint8Array,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    let waiting: Promise<void> | undefined;
    try {
      waiting = feed(this.decoder, chunk, () => this.#ready());
    } catch (e) {
      callback(e as Error);
      return;
    }
    if (waiting === undefined) callback();
    else waiting.then(() => callback(), callback);
  }

  /** @internal */
  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.decoder.end();
    } catch (e) {
      callback(e as Error);
      return;
    }
    this.push(null);
    callback();
  }

  /** @internal */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#wake = undefined; // (a write waiting on the reader never completes: the stream is gone)
    callback(error);
  }

  /** Undefined when the reader has room now; else a promise of its next _read. */
  #ready(): Promise<void> | undefined {
    if (this.readableLength < this.readableHighWaterMark) return undefined;
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }
}
