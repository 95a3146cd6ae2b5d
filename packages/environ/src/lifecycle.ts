/**
 * What every decoder does around its state machine: after an error — its own or one a
 * handler threw — every later call rethrows that same error; after end(), push() and end()
 * are errors with the decoder's own "ended" code.
 */
import { ProtocolError } from "./errors.js";

export class DecoderLifecycle {
  readonly #endedCode: string;
  #error: unknown;
  #ended = false;

  constructor(endedCode: string) {
    this.#endedCode = endedCode;
  }

  /** At the top of push() and end(): throws the stored error, or the ended code once ended. */
  check(offset: number): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#ended) throw new ProtocolError(this.#endedCode, "the decoder was already ended", offset);
  }

  /** end() was called. */
  end(): void {
    this.#ended = true;
  }

  /** Stores `error` as the decoder's failure and throws it. */
  fail(error: unknown): never {
    // V8 keeps a new error's stack unformatted, and with it each frame's receiver: the
    // decoder's state and the chunks it viewed. Formatting it now lets them go.
    if (error instanceof Error) void error.stack;
    this.#error = error;
    throw error;
  }
}
