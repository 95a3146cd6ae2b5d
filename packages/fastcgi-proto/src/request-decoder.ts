/**
 * RequestDecoder: the application side of FastCGI (what php-fpm or uWSGI does with what nginx
 * sends), for any number of interleaved requests on one connection.
 *
 * Per request id:  BEGIN_REQUEST → PARAMS… (empty PARAMS: onHead) → STDIN… (empty: done, or
 * for a FILTER →) DATA… (empty: done) → onEnd. ABORT_REQUEST may come at any time before the
 * application ends the request. When the application sends END_REQUEST it calls
 * completeRequest(id): from then on, as the spec says, late records for that id are ignored
 * until a new BEGIN_REQUEST reuses it. Records for an id that never began are an error.
 *
 * Management records (id 0) are answered by the decoder itself through onReply: GET_VALUES
 * with the values it was given, unknown types with UNKNOWN_TYPE.
 */
import { type Environ, ProtocolError } from "@envwire/environ";
import { checkChunk, checkHandler, DecoderLifecycle, PausableDecoder } from "@envwire/environ/codec";
import { ActiveRequests } from "./active-requests.js";
import {
  FCGI_MAX_REQS,
  FCGI_MPXS_CONNS,
  FcgiErrorCode,
  KEEP_CONN,
  MAX_TYPE,
  RecordType,
  Role,
} from "./constants.js";
import { encodeGetValuesResult, encodeUnknownType } from "./encoder.js";
import { PairReader, ParamsBudget } from "./name-value.js";
import { RecordReader } from "./record-reader.js";

export interface FcgiRequestBegin {
  requestId: number;
  /** Role.RESPONDER, AUTHORIZER or FILTER (or whatever number the web server sent). */
  role: number;
  /** The web server keeps the connection open after this request. */
  keepConn: boolean;
}

export interface FcgiRequestHead extends FcgiRequestBegin {
  /** The params, as views into the pushed chunks where a pair lay inside one record and chunk. */
  env: Environ;
}

export interface FcgiRequestHandler {
  /** BEGIN_REQUEST arrived. */
  onBegin?(begin: FcgiRequestBegin): void;
  /** The PARAMS stream is complete. */
  onHead(head: FcgiRequestHead): void;
  /** A piece of STDIN: a view into the pushed chunk. */
  onBody?(requestId: number, chunk: Uint8Array): void;
  /** A piece of DATA (FILTER role): a view into the pushed chunk. */
  onData?(requestId: number, chunk: Uint8Array): void;
  /** Every input stream of the request has ended. */
  onEnd?(requestId: number): void;
  /** ABORT_REQUEST: answer with END_REQUEST as soon as possible. */
  onAbort?(requestId: number): void;
  /** Records to send back: the answers to management records (GET_VALUES_RESULT, UNKNOWN_TYPE). */
  onReply?(record: Uint8Array): void;
}

export interface FcgiRequestDecoderOptions {
  /** Largest PARAMS stream per request, in bytes. Default 131072. */
  maxParamsSize?: number;
  /**
   * Most name-value pairs per request. Default 1024 (nginx sends a few dozen): each costs an
   * Environ entry, about 60 bytes, where its bytes on the wire may be 2.
   */
  maxParams?: number;
  /**
   * Largest PARAMS bytes, and most pairs, of all the connection's requests whose PARAMS are
   * still arriving, together. Defaults 524288 and 4096: without them a connection could have
   * maxConcurrentRequests times the per-request limits in flight.
   */
  maxPendingParamsSize?: number;
  maxPendingParams?: number;
  /** Most requests active at once on the connection. Default 64. */
  maxConcurrentRequests?: number;
  /**
   * Answers to GET_VALUES, by name; names not here are left out of the answer, as the spec
   * says. Default: FCGI_MAX_REQS and FCGI_MPXS_CONNS from maxConcurrentRequests.
   */
  values?: Readonly<Record<string, string>>;
}

/**
 * Where a request is: in which of its input streams, PARAMS, STDIN, then (FILTER role only)
 * DATA, or past them all. A stream's records are taken only in its phase; its empty record
 * ends it, and the request moves on (see nextPhase).
 */
