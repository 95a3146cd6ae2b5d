/**
 * HTTP/1.1 message decoders (RFC 9112), sans-IO: push() bytes in any pieces, end() when the
 * peer closes. One reader per state, chosen by a switch:
 *
 *   Head → Length body | Chunked body (size line, data, CRLF …, last chunk, trailers) | Close body
 *        → next message (pipelining) | Tunnel (Upgrade, CONNECT: bytes handed on untouched)
 *
 * Fields and bodies are views into the pushed chunks; only a head or trailer section cut by a
 * chunk boundary is copied, once. After an error the decoder stays failed.
 */
import { ProtocolError } from "@envwire/environ";
import {
  byteKernels,
  checkChunk,
  checkHandler,
  DecoderLifecycle,
  PausableDecoder,
} from "@envwire/environ/codec";
import { ChunkedReader } from "./chunked-reader.js";
import { HttpErrorCode } from "./constants.js";
import { ChunkText } from "./environ/chunk-text.js";
import { FieldKind, NameTable } from "./field-names.js";
import { type Framing, frame } from "./framing.js";
import { HeadReader } from "./head-reader.js";
import { emptyObjectArray, HeadScanner, type HttpVersion, methodOf, Section } from "./head-scanner.js";
import { Fields, type HeaderFields } from "./header-fields.js";
import { checkHost } from "./host.js";
import { type HttpRequestHead, type HttpResponseHead, RequestHead } from "./message-head.js";

export type { HttpMessageHead, HttpRequestHead, HttpResponseHead } from "./message-head.js";

export interface HttpDecoderOptions {
  /** Largest head (start line, fields, empty line) in bytes. Default 16384, as Node's http. */
  maxHeadSize?: number;
  /** Largest request or status line. Default 8192. */
  maxStartLineLength?: number;
  /** Most header fields. Default 100. */
  maxHeaders?: number;
  /** Largest chunk extension (everything between the size and CR LF). Default 1024. */
  maxChunkExtensionLength?: number;
  /** Largest trailer section in bytes. Default 16384. */
  maxTrailerSize?: number;
  /** Largest body in bytes (Content-Length or chunks together). Default 2^53 - 1: bodies are streamed, never buffered. */
  maxBodySize?: number;
  /** Accept lines ending in LF alone. Off by default: a proxy and a backend may split such lines differently. */
  allowBareLf?: boolean;
  /**
   * Accept an HTTP/1.1 request without Host (requests only). Off by default: RFC 9112 §3.2 has
   * a server answer such a request with 400. HTTP/1.0 requests may always omit it.
   */
  allowMissingHost?: boolean;
  /**
   * Accept bytes 0x80-0xFF in a request-target as they are (requests only), as nginx does and
   * passes them on: turn it on behind nginx (or another proxy that does so). Off by default:
   * RFC 9112 §3.2 and RFC 3986 allow only visible ASCII, and Node's llhttp refuses them too.
   * Control bytes, spaces and DEL stay errors either way.
   */
  allowRawTargetBytes?: boolean;
  /**
   * Whether plain start lines (request or status) and field lines may be read by the
   * WebAssembly SIMD kernels, where the realm has WebAssembly with SIMD and the environment
   * variable ENVWIRE_KERNELS is not "js". Default true; false reads every line in plain
   * JavaScript. Both give the same results.
   */
  kernels?: boolean;
}

export interface HttpHandler<Head> {
  onHead(head: Head): void;
  /** A piece of the body (de-chunked): a view into the pushed chunk. */
  onBody?(chunk: Uint8Array): void;
  /** The trailer fields of a chunked body, when it has any. */
  onTrailers?(trailers: HeaderFields): void;
  /** The message is complete; the next one may follow. */
  onEnd?(): void;
  /**
   * After an upgrade (101, an Upgrade request, CONNECT): every further byte, untouched —
   * the rest of the chunk that held the head, then whatever is pushed.
   */
  onTunnel?(data: Uint8Array): void;
}

const State = { Head: 0, Length: 1, Chunked: 2, Trailers: 3, Close: 4, Tunnel: 5 } as const;
type State = (typeof State)[keyof typeof State];

export abstract class HttpMessageDecoder<
  Head extends HttpRequestHead | HttpResponseHead,
