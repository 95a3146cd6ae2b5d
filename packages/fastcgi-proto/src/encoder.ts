/**
 * Record encoders for both sides. Discrete records and PARAMS are measured, then written into
 * one exactly-sized buffer; stream payloads are never copied: encodeStream returns the record
 * headers, the caller's payload slices and the padding as separate views for a vectored write.
 */
import { Environ, type EnvironInit, ProtocolError } from "@envwire/environ";
import {
  ByteWriter,
  checkBoolean,
  checkChunk,
  checkEnviron,
  checkNumber,
  checkObject,
  checkOutput,
  checkString,
  nameByteLength,
  ownEntries,
  quote,
  sourceByteLength,
  valueByteLength,
  writeNameAt,
  writeSource,
  writeValueAt,
} from "@envwire/environ/codec";
import {
  FcgiErrorCode,
  HEADER_SIZE,
  KEEP_CONN,
  MAX_CONTENT_LENGTH,
  ProtocolStatus,
  RecordType,
  Role,
  VERSION,
} from "./constants.js";
import { MAX_PAIR_LENGTH, PAIRS_LAYOUT, pairSize, writePairLength } from "./name-value.js";

export interface PaddingOption {
  /** Pad each record's content to a multiple of 8 bytes, as the spec recommends. Default true. */
  pad?: boolean;
}

export interface StreamOptions extends PaddingOption {
  /**
   * Most content bytes a record carries: 1 to 65535 (with padding, rounded down to a multiple
   * of 8, so that only the last record needs any). Default 65528 padded, 65535 not; nginx
   * sends STDIN in records of at most 32768.
   */
  recordSize?: number;
}

/** Padding that brings `length` to a multiple of 8. */
export function paddingFor(length: number): number {
  checkNumber(length, "paddingFor", "length");
  return padding8(length);
}

/** paddingFor, for the encoders' own lengths. */
function padding8(length: number): number {
  return (8 - (length & 7)) & 7;
}

/** options.pad (default true), the options of `where` checked on the way. */
function padOption(options: PaddingOption, where: string): boolean {
  checkObject(options, where, "options");
  if (options.pad === undefined) return true;
  checkBoolean(options.pad, where, "options.pad");
  return options.pad;
}

/** Largest content per record: 65535, or 65528 when padding, so that only the last record needs any. */
function maxContent(pad: boolean): number {
  return pad ? MAX_CONTENT_LENGTH & ~7 : MAX_CONTENT_LENGTH;
}

/**
 * `value`, the argument `argument` of `where`, must be a number (else a TypeError: a caller's
 * mistake), and an integer `min`-`max` (else a ProtocolError: a record cannot carry it).
 */
function check(value: number, min: number, max: number, what: string, where: string, argument: string): void {
  checkNumber(value, where, argument);
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new ProtocolError(
      FcgiErrorCode.BadField,
      `${what} ${quote(String(value))} is not an integer ${min}-${max}`,
      0,
    );
  }
}

function writeHeader(
  w: ByteWriter,
  type: number,
  requestId: number,
  contentLength: number,
  padding: number,
): void {
  w.u8(VERSION);
  w.u8(type);
  w.u16be(requestId);
  w.u16be(contentLength);
  w.u8(padding);
  w.u8(0);
}

/** An 8-byte record header. */
export function encodeRecordHeader(
  type: number,
  requestId: number,
  contentLength: number,
  paddingLength = 0,
): Uint8Array {
  const where = "encodeRecordHeader";
  check(type, 0, 255, "type", where, "type");
  check(requestId, 0, 0xffff, "request id", where, "requestId");
  check(contentLength, 0, MAX_CONTENT_LENGTH, "content length", where, "contentLength");
  check(paddingLength, 0, 255, "padding length", where, "paddingLength");
  const w = ByteWriter.alloc(HEADER_SIZE);
  writeHeader(w, type, requestId, contentLength, paddingLength);
  return w.bytes;
}

/** A discrete record with an 8-byte body written by `body` (8 bytes: aligned, so never padded). */
function discrete8(type: number, requestId: number, body: (w: ByteWriter) => void): Uint8Array {
  const w = ByteWriter.alloc(HEADER_SIZE + 8);
  writeHeader(w, type, requestId, 8, 0);
  body(w);
  w.finish();
  return w.bytes;
}

