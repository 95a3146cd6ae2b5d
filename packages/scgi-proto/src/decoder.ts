/**
 * RequestDecoder: the application side of SCGI (what uWSGI's --scgi-socket does with what
 * nginx's scgi_pass sends).
 *
 * Sans-IO: push() takes bytes as the network delivered them, in any pieces; the handler hears
 * about each part as soon as it is complete. One reader per state, chosen by a switch:
 *
 *   Length ("70:") → Headers (70 bytes of NUL-terminated names and values) → Comma (",")
 *     → Body (CONTENT_LENGTH bytes) → Length of the next request, where the caller keeps the
 *       connection open (SCGI itself closes it after one)
 *
 * Each reader consumes what it can from chunk[p..] and returns the new position. Entries that
 * lie inside one chunk become views into it; only an entry cut by a chunk boundary is copied
 * (see HeaderReader), so any split costs O(n). On error the decoder throws ProtocolError and
 * stays failed: every later call throws the same error.
 */
import { type Environ, ProtocolError } from "@envwire/environ";
import {
  byteKernels,
  checkChunk,
  checkHandler,
  DecoderLifecycle,
  PausableDecoder,
} from "@envwire/environ/codec";
import { ScgiErrorCode } from "./constants.js";
import { HeaderReader } from "./headers.js";

/** A request's head, handed to onHead once its header block is complete. */
export interface ScgiRequestHead {
  /** The headers, as views into the pushed chunks (see Environ.detach). */
  env: Environ;
  /** Body bytes that follow (CONTENT_LENGTH). */
  contentLength: number;
}

export interface ScgiRequestHandler {
  /** A request's header block is complete. */
  onHead(head: ScgiRequestHead): void;
  /** A piece of the body: a view into the pushed chunk, valid while the caller keeps that chunk. */
  onBody?(chunk: Uint8Array): void;
  /** The request's body is complete (right after onHead when it has none). */
  onEnd?(): void;
}

export interface ScgiRequestDecoderOptions {
  /** Largest header block accepted, in bytes (the netstring's length). Default 65536. */
  maxHeadersSize?: number;
  /**
   * Most headers (name and value pairs) in a request. Default 1024 (nginx sends a few dozen):
   * each costs an Environ entry, about 60 bytes, where its bytes on the wire may be 3.
   */
  maxHeaders?: number;
  /**
   * Largest CONTENT_LENGTH accepted. Default 2^53 - 1: the body is streamed through onBody,
   * never buffered, so this is a policy (like nginx's client_max_body_size), not a memory bound.
   */
  maxBodySize?: number;
  /**
   * Whether the header block's NULs may be found by the WebAssembly SIMD kernel, where the
   * realm has WebAssembly with SIMD and the environment variable ENVWIRE_KERNELS is not "js".
   * Default true; false finds them in plain JavaScript. Both give the same results.
   */
  kernels?: boolean;
}

const State = { Length: 0, Headers: 1, Comma: 2, Body: 3 } as const;
type State = (typeof State)[keyof typeof State];

const COLON = 0x3a;
const COMMA = 0x2c;

export class RequestDecoder extends PausableDecoder {
  readonly #handler: ScgiRequestHandler;
  readonly #maxHeadersSize: number;
  readonly #headers: HeaderReader;
  #state: State = State.Length;
  /** Stream offset of the current chunk's first byte. */
  #base = 0;
  /** What offset says (see there). */
  #taken = 0;
  /** The length prefix so far, and how many digits it has. */
  #length = 0;
  #digits = 0;
  /** Bytes of the header block or body not yet consumed. */
  #left = 0;

