/**
 * The CGI response (RFC 3875 §6) that FastCGI carries in STDOUT and SCGI sends back as is:
 * header fields, a blank line, then the body. `Status: 404 Not Found` sets the status;
 * `Location` makes a redirect (a path: RFC 3875's local redirect, which a server may fetch
 * itself; an absolute URI: the client is sent there), 302 unless Status says otherwise, as
 * nginx and Apache answer one: a gateway that passes the answer on sends the client there.
 *
 * CgiResponseDecoder is sans-IO like every envwire decoder. The head is read line by line:
 * a complete line is parsed where it lies, and only a line cut by a chunk boundary is
 * gathered, so any split costs O(n). Lines end in LF or CR LF (scripts write both); a bare
 * CR, obs-fold, whitespace before the colon or a control byte in a value is an error.
 * Header values become strings (they are few and short); the body is handed on as views.
 */
import { checkChunk, checkHandler, checkNumber, checkObject, checkString } from "./arguments.js";
import { ProtocolError, quote } from "./errors.js";
import { type FieldsInit, fieldLines } from "./fields.js";
import { latin1Decode, latin1Encode } from "./latin1.js";
import { DecoderLifecycle } from "./lifecycle.js";
import { badFieldValueIndex, FIELD_VALUE, TOKEN } from "./token.js";

export const CgiErrorCode = {
  /** The stream ended before the blank line that closes the head. */
  TruncatedHead: "CGI_TRUNCATED_HEAD",
  /** The head is over maxHeadSize bytes, or has over maxHeaders fields. */
  HeadTooLarge: "CGI_HEAD_TOO_LARGE",
  /** A header line is not `name: value` with a token name and a clean value. */
  BadHeader: "CGI_BAD_HEADER",
  /** The head has no header field at all: RFC 3875 requires at least one. */
  EmptyHead: "CGI_EMPTY_HEAD",
  /** Status is not three digits and an optional reason, or is given twice. */
  BadStatus: "CGI_BAD_STATUS",
  /** push() or end() after end(). */
  Ended: "CGI_ENDED",
} as const;

export interface CgiResponseHead {
  /** From Status; else 302 when there is a Location; else 200. */
  status: number;
  /** Status's reason phrase, or "" when it has none or there is no Status. */
  reason: string;
  /** Every field but Status, in order, duplicates kept, names as sent. */
  headers: [name: string, value: string][];
  /** The Location field's value, if any. */
  location: string | undefined;
  /** "local" for a Location that is a path, "client" for an absolute URI. */
  redirect: "local" | "client" | undefined;
}

export interface CgiResponseHandler {
  onHead(head: CgiResponseHead): void;
  /** A piece of the body: a view into the pushed chunk. */
  onBody?(chunk: Uint8Array): void;
  onEnd?(): void;
}

export interface CgiResponseDecoderOptions {
  /** Largest head in bytes, blank line included. Default 65536. */
  maxHeadSize?: number;
  /** Most header fields. Default 256. */
  maxHeaders?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const NO_BYTES = new Uint8Array(0);

export class CgiResponseDecoder {
  readonly #handler: CgiResponseHandler;
  readonly #maxHeadSize: number;
  readonly #maxHeaders: number;
  #inHead = true;
  readonly #life = new DecoderLifecycle(CgiErrorCode.Ended);
  /** Stream offset of the current chunk's first byte. */
  #base = 0;
  /** What offset says (see there). */
  #taken = 0;
  /** A header line cut by a chunk boundary. */
  #line = NO_BYTES;
  #lineLength = 0;
  #headers: [string, string][] = [];
  #status = -1;
  #reason = "";

  constructor(handler: CgiResponseHandler, options: CgiResponseDecoderOptions = {}) {
    checkHandler(handler, "new CgiResponseDecoder");
    this.#handler = handler;
    this.#maxHeadSize = options.maxHeadSize ?? 65536;
    this.#maxHeaders = options.maxHeaders ?? 256;
  }

  /**
   * Bytes taken so far; inside a callback, the stream offset just past the bytes that made
   * the event (the head's empty line, the body piece).
   */
  get offset(): number {
    return this.#taken;
  }

  push(chunk: Uint8Array): void {
    checkChunk(chunk, "CgiResponseDecoder.push");
    this.#life.check(this.#base);
    try {
      let p = 0;
      if (this.#inHead) p = this.#readHead(chunk);
      if (!this.#inHead && p < chunk.length) {
        this.#taken = this.#base + chunk.length;
        this.#handler.onBody?.(p === 0 ? chunk : chunk.subarray(p));
      }
      this.#base += chunk.length;
      this.#taken = this.#base;
    } catch (e) {
      this.#taken = this.#base;
      this.#release();
      this.#life.fail(e);
    }
  }

  /** Lets go of the line buffer and the fields gathered: the head is over, or failed. */
  #release(): void {
    this.#line = NO_BYTES;
    this.#lineLength = 0;
    this.#headers = [];
  }

  /** The stream ended. Throws ProtocolError if the head never completed. */
  end(): void {
    this.#life.check(this.#base);
    this.#life.end();
    if (this.#inHead) {
      this.#life.fail(
        new ProtocolError(CgiErrorCode.TruncatedHead, "the stream ended inside the head", this.#base),
      );
    }
    this.#handler.onEnd?.();
  }