> extends PausableDecoder {
  /** @internal */
  protected readonly handler: HttpHandler<Head>;
  /** @internal */
  protected readonly options: Required<HttpDecoderOptions>;
  /** @internal */
  protected readonly scanner: HeadScanner;
  readonly #head: HeadReader;
  readonly #text = new ChunkText();
  /** The names this decoder knows (see NameTable): its heads' and trailers' scanners share them. */
  readonly #names = new NameTable();
  #trailerScanner: HeadScanner | undefined;
  #trailers: HeadReader | undefined;
  #state: State = State.Head;
  #base = 0;
  /** What offset says (see there). */
  #taken = 0;
  /** Body bytes left (Length), and taken so far (Close). */
  #left = 0;
  #bodyTotal = 0;
  /** The chunked body reader, made at the first chunked body. */
  #chunked: ChunkedReader | undefined;
  #tunnelAfterBody = false;

  /** `section`: Section.Request or Section.Response, the heads this decoder reads. */
  /** @internal */
  constructor(handler: HttpHandler<Head>, options: HttpDecoderOptions, section: number) {
    super(new DecoderLifecycle(HttpErrorCode.Ended));
    checkHandler(handler, `new ${new.target.name}`);
    this.handler = handler;
    this.options = {
      maxHeadSize: options.maxHeadSize ?? 16384,
      maxStartLineLength: options.maxStartLineLength ?? 8192,
      maxHeaders: options.maxHeaders ?? 100,
      maxChunkExtensionLength: options.maxChunkExtensionLength ?? 1024,
      maxTrailerSize: options.maxTrailerSize ?? 16384,
      maxBodySize: options.maxBodySize ?? Number.MAX_SAFE_INTEGER,
      allowBareLf: options.allowBareLf ?? false,
      allowMissingHost: options.allowMissingHost ?? false,
      allowRawTargetBytes: options.allowRawTargetBytes ?? false,
      kernels: options.kernels ?? true,
    };
    this.scanner = this.#scannerFor(section, this.options.maxHeadSize, HttpErrorCode.HeadTooLarge, "head");
    this.#head = new HeadReader(this.scanner, this.options.maxHeadSize);
  }

  /** A scanner with this decoder's limits, for sections of at most `maxSize` bytes. */
  #scannerFor(section: number, maxSize: number, tooLargeCode: string, what: string): HeadScanner {
    return new HeadScanner({
      section,
      maxSize,
      tooLarge: { code: tooLargeCode, what },
      maxStartLineLength: this.options.maxStartLineLength,
      maxFields: this.options.maxHeaders,
      allowBareLf: this.options.allowBareLf,
      allowRawTargetBytes: this.options.allowRawTargetBytes,
      names: this.#names,
      kernels: byteKernels(this.options.kernels),
    });
  }

  /**
   * Bytes taken so far; inside a callback, the stream offset just past the bytes that made
   * the event (the head, the body piece, the trailers).
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
    checkChunk(chunk, `${this.constructor.name}.push`);
    const life = this.life;
    life.check(this.#base);
    if (life.paused) return 0;
    this.#text.open();
    try {
      let p = 0;
      while (p < chunk.length) {
        switch (this.#state) {
          case State.Head:
            p = this.#readHead(chunk, p);
            break;
          case State.Length:
            p = this.#readLength(chunk, p);
            break;
          case State.Chunked:
            p = this.#readChunked(chunk, p);
            break;
          case State.Trailers:
            p = this.#readTrailers(chunk, p);
            break;
          case State.Close:
            p = this.#readClose(chunk, p);
            break;
          case State.Tunnel:
            this.#taken = this.#base + chunk.length;
            this.handler.onTunnel?.(p === 0 ? chunk : chunk.subarray(p));
            p = chunk.length;
            break;
        }
        if (life.paused) break;
      }
      this.#base += p;
      return p;
    } catch (e) {
      return this.life.fail(e);
    } finally {
      this.#taken = this.#base;
      this.scanner.release();
      this.#trailerScanner?.release();
      this.#text.close();
    }
  }

  /** The peer closed. Ends a body read until close; throws ProtocolError inside any other message part. */
  end(): void {
    this.life.check(this.#base);
    this.life.end();
    const state = this.#state;
    if (state === State.Close) {
      this.handler.onEnd?.();
      return;
    }
    if (state === State.Tunnel) return;
    try {
      // A part of a head or trailer section may already hold an error: it comes first.
      if (state === State.Head) this.#head.finish();
      if (state === State.Trailers) this.#trailers!.finish();
    } catch (e) {
      this.life.fail(e);
    }
    if (state === State.Head && !this.#head.started) return;
    this.life.fail(
      new ProtocolError(HttpErrorCode.Truncated, "the stream ended inside a message", this.#base),
    );
  }

  /** The head just scanned, in `buf`. Its `upgrade` says whether a tunnel follows its body. @internal */
  protected abstract makeHead(buf: Uint8Array, origin: number): Head;

  #readHead(chunk: Uint8Array, p: number): number {
    const reader = this.#head;
    const end = reader.read(chunk, p, this.#base);
    if (end < 0) return chunk.length;
    const head = this.makeHead(reader.take(), reader.origin);
    if (head.body === "length" && head.contentLength > this.options.maxBodySize) {
      throw new ProtocolError(
        HttpErrorCode.BodyTooLarge,
        `Content-Length ${head.contentLength} is over the limit`,
        this.#base + end,
      );
    }
    this.#bodyTotal = 0;
    this.#tunnelAfterBody = head.upgrade;
    if (head.body === "length") {
      this.#state = State.Length;
      this.#left = head.contentLength;
    } else if (head.body === "chunked") {
      this.#state = State.Chunked;
      this.#chunked ??= new ChunkedReader(this.options, (buf, start, end) => {
        this.#body(buf, start, end);
        return this.life.paused;
      });
      this.#chunked.reset();
    } else if (head.body === "close") {
      this.#state = State.Close;
    }
    this.#taken = this.#base + end;
    this.handler.onHead(head);
    if (head.body === "none") this.#finishMessage();
    return end;
  }

  /** A body read until the connection closes: limited here, as nothing frames it. */
  #readClose(chunk: Uint8Array, p: number): number {
    const before = this.#bodyTotal;
    this.#bodyTotal += chunk.length - p;
    if (this.#bodyTotal > this.options.maxBodySize) {
      // At the first byte past the limit, wherever this chunk happens to end.
      const at = this.#base + p + (this.options.maxBodySize - before);
      throw new ProtocolError(HttpErrorCode.BodyTooLarge, "the body is over maxBodySize", at);
    }
    this.#body(chunk, p, chunk.length);
    return chunk.length;
  }

  /** Hands on `chunk[start, end)` of the body: the chunk itself when that is all of it. */
  #body(chunk: Uint8Array, start: number, end: number): void {
    this.#taken = this.#base + end;
    this.handler.onBody?.(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
  }

  #readLength(chunk: Uint8Array, p: number): number {
    const take = Math.min(this.#left, chunk.length - p);
    this.#left -= take;
    this.#body(chunk, p, p + take);
    if (this.#left === 0) this.#finishMessage();
    return p + take;
  }

  #readChunked(chunk: Uint8Array, p: number): number {
    const reader = this.#chunked!;
    p = reader.read(chunk, p, this.#base);
    if (reader.done) {
      this.#state = State.Trailers;
      if (this.#trailers === undefined) {
        const scanner = this.#scannerFor(
          Section.Trailers,
          this.options.maxTrailerSize,
          HttpErrorCode.TrailersTooLarge,
          "trailer section",
        );
        this.#trailerScanner = scanner;
        this.#trailers = new HeadReader(scanner, this.options.maxTrailerSize);
      }
    }
    return p;
  }

  #readTrailers(chunk: Uint8Array, p: number): number {
    const reader = this.#trailers!;
    const end = reader.read(chunk, p, this.#base);
    if (end < 0) return chunk.length;
    const scanner = this.#trailerScanner!;
    const buf = reader.take();
    this.#taken = this.#base + end;
    if (scanner.fieldCount > 0) this.handler.onTrailers?.(this.fieldsOf(scanner, buf));
    this.#finishMessage();
    return end;
  }

  #finishMessage(): void {
    this.#state = this.#tunnelAfterBody ? State.Tunnel : State.Head;
    this.handler.onEnd?.();
  }

  /** The fields `scanner` just read from `buf`, copied out of its scratch. @internal */
  protected fieldsOf(scanner: HeadScanner, buf: Uint8Array): Fields {
    const n = scanner.fieldCount;
    return new Fields(
      buf,
      scanner.spans.slice(0, n * 4),
      scanner.names.slice(0, n),
      scanner.kinds,
      scanner.nameTraits,
      this.#names,
      this.#text,
    );
  }

  /** Frames the head just scanned; field errors are reported at their stream offsets. @internal */
  protected frame(headers: Fields, version: HttpVersion, isRequest: boolean, origin: number): Framing {
    return frame(headers, version, isRequest, this.scanner.kinds, origin);
  }
}

