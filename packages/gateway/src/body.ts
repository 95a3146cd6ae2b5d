/**
 * A request or response body as it arrives: the chunks a decoder hands over, read by whoever
 * sends them on as an async iterable. Flow control goes back to the source: past
 * `highWater` bytes queued it is asked to pause, and to resume once the reader has taken
 * them, so a slow reader slows the peer rather than growing memory.
 */

/** What a body may be given as: bytes, text (UTF-8), or chunks as they come. */
export type BodyInit =
  | Uint8Array
  | string
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | ReadableStream<Uint8Array>
  | null
  | undefined;

const HIGH_WATER = 64 * 1024;

export class BodyStream implements AsyncIterable<Uint8Array> {
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: unknown = undefined;
  #wake: (() => void) | undefined = undefined;
  #paused = false;
  #iterating = false;
  /** Chunks are dropped as they come: the answer was given without them (see discard). */
  #discarding = false;
  #endWaiters: (() => void)[] = [];
  /** Bytes that went through, all told. */
  received = 0;

  readonly #flow: { pause(): void; resume(): void };
  readonly #highWater: number;
  readonly #onFirstRead: (() => void) | undefined;

  /** `onFirstRead` is called once, when the reader first asks for a chunk (the moment to send 100 Continue). */
  constructor(
    flow: { pause(): void; resume(): void } = { pause() {}, resume() {} },
    highWater: number = HIGH_WATER,
    onFirstRead?: () => void,
  ) {
    this.#flow = flow;
    this.#highWater = highWater;
    this.#onFirstRead = onFirstRead;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Why the body could not complete (see fail), if it could not. */
  get error(): unknown {
    return this.#error;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.#ended) return;
    if (this.#discarding) {
      this.received += chunk.length;
      return;
    }
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    this.received += chunk.length;
    if (this.#queued > this.#highWater && !this.#paused) {
      this.#paused = true;
      this.#flow.pause();
    }
    this.#wakeReader();
  }

  end(): void {
    this.#ended = true;
    this.#wakeReader();
    this.#wakeEndWaiters();
  }

  #wakeEndWaiters(): void {
    for (const wake of this.#endWaiters.splice(0)) wake();
  }

  /** The body cannot complete (the peer went away, or sent something malformed). */
  fail(error: unknown): void {
    if (this.#ended && this.#chunks.length === 0) return;
    this.#error ??= error;
    this.#ended = true;
    this.#chunks = [];
    this.#queued = 0;
    this.#resume();
    this.#wakeReader();
    this.#wakeEndWaiters();
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#flow.resume();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.#iterating) throw new TypeError("a body can be read once");
    this.#iterating = true;
    this.#onFirstRead?.();
    for (;;) {
      if (this.#error !== undefined) throw this.#error;
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        this.#queued -= chunk.length;
        if (this.#queued <= this.#highWater >> 1) this.#resume();
        yield chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /**
   * Lets the rest of the body go as it arrives, whoever was reading it, and resolves once it
   * has all arrived (or failed): a request answered without its whole body, so that the
   * connection can read the next request.
   */
  async discard(): Promise<void> {
    this.#discarding = true;
    this.#chunks = [];
    this.#queued = 0;
    this.#resume();
    this.#wakeReader();
    if (this.#ended) return;
    await new Promise<void>((resolve) => this.#endWaiters.push(resolve));
  }
}

const utf8 = new TextEncoder();

/** The chunks of a body given as any BodyInit, and its length when it is known up front. */
export function bodyChunks(body: BodyInit): {
  chunks: AsyncIterable<Uint8Array>;
  length: number | undefined;
} {
  if (body === null || body === undefined) return { chunks: once(new Uint8Array(0)), length: 0 };
  if (typeof body === "string") {
    const bytes = utf8.encode(body);
    return { chunks: once(bytes), length: bytes.length };
  }
  if (body instanceof Uint8Array) return { chunks: once(body), length: body.length };
  if (typeof (body as ReadableStream).getReader === "function")
    return { chunks: fromReadable(body as ReadableStream<Uint8Array>), length: undefined };
  if (Symbol.asyncIterator in body) return { chunks: body as AsyncIterable<Uint8Array>, length: undefined };
  if (Symbol.iterator in body)
    return { chunks: fromIterable(body as Iterable<Uint8Array>), length: undefined };
  throw new TypeError("a body must be a Uint8Array, a string, an iterable of Uint8Array or a ReadableStream");
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  if (bytes.length > 0) yield bytes;
}

async function* fromIterable(chunks: Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* chunks;
}

async function* fromReadable(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