/** BEGIN_REQUEST: the web server starts request `requestId` (1-65535). */
export function encodeBeginRequest(
  requestId: number,
  role: number = Role.RESPONDER,
  keepConn = false,
): Uint8Array {
  const where = "encodeBeginRequest";
  check(requestId, 1, 0xffff, "request id", where, "requestId");
  check(role, 0, 0xffff, "role", where, "role");
  checkBoolean(keepConn, where, "keepConn");
  return discrete8(RecordType.BEGIN_REQUEST, requestId, (w) => {
    w.u16be(role);
    w.u8(keepConn ? KEEP_CONN : 0);
    for (let i = 0; i < 5; i++) w.u8(0);
  });
}

/** ABORT_REQUEST: the web server's client went away. */
export function encodeAbortRequest(requestId: number): Uint8Array {
  check(requestId, 1, 0xffff, "request id", "encodeAbortRequest", "requestId");
  return encodeRecordHeader(RecordType.ABORT_REQUEST, requestId, 0);
}

/** END_REQUEST: the application is done with the request (and the id may be reused). */
export function encodeEndRequest(
  requestId: number,
  appStatus = 0,
  protocolStatus: number = ProtocolStatus.REQUEST_COMPLETE,
): Uint8Array {
  const where = "encodeEndRequest";
  check(requestId, 1, 0xffff, "request id", where, "requestId");
  check(appStatus, -0x80000000, 0xffffffff, "app status", where, "appStatus");
  check(protocolStatus, 0, 255, "protocol status", where, "protocolStatus");
  return discrete8(RecordType.END_REQUEST, requestId, (w) => {
    w.u32be(appStatus >>> 0);
    w.u8(protocolStatus);
    w.u8(0);
    w.u8(0);
    w.u8(0);
  });
}

/** UNKNOWN_TYPE: the application's answer to a management record of a type it does not know. */
export function encodeUnknownType(type: number): Uint8Array {
  check(type, 0, 255, "type", "encodeUnknownType", "type");
  return discrete8(RecordType.UNKNOWN_TYPE, 0, (w) => {
    w.u8(type);
    for (let i = 0; i < 7; i++) w.u8(0);
  });
}

/** The empty record that ends a stream (PARAMS, STDIN, DATA, STDOUT, STDERR): unpadded, as nginx sends it. */
export function encodeStreamEnd(type: number, requestId: number): Uint8Array {
  check(type, 0, 255, "type", "encodeStreamEnd", "type");
  check(requestId, 1, 0xffff, "request id", "encodeStreamEnd", "requestId");
  return encodeRecordHeader(type, requestId, 0);
}

const ZEROS = new Uint8Array(8);
const PADDING: readonly Uint8Array[] = Array.from({ length: 8 }, (_, n) => ZEROS.subarray(0, n));

/**
 * Frames `payload` as records of stream `type` (STDIN, STDOUT, STDERR, DATA) without copying
 * it: returns [header, payload slice, padding?, header, slice, ...] for a vectored write.
 * Payloads over one record are split (see StreamOptions.recordSize). An empty payload gives
 * no records: an empty record would end the stream (see encodeStreamEnd).
 */
export function encodeStream(
  type: number,
  requestId: number,
  payload: Uint8Array,
  options: StreamOptions = {},
): Uint8Array[] {
  const where = "encodeStream";
  check(type, 0, 255, "type", where, "type");
  check(requestId, 1, 0xffff, "request id", where, "requestId");
  checkChunk(payload, where, "payload");
  const pad = padOption(options, where);
  let max = maxContent(pad);
  if (options.recordSize !== undefined) {
    check(options.recordSize, pad ? 8 : 1, MAX_CONTENT_LENGTH, "record size", where, "options.recordSize");
    max = pad ? options.recordSize & ~7 : options.recordSize;
  }
  const out: Uint8Array[] = [];
  for (let start = 0; start < payload.length; start += max) {
    const end = Math.min(start + max, payload.length);
    const padding = pad ? padding8(end - start) : 0;
    out.push(encodeRecordHeader(type, requestId, end - start, padding));
    out.push(start === 0 && end === payload.length ? payload : payload.subarray(start, end));
    if (padding > 0) out.push(PADDING[padding]!);
  }
  return out;
}

