/**
 * ResponseDecoder: the web-server side of FastCGI (what nginx does with what php-fpm sends):
 * STDOUT and STDERR pieces and END_REQUEST per request id, and the answers to management
 * records. The caller tells it which request ids it began (expect), because only it knows
 * what it sent; a record for any other id, or after that request's END_REQUEST, is an error.
 *
 * STDOUT carries a CGI response (Status, headers, blank line, body): pipe it through
 * CgiResponseDecoder from @envwire/environ.
 */
import { type Environ, ProtocolError } from "@envwire/environ";
import { checkChunk, checkHandler, DecoderLifecycle, PausableDecoder } from "@envwire/environ/codec";
import { FcgiErrorCode, MAX_TYPE, RecordType } from "./constants.js";
import { PairReader } from "./name-value.js";
import { RecordReader } from "./record-reader.js";

export interface FcgiEndRequest {
  requestId: number;
  appStatus: number;
  /** ProtocolStatus: REQUEST_COMPLETE, CANT_MPX_CONN, OVERLOADED or UNKNOWN_ROLE. */
  protocolStatus: number;
}

export interface FcgiResponseHandler {
  /** A piece of STDOUT: a view into the pushed chunk. */
  onStdout?(requestId: number, chunk: Uint8Array): void;
  /** STDOUT's empty record arrived. */
  onStdoutEnd?(requestId: number): void;
  /** A piece of STDERR: a view into the pushed chunk. */
  onStderr?(requestId: number, chunk: Uint8Array): void;
  /** END_REQUEST: the request is over and its id may be begun again. */
  onEndRequest?(end: FcgiEndRequest): void;
  /** GET_VALUES_RESULT. */
  onGetValuesResult?(values: Environ): void;
  /** UNKNOWN_TYPE: the application did not know a management record type we sent. */
  onUnknownType?(type: number): void;
}

export interface FcgiResponseDecoderOptions {
  /** Largest GET_VALUES_RESULT content accepted (one record, so at most 65535). Default 65535. */
  maxValuesSize?: number;
  /** Most pairs in a GET_VALUES_RESULT. Default 64 (the spec defines three names). */
  maxValues?: number;
}

const Current = { Stdout: 0, Stderr: 1, End: 2, Values: 3, UnknownType: 4 } as const;
type Current = (typeof Current)[keyof typeof Current];

interface Expected {
  stdoutEnded: boolean;
  stderrEnded: boolean;
}

export class ResponseDecoder extends PausableDecoder {
  readonly #handler: FcgiResponseHandler;
  readonly #maxValuesSize: number;
  readonly #maxValues: number;
  /** The record layer, going through this decoder's lifecycle (pausing the one pauses both). */
  readonly #reader: RecordReader;
  readonly #expected = new Map<number, Expected>();
  #current: Current = Current.Stdout;
  #requestId = 0;
  #length = 0;
  #offset = 0;
  #pairs: PairReader | undefined;