/** Throws at the second Host field of a request. */
function duplicateHost(headers: Fields, origin: number): never {
  const names = headers.names;
  let seen = false;
  for (let i = 0; ; i++) {
    if (names[i]!.kind !== FieldKind.Host) continue;
    if (seen) {
      throw new ProtocolError(
        HttpErrorCode.DuplicateHost,
        "more than one Host field",
        origin + headers.nameStartAt(i),
      );
    }
    seen = true;
  }
}

export type HttpRequestHandler = HttpHandler<HttpRequestHead>;
export type HttpResponseHandler = HttpHandler<HttpResponseHead>;

/** Decodes requests, as a server or a proxy's front end sees them. */
export class RequestDecoder extends HttpMessageDecoder<HttpRequestHead> {
  constructor(handler: HttpRequestHandler, options: HttpDecoderOptions = {}) {
    super(handler, options, Section.Request);
  }

  /** @internal */
  protected makeHead(buf: Uint8Array, origin: number): HttpRequestHead {
    const s = this.scanner;
    const headers = this.fieldsOf(s, buf);
    if ((s.repeatedKinds & FieldKind.Host) !== 0) duplicateHost(headers, origin);
    const framing = this.frame(headers, s.version, true, origin);
    if ((s.kinds & FieldKind.Host) !== 0) checkHost(headers, origin);
    else if (s.version === "HTTP/1.1" && !this.options.allowMissingHost) {
      throw new ProtocolError(
        HttpErrorCode.MissingHost,
        "an HTTP/1.1 request without Host",
        origin + s.emptyLineAt,
      );
    }
    const connect = s.targetForm === "authority";
    return new RequestHead({
      method: methodOf(buf, s.methodStart, s.methodEnd),
      targetStart: s.targetStart,
      targetEnd: s.targetEnd,
      queryStart: s.queryStart,
      fragmentStart: s.fragmentStart,
      escapedPath: s.escapedPath,
      targetForm: s.targetForm,
      version: s.version,
      headers,
      body: connect ? "none" : framing.body,
      contentLength: framing.length,
      transferCodings: framing.codings,
      keepAlive: framing.keepAlive,
      upgrade: framing.upgrade || connect,
      expectContinue: framing.expectContinue,
    });
  }
}