/** Content lengths of the records that carry pairs of the given sizes: whole pairs per record where they fit. */
function planRecords(sizes: readonly number[], max: number): number[] {
  const lengths: number[] = [];
  let current = 0;
  for (const size of sizes) {
    if (current + size <= max) {
      current += size;
      continue;
    }
    if (current > 0) lengths.push(current);
    current = size;
    while (current > max) {
      lengths.push(max);
      current -= max;
    }
  }
  if (current > 0) lengths.push(current);
  return lengths;
}

/**
 * The PARAMS stream for `env` and its closing empty record, in one exactly-sized buffer.
 * Pairs are packed whole into records (php-fpm and uWSGI reject a pair split across records);
 * only a pair larger than a record must span several.
 */
export function encodeParams(requestId: number, env: Environ, options: PaddingOption = {}): Uint8Array {
  checkEnviron(env, "encodeParams");
  check(requestId, 1, 0xffff, "request id", "encodeParams", "requestId");
  return encodePairRecords(RecordType.PARAMS, requestId, env, padOption(options, "encodeParams"), true);
}

/** Bytes encodeParams would produce for `env` (the closing empty record included); validates as it goes. */
export function measureParams(env: Environ, options: PaddingOption = {}): number {
  checkEnviron(env, "measureParams");
  return planPairRecords(RecordType.PARAMS, env, padOption(options, "measureParams"), true).total;
}

/**
 * Writes the PARAMS stream for `env` and its closing empty record into `out` at `offset`;
 * returns the offset just past them. Throws ProtocolError (ENVIRON_BUFFER_TOO_SMALL) before
 * writing anything if they do not fit; a TypeError if `out` is not a Uint8Array or `offset`
 * not an integer from 0 to its length.
 */
export function encodeParamsInto(
  requestId: number,
  env: Environ,
  out: Uint8Array,
  offset: number,
  options: PaddingOption = {},
): number {
  checkEnviron(env, "encodeParamsInto");
  checkOutput(out, offset, "encodeParamsInto");
  check(requestId, 1, 0xffff, "request id", "encodeParamsInto", "requestId");
  const pad = padOption(options, "encodeParamsInto");
  const plan = planPairRecords(RecordType.PARAMS, env, pad, true);
  const w = new ByteWriter(out, offset, plan.total);
  writePairRecords(w, RecordType.PARAMS, requestId, env, plan, pad, true);
  return w.finish();
}

/** GET_VALUES: the web server asks for the values of `names` (FCGI_MAX_CONNS, ...). One record. */
export function encodeGetValues(names: Iterable<string>): Uint8Array {
  // (A string is iterable too: its characters are not the names meant.)
  checkObject(names, "encodeGetValues", "names");
  const env = new Environ();
  for (const name of names) {
    checkString(name, "encodeGetValues", "each of names");
    env.append(name, "");
  }
  return encodePairRecords(RecordType.GET_VALUES, 0, env, true, false);
}

/** GET_VALUES_RESULT: the application's answer, with only the names it knows. One record. */
export function encodeGetValuesResult(values: Environ | EnvironInit): Uint8Array {
  checkObject(values, "encodeGetValuesResult", "values");
  const env = values instanceof Environ ? values : new Environ(values);
  return encodePairRecords(RecordType.GET_VALUES_RESULT, 0, env, true, false);
}

function encodePairRecords(
  type: number,
  requestId: number,
  env: Environ,
  pad: boolean,
  stream: boolean,
): Uint8Array {
  const plan = planPairRecords(type, env, pad, stream);
  const w = ByteWriter.alloc(plan.total);
  writePairRecords(w, type, requestId, env, plan, pad, stream);
  w.finish();
  return w.bytes;
}

/** How the pairs of an Environ go into records: measured (and checked) once, then written. */
interface PairPlan {
  /** The length of the block the Environ was decoded from whole, when it goes as one copy; else -1. */
  readonly whole: number;
  /** Each pair's size, and each record's content length (when not whole). */
  readonly sizes: readonly number[];
  readonly lengths: readonly number[];
  /** Bytes in all, headers, padding and (for a stream) the closing empty record included. */
  readonly total: number;
}

const NONE: readonly number[] = [];