  constructor(handler: FcgiResponseHandler, options: FcgiResponseDecoderOptions = {}) {
    super(new DecoderLifecycle(FcgiErrorCode.Ended));
    this.#reader = new RecordReader(
      {
        onRecord: (type, requestId, contentLength, offset) =>
          this.#onRecord(type, requestId, contentLength, offset),
        onContent: (buf, start, end, offset) => this.#onContent(buf, start, end, offset),
        onRecordEnd: () => this.#onRecordEnd(),
      },
      this.life,
    );
    checkHandler(handler, "new ResponseDecoder");
    this.#handler = handler;
    this.#maxValuesSize = options.maxValuesSize ?? 0xffff;
    this.#maxValues = options.maxValues ?? 64;
  }

  /** Bytes taken so far. */
  get offset(): number {
    return this.#reader.offset;
  }

  /** You sent BEGIN_REQUEST for `requestId`: its records may now arrive. */
  expect(requestId: number): void {
    if (this.#expected.has(requestId)) {
      throw new ProtocolError(
        FcgiErrorCode.DuplicateRequest,
        `request ${requestId} is already expected`,
        this.offset,
      );
    }
    this.#expected.set(requestId, { stdoutEnded: false, stderrEnded: false });
  }

  /**
   * Feeds the next bytes of the stream and returns how many of them it took: all of them,
   * unless a handler called pause() (then the bytes up to the end of that event; push the
   * rest after resume()). The decoder never writes to `chunk`.
   */
  push(chunk: Uint8Array): number {
    checkChunk(chunk, "ResponseDecoder.push");
    try {
      return this.#reader.push(chunk);
    } catch (e) {
      this.#pairs?.release(); // (failed: it keeps nothing)
      this.#pairs = undefined;
      throw e;
    }
  }

  /** The application closed the connection: throws ProtocolError inside a record or before an expected END_REQUEST. */
  end(): void {
    this.#reader.end();
    for (const id of this.#expected.keys()) {
      this.#reader.fail(
        new ProtocolError(
          FcgiErrorCode.TruncatedRequest,
          `the connection closed before request ${id} ended`,
          this.offset,
        ),
      );
    }
  }

  #onRecord(type: number, requestId: number, contentLength: number, offset: number): boolean {
    this.#requestId = requestId;
    this.#length = contentLength;
    this.#offset = offset;
    const fail = (code: string, why: string) => new ProtocolError(code, why, offset);
    if (type < 1 || type > MAX_TYPE)
      throw fail(FcgiErrorCode.UnknownRecordType, `record type ${type} is not FastCGI 1.0`);
    const toWebServer =
      type === RecordType.STDOUT ||
      type === RecordType.STDERR ||
      type === RecordType.END_REQUEST ||
      type === RecordType.GET_VALUES_RESULT ||
      type === RecordType.UNKNOWN_TYPE;
    if (!toWebServer)
      throw fail(FcgiErrorCode.UnexpectedRecord, `record type ${type} goes to the application`);
    const management = type === RecordType.GET_VALUES_RESULT || type === RecordType.UNKNOWN_TYPE;
    if (management !== (requestId === 0)) {
      throw fail(FcgiErrorCode.BadRequestId, `record type ${type} with request id ${requestId}`);
    }
    if (type === RecordType.GET_VALUES_RESULT) {
      // (One record: its pairs are read as they arrive, within maxValuesSize.)
      this.#current = Current.Values;
      this.#pairs = new PairReader(this.#maxValuesSize, this.#maxValues);
      return false;
    }
    if (type === RecordType.UNKNOWN_TYPE) {
      this.#current = Current.UnknownType;
      this.#expectLength(8, type);
      return true;
    }
    const expected = this.#expected.get(requestId);
    if (expected === undefined) {
      throw fail(
        FcgiErrorCode.UnknownRequest,
        `request ${requestId} was not expected (call expect(${requestId}) when you begin it), or has ended`,
      );
    }
    if (type === RecordType.END_REQUEST) {
      this.#current = Current.End;
      this.#expectLength(8, type);
      return true;
    }
    const stdout = type === RecordType.STDOUT;
    if (stdout ? expected.stdoutEnded : expected.stderrEnded) {
      throw fail(
        FcgiErrorCode.StreamEnded,
        `${stdout ? "STDOUT" : "STDERR"} for request ${requestId} after its end`,
      );
    }
    if (contentLength === 0) {
      if (stdout) expected.stdoutEnded = true;
      else expected.stderrEnded = true;
    }
    this.#current = stdout ? Current.Stdout : Current.Stderr;
    return false;
  }

  #onContent(buf: Uint8Array, start: number, end: number, offset: number): void {
    switch (this.#current) {
      case Current.Stdout:
        this.#handler.onStdout?.(this.#requestId, buf.subarray(start, end));
        break;
      case Current.Stderr:
        this.#handler.onStderr?.(this.#requestId, buf.subarray(start, end));
        break;
      case Current.Values:
        this.#pairs!.feed(buf, start, end, offset);
        break;
      case Current.UnknownType:
        this.#handler.onUnknownType?.(buf[start]!);
        break;
      case Current.End: {
        const appStatus =
          ((buf[start]! << 24) | (buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]!) >>> 0;
        this.#expected.delete(this.#requestId);
        this.#handler.onEndRequest?.({
          requestId: this.#requestId,
          appStatus,
          protocolStatus: buf[start + 4]!,
        });
        break;
      }
    }
  }

  #onRecordEnd(): void {
    if (this.#current === Current.Values) {
      this.#handler.onGetValuesResult?.(this.#pairs!.finish());
      this.#pairs = undefined;
    } else if (this.#current === Current.Stdout && this.#length === 0) {
      this.#handler.onStdoutEnd?.(this.#requestId);
    }
  }

  #expectLength(length: number, type: number): void {
    if (this.#length !== length) {
      throw new ProtocolError(
        FcgiErrorCode.BadRecordLength,
        `record type ${type} must hold ${length} bytes, not ${this.#length}`,
        this.#offset,
      );
    }
  }
}
