/**
 * DecoderStream: any envwire decoder as a web TransformStream-like pair — bytes written in,
 * the decoder's events read out, in order — for Node, Deno, Bun and browsers alike (no
 * `node:` import; the Node Duplex is in @envwire/environ/node and shares feed() below).
 *
 * Backpressure goes through the decoder: when the readable side's queue is full, the event
 * that filled it pauses the decoder (pause(), see PausableDecoder), so push() stops right
 * after that event; the write waits until the reader pulls, then resumes and pushes the rest
 * of the chunk. A reader that does not read holds the decoder and, through the pending write,
 * the writer: the queue holds at most highWaterMark events and the few the decoder reports
 * at one offset (a bodiless message's head and end).
 *
 * Events are views of the written chunks (an Environ's values, body pieces), as the decoder
 * hands them: nothing is copied. A written chunk must stay as it was until the events made
 * from it have been read and used (web streams' own rule: a chunk written is given away).
 */

/** What a stream adapter needs of a decoder: every envwire decoder has it. */
export interface StreamableDecoder {
  /** Takes bytes and returns how many it took (fewer when an event paused it). */
  push(chunk: Uint8Array): number;
  end(): void;
  pause(): void;
  resume(): void;
  readonly paused: boolean;
}

/**
 * Makes a decoder whose handler reports each part as an event through `emit`: each codec
 * package exports one a decoder (`requestEvents(options)`, `responseEvents(options)`).
 */
export type DecoderFactory<Event, Decoder extends StreamableDecoder> = (
  emit: (event: Event) => void,
) => Decoder;

/** The events of a decoder of messages that are a head, a body and an end (each codec adds its own). */
export type MessageEvent<Head> =
  | { type: "head"; head: Head }
  /** A piece of the body: a view of a written chunk. */
  | { type: "body"; chunk: Uint8Array }
  | { type: "end" };

const END = Object.freeze({ type: "end" as const });

/** The onHead, onBody and onEnd of a handler that reports them as MessageEvents through `emit`. */
export function messageHandler<Head>(emit: (event: MessageEvent<Head>) => void): {
  onHead(head: Head): void;
  onBody(chunk: Uint8Array): void;
  onEnd(): void;
} {
  return {
    onHead: (head) => emit({ type: "head", head }),
    onBody: (chunk) => emit({ type: "body", chunk }),
    onEnd: () => emit(END),
  };
}

export interface DecoderStreamOptions {
  /** Events the readable side queues before the decoder pauses. Default 16. */
  highWaterMark?: number;
}

/**
 * Pushes all of `chunk` into `decoder`, waiting on `ready()` (undefined: ready now) each time
 * the decoder has paused. Returns undefined when it never had to wait, as a plain push does.
 */
export function feed(
  decoder: StreamableDecoder,
  chunk: Uint8Array,
  ready: () => Promise<void> | undefined,
): Promise<void> | undefined {
  if (decoder.paused) return feedLater(decoder, chunk, 0, ready);
  const taken = decoder.push(chunk);
  return taken === chunk.length ? undefined : feedLater(decoder, chunk, taken, ready);
}

async function feedLater(
  decoder: StreamableDecoder,
  chunk: Uint8Array,
  taken: number,
  ready: () => Promise<void> | undefined,
): Promise<void> {
  while (taken < chunk.length) {
    if (decoder.paused) {
      await ready();
      decoder.resume();
    }
    taken += decoder.push(chunk.subarray(taken));
  }
}

/**
 * A decoder as a readable/writable pair, for `readable.pipeThrough(new DecoderStream(...))`:
 * `Uint8Array` chunks in, the decoder's events out. A ProtocolError errors both sides (a
 * `for await` over the readable throws it, code and offset as the decoder threw them).
 */
export class DecoderStream<Event, Decoder extends StreamableDecoder> {
  /** The decoder's events, in order. */
  readonly readable: ReadableStream<Event>;
  /** The bytes of the stream: Uint8Array chunks, kept unchanged until their events are read. */
  readonly writable: WritableStream<Uint8Array>;
  /** The decoder itself (FastCGI's completeRequest() or expect(), HTTP's expectResponseTo()). */
  readonly decoder: Decoder;
  #controller!: ReadableStreamDefaultController<Event>;
  /** Resolves a write waiting for the reader (or rejects it: the reader cancelled). */
  #wake: { resolve(): void; reject(reason: unknown): void } | undefined;
  #cancelled: { reason: unknown } | undefined;

  constructor(factory: DecoderFactory<Event, Decoder>, options: DecoderStreamOptions = {}) {
    const highWaterMark = options.highWaterMark ?? 16;
    this.readable = new ReadableStream<Event>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => this.#wakeWriter(undefined),
        cancel: (reason) => {
          this.#cancelled = { reason };
          this.#wakeWriter(this.#cancelled);
        },
      },
      { highWaterMark },
    );
    const decoder = factory((event) => {
      this.#controller.enqueue(event);
      if (this.#controller.desiredSize! <= 0) decoder.pause();
    });
    this.decoder = decoder;
    const ready = () => this.#ready();
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => {
        if (this.#cancelled) throw this.#cancelled.reason;
        try {
          const waiting = feed(decoder, chunk, ready);
          return waiting?.catch((e) => this.#fail(e));
        } catch (e) {
          return this.#fail(e);
        }
      },
      close: () => {
        if (this.#cancelled) throw this.#cancelled.reason;
        try {
          decoder.end();
        } catch (e) {
          this.#fail(e);
        }
        this.#controller.close();
      },
      abort: (reason) => {
        if (!this.#cancelled) this.#controller.error(reason);
      },
    });
  }

  /** Undefined when the reader wants more now; else a promise of its next pull. */
  #ready(): Promise<void> | undefined {
    if (this.#cancelled) return Promise.reject(this.#cancelled.reason);
    if (this.#controller.desiredSize! > 0) return undefined;
    return new Promise((resolve, reject) => {
      this.#wake = { resolve, reject };
    });
  }

  #wakeWriter(cancelled: { reason: unknown } | undefined): void {
    const wake = this.#wake;
    this.#wake = undefined;
    if (wake === undefined) return;
    if (cancelled) wake.reject(cancelled.reason);
    else wake.resolve();
  }

  /** The decoder threw: the readable side errors with the same error, and the write with it. */
  #fail(error: unknown): never {
    if (!this.#cancelled) this.#controller.error(error);
    throw error;
  }
}