/** Decodes responses, as a client or a proxy's back end sees them. */
export class ResponseDecoder extends HttpMessageDecoder<HttpResponseHead> {
  readonly #methods: string[] = emptyObjectArray();

  constructor(handler: HttpResponseHandler, options: HttpDecoderOptions = {}) {
    super(handler, options, Section.Response);
  }

  /**
   * Tells the decoder the method of the next request whose response will arrive, in order:
   * a response to HEAD has no body, and a 2xx to CONNECT opens a tunnel. Without it, GET.
   */
  expectResponseTo(method: string): void {
    this.#methods.push(method);
  }

  /** @internal */
  protected makeHead(buf: Uint8Array, origin: number): HttpResponseHead {
    const s = this.scanner;
    const status = s.status;
    const headers = this.fieldsOf(s, buf);
    const framing = this.frame(headers, s.version, false, origin);
    const interim = status < 200 && status !== 101;
    const method = (interim ? this.#methods[0] : this.#methods.shift()) ?? "GET";
    const tunnel = status === 101 || (method === "CONNECT" && status >= 200 && status < 300);
    const bodiless = method === "HEAD" || status < 200 || status === 204 || status === 304 || tunnel;
    return {
      status,
      reason: s.reason,
      version: s.version,
      headers,
      body: bodiless ? "none" : framing.body,
      contentLength: bodiless ? 0 : framing.length,
      transferCodings: framing.codings,
      // A body read until close ends the connection; a response without a body does not.
      keepAlive: framing.keepAlive && (bodiless || framing.body !== "close"),
      upgrade: tunnel,
    };
  }
}