function planPairRecords(type: number, env: Environ, pad: boolean, stream: boolean): PairPlan {
  // Decoded whole from one block of pairs (see PairReader) that fits one record: that record,
  // a copy of the block, and the closing one; what the pair by pair path writes, byte for byte.
  const whole = stream ? sourceByteLength(env, PAIRS_LAYOUT) : -1;
  if (whole > 0 && whole <= maxContent(pad)) {
    const total = HEADER_SIZE + whole + (pad ? padding8(whole) : 0) + HEADER_SIZE;
    return { whole, sizes: NONE, lengths: NONE, total };
  }
  ownEntries(env);
  const sizes: number[] = [];
  let offset = 0;
  const n = env.size;
  for (let i = 0; i < n; i++) {
    const nameLength = nameByteLength(env, i);
    const valueLength = valueByteLength(env, i);
    if (nameLength > MAX_PAIR_LENGTH || valueLength > MAX_PAIR_LENGTH) {
      throw new ProtocolError(
        FcgiErrorCode.TooLong,
        `${quote(env.nameAt(i))} is over 2^31 - 1 bytes`,
        offset,
      );
    }
    sizes.push(pairSize(nameLength, valueLength));
    offset += sizes[i]!;
  }
  const lengths = planRecords(sizes, maxContent(pad));
  if (!stream && lengths.length > 1) {
    throw new ProtocolError(
      FcgiErrorCode.TooLong,
      `${type === 9 ? "GET_VALUES" : "the values"} must fit one record`,
      0,
    );
  }
  let total = stream ? HEADER_SIZE : 0;
  for (const length of lengths) total += HEADER_SIZE + length + (pad ? padding8(length) : 0);
  if (lengths.length === 0 && !stream) total = HEADER_SIZE;
  return { whole: -1, sizes, lengths, total };
}

function writePairRecords(
  w: ByteWriter,
  type: number,
  requestId: number,
  env: Environ,
  plan: PairPlan,
  pad: boolean,
  stream: boolean,
): void {
  if (plan.whole >= 0) {
    const padding = pad ? padding8(plan.whole) : 0;
    writeHeader(w, type, requestId, plan.whole, padding);
    writeSource(env, w);
    for (let k = 0; k < padding; k++) w.u8(0);
  } else {
    const records = new PlannedRecords(w, type, requestId, plan.lengths, pad);
    for (let i = 0; i < plan.sizes.length; i++) records.pair(env, i, plan.sizes[i]!);
    records.finish();
  }
  if (stream || plan.lengths.length === 0) writeHeader(w, type, requestId, 0, 0);
}

/** Writes pairs into records whose content lengths were planned ahead, headers and padding included. */
class PlannedRecords {
  readonly #w: ByteWriter;
  readonly #type: number;
  readonly #requestId: number;
  readonly #lengths: readonly number[];
  readonly #pad: boolean;
  #next = 0;
  /** Content bytes left in the current record; 0 before the first. */
  #left = 0;
  #padding = 0;

  constructor(w: ByteWriter, type: number, requestId: number, lengths: readonly number[], pad: boolean) {
    this.#w = w;
    this.#type = type;
    this.#requestId = requestId;
    this.#lengths = lengths;
    this.#pad = pad;
  }

  pair(env: Environ, i: number, size: number): void {
    if (this.#left === 0) this.#open();
    if (size <= this.#left) {
      const w = this.#w;
      writePairLength(w, nameByteLength(env, i));
      writePairLength(w, valueByteLength(env, i));
      writeNameAt(env, i, w);
      writeValueAt(env, i, w);
      this.#consume(size);
      return;
    }
    // A pair larger than what is left of its record: serialise it once, then spread it.
    const tmp = ByteWriter.alloc(size);
    writePairLength(tmp, nameByteLength(env, i));
    writePairLength(tmp, valueByteLength(env, i));
    writeNameAt(env, i, tmp);
    writeValueAt(env, i, tmp);
    for (let start = 0; start < size; ) {
      if (this.#left === 0) this.#open();
      const n = Math.min(this.#left, size - start);
      this.#w.copy(tmp.bytes, start, start + n);
      start += n;
      this.#consume(n);
    }
  }

  finish(): void {
    if (this.#next !== this.#lengths.length || this.#left !== 0)
      throw new Error("envwire bug: records miscounted");
  }

  #open(): void {
    const length = this.#lengths[this.#next++]!;
    this.#padding = this.#pad ? padding8(length) : 0;
    writeHeader(this.#w, this.#type, this.#requestId, length, this.#padding);
    this.#left = length;
  }

  #consume(n: number): void {
    this.#left -= n;
    if (this.#left === 0) for (let k = 0; k < this.#padding; k++) this.#w.u8(0);
  }
}