  /** Consumes head lines from `chunk`; returns where the body starts (or chunk.length). */
  #readHead(chunk: Uint8Array): number {
    let p = 0;
    while (this.#inHead) {
      const lf = chunk.indexOf(LF, p);
      const lineEnd = lf < 0 ? chunk.length : lf;
      if (this.#base + lineEnd + 1 > this.#maxHeadSize) {
        throw new ProtocolError(
          CgiErrorCode.HeadTooLarge,
          `the head is over ${this.#maxHeadSize} bytes`,
          this.#maxHeadSize,
        );
      }
      if (lf < 0) {
        this.#gather(chunk, p, chunk.length);
        return chunk.length;
      }
      this.#taken = this.#base + lf + 1; // (the line's end, for onHead)
      if (this.#lineLength > 0) {
        this.#gather(chunk, p, lf);
        this.#parseLine(this.#line, 0, this.#lineLength, this.#base + p - this.#lineLength + (lf - p));
        this.#lineLength = 0;
      } else {
        this.#parseLine(chunk, p, lf, this.#base + p);
      }
      p = lf + 1;
    }
    return p;
  }

  #gather(chunk: Uint8Array, start: number, end: number): void {
    const need = this.#lineLength + end - start;
    if (need > this.#line.length) {
      const grown = new Uint8Array(Math.max(need, this.#line.length * 2, 64));
      grown.set(this.#line.subarray(0, this.#lineLength));
      this.#line = grown;
    }
    this.#line.set(chunk.subarray(start, end), this.#lineLength);
    this.#lineLength = need;
  }

  /** Parses the line `buf[start, end)` (LF excluded); `offset` is the stream offset of its first byte. */
  #parseLine(buf: Uint8Array, start: number, end: number, offset: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) {
      this.#finishHead(offset);
      return;
    }
    const bad = (why: string, at: number) =>
      new ProtocolError(CgiErrorCode.BadHeader, why, offset + at - start);
    if (this.#headers.length + (this.#status >= 0 ? 1 : 0) >= this.#maxHeaders) {
      throw new ProtocolError(
        CgiErrorCode.HeadTooLarge,
        `more than ${this.#maxHeaders} header fields`,
        offset,
      );
    }
    let colon = start;
    while (colon < end && TOKEN[buf[colon]!] === 1) colon++;
    if (colon === start) throw bad("a header line must start with a field name", start);
    if (colon === end || buf[colon] !== COLON)
      throw bad("a field name must be a token followed by ':'", colon);
    let valueStart = colon + 1;
    let valueEnd = end;
    while (valueStart < valueEnd && (buf[valueStart] === 0x20 || buf[valueStart] === 0x09)) valueStart++;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === 0x20 || buf[valueEnd - 1] === 0x09)) valueEnd--;
    for (let i = valueStart; i < valueEnd; i++) {
      if (FIELD_VALUE[buf[i]!] !== 1)
        throw bad(`byte 0x${buf[i]!.toString(16)} is not allowed in a field value`, i);
    }
    const name = latin1Decode(buf, start, colon);
    const value = latin1Decode(buf, valueStart, valueEnd);
    if (name.length === 6 && name.toLowerCase() === "status") this.#setStatus(value, offset);
    else this.#headers.push([name, value]);
  }

  #setStatus(value: string, offset: number): void {
    const m = /^([0-9]{3})(?: (.*))?$/.exec(value);
    if (this.#status >= 0 || m === null) {
      throw new ProtocolError(
        CgiErrorCode.BadStatus,
        this.#status >= 0 ? "Status given twice" : `Status ${quote(value)} is not "NNN reason"`,
        offset,
      );
    }
    this.#status = Number(m[1]);
    this.#reason = m[2] ?? "";
  }

  #finishHead(offset: number): void {
    if (this.#headers.length === 0 && this.#status < 0) {
      throw new ProtocolError(
        CgiErrorCode.EmptyHead,
        "a CGI response needs at least one header field",
        offset,
      );
    }
    let location: string | undefined;
    for (const [name, value] of this.#headers)
      if (name.length === 8 && name.toLowerCase() === "location") location = value;
    const redirect = location === undefined ? undefined : location.startsWith("/") ? "local" : "client";
    const status = this.#status >= 0 ? this.#status : redirect === undefined ? 200 : 302;
    this.#inHead = false;
    const headers = this.#headers;
    this.#release(); // (what the head needs is handed over; the rest is not kept for the body)
    this.#handler.onHead({ status, reason: this.#reason, headers, location, redirect });
  }
}

export interface CgiResponseHeadInit {
  /** Written as a Status line when given. */
  status?: number;
  reason?: string;
  /** [name, value] pairs, or a plain object of name → value (an array of values repeats the field). */
  headers?: FieldsInit;
}

/**
 * Encodes a CGI response head: `Status: NNN reason` (when a status is given), the fields,
 * and the blank line, with CR LF line ends. Throws ProtocolError for a name that is not a
 * token, a value with CR, LF, NUL or another control byte, or a status that is not 100-999;
 * a TypeError for an argument of the wrong type (see FieldsInit for the headers).
 */
export function encodeCgiResponseHead(init: CgiResponseHeadInit): Uint8Array {
  const where = "encodeCgiResponseHead";
  checkObject(init, where, "init");
  let text = "";
  if (init.status !== undefined) {
    checkNumber(init.status, where, "status");
    const reason = init.reason ?? "";
    checkString(reason, where, "reason");
    if (
      !(Number.isInteger(init.status) && init.status >= 100 && init.status <= 999) ||
      badFieldValueIndex(reason) >= 0
    ) {
      throw new ProtocolError(
        CgiErrorCode.BadStatus,
        `status ${quote(String(init.status))} ${quote(String(reason))} cannot be sent`,
        0,
      );
    }
    text = reason === "" ? `Status: ${init.status}\r\n` : `Status: ${init.status} ${reason}\r\n`;
  }
  text += fieldLines(init.headers, where, "headers", CgiErrorCode.BadHeader, text.length);
  return latin1Encode(`${text}\r\n`);
}
