/**
 * What every decoder does around its state machine: after an error — its own or one a
 * handler threw — every later call rethrows that same error; after end(), push() and end()
 * are errors with the decoder's own "ended" code.
 *
 * And pausing, the same in every decoder: pause() (from a handler, or from anywhere) makes
 * push() stop right after the event being handled, where `offset` stood in that callback,
 * and return how many bytes of its chunk it took; while paused, push() takes nothing and
 * returns 0, until resume(). A decoder's loop reads `paused` after each step it takes (a
 * step ends at an event), so a stop always falls where a split of the input could have
 * fallen: the rest, pushed after resume(), gives the events it would have given.
 */
import { ProtocolError } from "./errors.js";

export class DecoderLifecycle {
  readonly #endedCode: string;
  #error: unknown;
  #ended = false;
  /** Whether push() stops after the current event, and takes nothing until resume(). */
  paused = false;

  constructor(endedCode: string) {
    this.#endedCode = endedCode;
  }

  /** At the top of push() and end(): throws the stored error, or the ended code once ended. */
  check(offset: number): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#ended) throw new ProtocolError(this.#endedCode, "the decoder was already ended", offset);
  }

  /** pause(): push() stops after the event being handled, and takes nothing until resume(). */
  pause(): void {
    this.paused = true;
  }

  /** resume(): push() takes bytes again. */
  resume(): void {
    this.paused = false;
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

/**
 * What every decoder shows of its lifecycle: pausing. A decoder extends it, and hands it the
 * lifecycle its push() and end() go through.
 */
export abstract class PausableDecoder {
  /** What push() and end() go through (for the decoder itself). */
  protected readonly life: DecoderLifecycle;

  protected constructor(life: DecoderLifecycle) {
    this.life = life;
  }

  /**
   * Makes push() stop right after the event being handled — where `offset` stands in that
   * callback — and return how many bytes of its chunk it took; until resume(), push() takes
   * nothing and returns 0. The bytes it did not take are the caller's to push again, in
   * order, after resume(): the events are the same as if nothing had paused. Called between
   * pushes, it makes the next push() take nothing.
   */
  pause(): void {
    this.life.pause();
  }

  /** Lets push() take bytes again after pause(). */
  resume(): void {
    this.life.resume();
  }

  /** Whether the decoder is paused: push() takes nothing until resume(). */
  get paused(): boolean {
    return this.life.paused;
  }
}