const Phase = { Params: 0, Stdin: 1, Data: 2, Done: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** The phase after `phase`'s stream ends: the request's transitions, all of them. */
function nextPhase(phase: Phase, role: number): Phase {
  switch (phase) {
    case Phase.Params:
      return Phase.Stdin;
    case Phase.Stdin:
      return role === Role.FILTER ? Phase.Data : Phase.Done;
    default:
      return Phase.Done;
  }
}

/** The input streams' record types, by the phase they are taken in, and their names. */
const STREAM_TYPE: readonly number[] = [RecordType.PARAMS, RecordType.STDIN, RecordType.DATA];
const STREAM_NAME: readonly string[] = ["PARAMS", "STDIN", "DATA"];

interface RequestState {
  begin: FcgiRequestBegin;
  phase: Phase;
  params: PairReader | undefined;
}

/** Record types that only a web server receives. */
const TO_WEB_SERVER: ReadonlySet<number> = new Set([
  RecordType.END_REQUEST,
  RecordType.STDOUT,
  RecordType.STDERR,
  RecordType.GET_VALUES_RESULT,
  RecordType.UNKNOWN_TYPE,
]);

/** What the record in progress is, for the content and end callbacks. */
const Current = {
  Ignore: 0,
  Begin: 1,
  /** A record of the request's input stream in its phase (PARAMS, STDIN or DATA). */
  Stream: 2,
  GetValues: 3,
  Unknown: 4,
  Abort: 5,
} as const;
type Current = (typeof Current)[keyof typeof Current];

export class RequestDecoder extends PausableDecoder {
  readonly #handler: FcgiRequestHandler;
  /** The record layer, going through this decoder's lifecycle (pausing the one pauses both). */
  readonly #reader: RecordReader;
  readonly #maxParamsSize: number;
  readonly #maxParams: number;
  readonly #budget: ParamsBudget;
  readonly #maxConcurrent: number;
  readonly #values: Readonly<Record<string, string>>;
  /** The requests begun and not completed by the application. */
  readonly #requests = new ActiveRequests<RequestState>();
  /** A bit per request id completed since it began: late records for it are ignored (made at the first). */
  #completed: Uint8Array | undefined;
  #active = 0;

  #current: Current = Current.Ignore;
  #type = 0;
  #requestId = 0;
  #length = 0;
  #offset = 0;
  #state: RequestState | undefined;
  #pairs: PairReader | undefined;

  constructor(handler: FcgiRequestHandler, options: FcgiRequestDecoderOptions = {}) {
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
    checkHandler(handler, "new RequestDecoder");
    this.#handler = handler;
    this.#maxParamsSize = options.maxParamsSize ?? 131072;
    this.#maxParams = options.maxParams ?? 1024;
    this.#budget = new ParamsBudget(options.maxPendingParamsSize ?? 524288, options.maxPendingParams ?? 4096);
    this.#maxConcurrent = options.maxConcurrentRequests ?? 64;
    this.#values = options.values ?? {
      [FCGI_MAX_REQS]: String(this.#maxConcurrent),
      [FCGI_MPXS_CONNS]: this.#maxConcurrent > 1 ? "1" : "0",
    };
    // (The answer to any GET_VALUES must fit one record: the default's does.)
    if (options.values === undefined) return;
    try {
      encodeGetValuesResult(Object.entries(this.#values));
    } catch (e) {
      throw new TypeError(
        `RequestDecoder: options.values cannot be sent in a GET_VALUES_RESULT: ${(e as Error).message}`,
      );
    }
  }

  /** Bytes taken so far. */
  get offset(): number {
    return this.#reader.offset;
  }

  /** Requests begun and not yet completed by the application. */
  get activeRequests(): number {
    return this.#active;
  }

  /**
   * Feeds the next bytes of the stream and returns how many of them it took: all of them,
   * unless a handler called pause() (then the bytes up to the end of that event; push the
   * rest after resume()). The decoder never writes to `chunk`.
   */
  push(chunk: Uint8Array): number {
    checkChunk(chunk, "RequestDecoder.push");
    try {
      return this.#reader.push(chunk);
    } catch (e) {
      this.#release();
      throw e;
    }
  }

  /** Lets go of every request's params in progress: the decoder failed. */
  #release(): void {
    for (const [, state] of this.#requests) state.params?.release();
    this.#requests.clear();
    this.#pairs?.release();
    this.#pairs = undefined;
    this.#state = undefined;
  }

  /**
   * The web server closed the connection. Throws ProtocolError if it did so inside a record,
   * or while a request's input was still incomplete.
   */
  end(): void {
    try {
      this.#reader.end();
      for (const [id, state] of this.#requests) {
        if (state.phase < Phase.Done) {
          this.#reader.fail(
            new ProtocolError(
              FcgiErrorCode.TruncatedRequest,
              `the connection closed inside request ${id}'s input`,
              this.offset,
            ),
          );
        }
      }
    } catch (e) {
      this.#release();
      throw e;
    }
  }

  /**
   * The application has sent END_REQUEST for `requestId`: the id is inactive again, and
   * records that still arrive for it are ignored until it is begun anew.
   */
  completeRequest(requestId: number): void {
    const state = this.#requests.get(requestId);
    if (state === undefined) return;
    state.params?.release();
    state.params = undefined;
    this.#requests.delete(requestId);
    // (A record of it cut by a chunk boundary: the rest of it is ignored too.)
    if (this.#state === state) {
      this.#state = undefined;
      this.#current = Current.Ignore;
    }
    this.#completed ??= new Uint8Array(0x10000 >> 3);
    this.#completed[requestId >> 3]! |= 1 << (requestId & 7);
    this.#active--;
  }

  #isCompleted(requestId: number): boolean {
    return this.#completed !== undefined && (this.#completed[requestId >> 3]! & (1 << (requestId & 7))) !== 0;
  }

  #onRecord(type: number, requestId: number, contentLength: number, offset: number): boolean {
    this.#type = type;
    this.#requestId = requestId;
    this.#length = contentLength;
    this.#offset = offset;
    if (requestId === 0) return this.#management(type);
    if (type === RecordType.BEGIN_REQUEST) {
      this.#current = Current.Begin;
      this.#expectLength(8);
      return true;
    }
    const state = this.#requests.get(requestId);
    this.#state = state;
    if (state === undefined) {
      if (type < 1 || type > MAX_TYPE) throw this.#unknownType();
      if (this.#isCompleted(requestId)) {
        this.#current = Current.Ignore;
        return false;
      }
      throw new ProtocolError(FcgiErrorCode.UnknownRequest, `request ${requestId} never began`, offset);
    }
    if (type === RecordType.ABORT_REQUEST) {
      this.#expectLength(0);
      this.#current = Current.Abort;
      return false;
    }
    const stream = STREAM_TYPE.indexOf(type);
    if (stream >= 0) {
      this.#inPhase(state, stream as Phase);
      this.#current = Current.Stream;
      return false;
    }
    if (type < 1 || type > MAX_TYPE) throw this.#unknownType();
    if (type === RecordType.GET_VALUES) {
      throw new ProtocolError(FcgiErrorCode.BadRequestId, "GET_VALUES must have request id 0", offset);
    }
    throw new ProtocolError(
      FcgiErrorCode.UnexpectedRecord,
      `record type ${type} goes to the web server`,
      offset,
    );
  }

  #onContent(buf: Uint8Array, start: number, end: number, offset: number): void {
    switch (this.#current) {
      case Current.Begin:
        this.#begin(buf, start);
        break;
      case Current.Stream:
        this.#streamContent(this.#state!, buf, start, end, offset);
        break;
      case Current.GetValues:
        this.#pairs!.feed(buf, start, end, offset);
        break;
    }
  }

  #onRecordEnd(): void {
    const state = this.#state;
    switch (this.#current) {
      case Current.Abort:
        this.#handler.onAbort?.(this.#requestId);
        break;
      case Current.Stream:
        if (this.#length === 0) this.#endStream(state!);
        break;
      case Current.GetValues:
        this.#answerGetValues(this.#pairs!.finish());
        this.#pairs = undefined;
        break;
      case Current.Unknown:
        this.#reply(encodeUnknownType(this.#type));
        break;
    }
  }

  /** A piece of the request's input stream in its phase. */
  #streamContent(state: RequestState, buf: Uint8Array, start: number, end: number, offset: number): void {
    switch (state.phase) {
      case Phase.Params:
        state.params!.feed(buf, start, end, offset);
        break;
      case Phase.Stdin:
        this.#handler.onBody?.(this.#requestId, buf.subarray(start, end));
        break;
      case Phase.Data:
        this.#handler.onData?.(this.#requestId, buf.subarray(start, end));
        break;
    }
  }

  /** The empty record that ends the stream of the request's phase: the request moves on. */
  #endStream(state: RequestState): void {
    const ended = state.phase;
    state.phase = nextPhase(ended, state.begin.role);
    if (ended === Phase.Params) {
      const env = state.params!.finish();
      state.params = undefined;
      const { requestId, role, keepConn } = state.begin;
      this.#handler.onHead({ requestId, role, keepConn, env });
    }
    if (state.phase === Phase.Done) this.#handler.onEnd?.(this.#requestId);
  }

  #management(type: number): boolean {
    if (type === RecordType.GET_VALUES) {
      // (One record: its pairs are read as they arrive, within it and the pair limit.)
      this.#current = Current.GetValues;
      this.#pairs = new PairReader(this.#length, this.#maxParams);
      return false;
    }
    if (TO_WEB_SERVER.has(type)) {
      throw new ProtocolError(
        FcgiErrorCode.UnexpectedRecord,
        `record type ${type} goes to the web server`,
        this.#offset,
      );
    }
    if (type >= 1 && type <= MAX_TYPE) {
      throw new ProtocolError(
        FcgiErrorCode.BadRequestId,
        `record type ${type} needs a request id`,
        this.#offset,
      );
    }
    this.#current = Current.Unknown;
    return false;
  }

  #begin(buf: Uint8Array, at: number): void {
    const requestId = this.#requestId;
    if (this.#requests.has(requestId)) {
      throw new ProtocolError(
        FcgiErrorCode.DuplicateRequest,
        `request ${requestId} is already active`,
        this.#offset,
      );
    }
    if (this.#active >= this.#maxConcurrent) {
      throw new ProtocolError(
        FcgiErrorCode.TooManyRequests,
        `more than ${this.#maxConcurrent} requests at once`,
        this.#offset,
      );
    }
    const begin = {
      requestId,
      role: (buf[at]! << 8) | buf[at + 1]!,
      keepConn: (buf[at + 2]! & KEEP_CONN) !== 0,
    };
    if (this.#isCompleted(requestId)) this.#completed![requestId >> 3]! &= ~(1 << (requestId & 7));
    this.#requests.add(requestId, {
      begin,
      phase: Phase.Params,
      params: new PairReader(this.#maxParamsSize, this.#maxParams, this.#budget),
    });
    this.#active++;
    this.#handler.onBegin?.(begin);
  }

  /** Answers with the value of each name asked for that it knows, once each (a name asked twice is answered once). */
  #answerGetValues(asked: Environ): void {
    const answer = new Map<string, string>();
    for (let i = 0; i < asked.size; i++) {
      const name = asked.nameAt(i);
      if (Object.hasOwn(this.#values, name)) answer.set(name, this.#values[name]!);
    }
    this.#reply(encodeGetValuesResult([...answer]));
  }

  #reply(record: Uint8Array): void {
    if (this.#handler.onReply === undefined) {
      throw new ProtocolError(
        FcgiErrorCode.NoReplyHandler,
        `management record type ${this.#type} needs an answer and there is no onReply handler`,
        this.#offset,
      );
    }
    this.#handler.onReply(record);
  }

  /** Throws unless the request is in `phase`, the phase of the record's stream. */
  #inPhase(state: RequestState, phase: Phase): void {
    if (state.phase !== phase) {
      const why = state.phase > phase ? "after its stream ended" : "before the streams it follows ended";
      throw new ProtocolError(
        FcgiErrorCode.StreamEnded,
        `${STREAM_NAME[phase]} for request ${this.#requestId} ${why}`,
        this.#offset,
      );
    }
  }

  #expectLength(length: number): void {
    if (this.#length !== length) {
      throw new ProtocolError(
        FcgiErrorCode.BadRecordLength,
        `record type ${this.#type} must hold ${length} bytes, not ${this.#length}`,
        this.#offset,
      );
    }
  }

  #unknownType(): ProtocolError {
    return new ProtocolError(
      FcgiErrorCode.UnknownRecordType,
      `record type ${this.#type} is not FastCGI 1.0`,
      this.#offset,
    );
  }
}