  constructor(handler: ScgiRequestHandler, options: ScgiRequestDecoderOptions = {}) {
    super(new DecoderLifecycle(ScgiErrorCode.Ended));
    checkHandler(handler, "new RequestDecoder");
    if (typeof handler?.onHead !== "function") {
      throw new TypeError("RequestDecoder: the handler must be an object with an onHead(head) method");
    }
    this.#handler = handler;
    this.#maxHeadersSize = options.maxHeadersSize ?? 65536;
    this.#headers = new HeaderReader(
      options.maxHeaders ?? 1024,
      options.maxBodySize ?? Number.MAX_SAFE_INTEGER,
      byteKernels(options.kernels ?? true),
    );
  }

  /**
   * Bytes taken so far: the stream offset that the next pushed byte will have; inside a
   * callback, the offset just past the bytes that made the event (the netstring, the body piece).
   */
  get offset(): number {
    return this.#taken;
  }

  /**
   * Feeds the next bytes of the stream and returns how many of them it took: all of them,
   * unless a handler called pause() (then the bytes up to the end of that event; push the
   * rest after resume()). The decoder never writes to `chunk`.
   */
  push(chunk: Uint8Array): number {
    checkChunk(chunk, "RequestDecoder.push");
    const life = this.life;
    life.check(this.#base);
    if (life.paused) return 0;
    try {
      const n = chunk.length;
      let p = 0;
      while (p < n) {
        switch (this.#state) {
          case State.Length:
            p = this.#readLength(chunk, p);
            break;
          case State.Headers:
            p = this.#readHeaders(chunk, p);
            break;
          case State.Comma:
            p = this.#readComma(chunk, p);
            break;
          case State.Body:
            p = this.#readBody(chunk, p);
            break;
        }
        if (life.paused) break;
      }
      this.#base += p;
      this.#taken = this.#base;
      return p;
    } catch (e) {
      this.#taken = this.#base;
      this.#headers.reset(); // (failed: it keeps nothing)
      this.life.fail(e);
    }
  }

  /** The peer closed the stream. Throws ProtocolError if it closed inside a request. */
  end(): void {
    this.life.check(this.#base);
    this.life.end();
    const state = this.#state;
    if (state === State.Body) {
      this.life.fail(
        new ProtocolError(
          ScgiErrorCode.TruncatedBody,
          `the stream ended ${this.#left} bytes short of the body`,
          this.#base,
        ),
      );
    }
    if (state !== State.Length || this.#digits > 0) {
      this.life.fail(
        new ProtocolError(
          ScgiErrorCode.TruncatedHeaders,
          "the stream ended inside a request's headers",
          this.#base,
        ),
      );
    }
  }

  /** The decimal length of the header block, up to its colon. */
  #readLength(chunk: Uint8Array, p: number): number {
    const bad = (why: string) => new ProtocolError(ScgiErrorCode.BadLength, why, this.#base + p);
    for (; p < chunk.length; p++) {
      const b = chunk[p]!;
      if (b === COLON) {
        if (this.#digits === 0)
          throw bad("a request starts with the header block's length in decimal digits");
        this.#startHeaders(this.#base + p + 1);
        return p + 1;
      }
      const digit = b - 0x30;
      if (digit < 0 || digit > 9) throw bad("the header block's length is decimal digits and a colon");
      if (this.#digits > 0 && this.#length === 0) throw bad("the header block's length has a leading zero");
      this.#length = this.#length * 10 + digit;
      this.#digits++;
      if (this.#length > this.#maxHeadersSize) {
        throw new ProtocolError(
          ScgiErrorCode.HeadersTooLarge,
          `the header block is over the limit of ${this.#maxHeadersSize} bytes`,
          this.#base + p,
        );
      }
    }
    return p;
  }

  /** The header block starts at stream offset `offset`. */
  #startHeaders(offset: number): void {
    this.#left = this.#length;
    this.#length = 0;
    this.#digits = 0;
    this.#headers.reset();
    this.#state = State.Headers;
    if (this.#left === 0) this.#headers.finish(offset); // (an empty block: it holds no CONTENT_LENGTH)
  }

  #readHeaders(chunk: Uint8Array, p: number): number {
    const end = Math.min(chunk.length, p + this.#left);
    this.#headers.read(chunk, p, end, this.#base);
    this.#left -= end - p;
    if (this.#left === 0) {
      this.#headers.finish(this.#base + end);
      this.#state = State.Comma;
    }
    return end;
  }

  #readComma(chunk: Uint8Array, p: number): number {
    if (chunk[p] !== COMMA) {
      throw new ProtocolError(
        ScgiErrorCode.MissingComma,
        "the header block ends with a comma",
        this.#base + p,
      );
    }
    const contentLength = this.#headers.contentLength;
    this.#state = State.Body;
    this.#left = contentLength;
    this.#taken = this.#base + p + 1;
    this.#handler.onHead({ env: this.#headers.take(), contentLength });
    if (contentLength === 0) this.#finishBody();
    return p + 1;
  }

  #readBody(chunk: Uint8Array, p: number): number {
    const take = Math.min(this.#left, chunk.length - p);
    this.#left -= take;
    this.#taken = this.#base + p + take;
    this.#handler.onBody?.(p === 0 && take === chunk.length ? chunk : chunk.subarray(p, p + take));
    if (this.#left === 0) this.#finishBody();
    return p + take;
  }

  #finishBody(): void {
    this.#state = State.Length;
    this.#handler.onEnd?.();
  }
}
