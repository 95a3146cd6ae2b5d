/**
 * The chunked transfer coding (RFC 9112 §7.1), as the body of a message: size lines, data,
 * CR LF after each chunk, up to the last chunk's size line (the trailer section that follows
 * is a head of fields, read by the decoder's HeadReader).
 *
 *   chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val = token / quoted-string
 *
 * Same contract as HeadReader: `read` takes what it can from `chunk[p..]` and returns where
 * it stopped, byte by byte through one switch, so any split gives the same result at O(n).
 * Extensions are parsed to the grammar and skipped, within maxChunkExtensionLength: never
 * trusted for framing. Data is handed on as views of the caller's chunk.
 */
import { ProtocolError } from "@envwire/environ";
import { TOKEN as TOKEN_CLASS } from "@envwire/environ/codec";
import { CR, HttpErrorCode, LF } from "./constants.js";

const HTAB = 0x09;
const SP = 0x20;
const DQUOTE = 0x22;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
/** 16^13 = 2^52: a size of more hex digits cannot be exact (leading zeros count too). */
const MAX_SIZE_DIGITS = 13;

const TOKEN = TOKEN_CLASS.slice();

/** Where in a chunk the reader is. */
const At = {
  /** In the size's hex digits. */
  Size: 0,
  /** Whitespace after the size: only a ";" may follow. */
  SizeBws: 1,
  /** After ";" (and whitespace): an extension's name must come. */
  NameStart: 2,
  Name: 3,
  /** Whitespace after a name: "=" or ";" must follow. */
  NameBws: 4,
  /** After "=" (and whitespace): a token or a quoted-string must come. */
  ValueStart: 5,
  Token: 6,
  Quoted: 7,
  /** After a backslash in a quoted-string. */
  QuotedPair: 8,
  /** Just after a value's closing quote. */
  QuotedEnd: 9,
  /** Whitespace after a value: ";" must follow. */
  ValueBws: 10,
  /** After the size line's CR. */
  SizeLf: 11,
  Data: 12,
  /** After a chunk's data: CR LF. */
  DataCr: 13,
  DataLf: 14,
} as const;
type At = (typeof At)[keyof typeof At];

export interface ChunkedLimits {
  maxChunkExtensionLength: number;
  /** Body bytes, all chunks together. */
  maxBodySize: number;
  allowBareLf: boolean;
}

export class ChunkedReader {
  readonly #limits: ChunkedLimits;
  /**
   * Body bytes `chunk[start, end)`, a piece of a chunk's data; returns true to have read()
   * stop right after it (the decoder was paused).
   */
  readonly #onData: (chunk: Uint8Array, start: number, end: number) => boolean;
  #at: At = At.Size;
  #size = 0;
  #digits = 0;
  #extensionLength = 0;
  /** Data bytes left in the current chunk, and body bytes so far. */
  #left = 0;
  #total = 0;
  /** True once the last chunk's size line has been read: the trailer section comes next. */
  done = false;

  constructor(limits: ChunkedLimits, onData: (chunk: Uint8Array, start: number, end: number) => boolean) {
    this.#limits = limits;
    this.#onData = onData;
  }

  /** A new chunked body begins. */
  reset(): void {
    this.#at = At.Size;
    this.#size = 0;
    this.#digits = 0;
    this.#total = 0;
    this.done = false;
  }

  /**
   * Reads from `chunk[p]` (`base`: the stream offset of `chunk[0]`) until the chunk ends, the
   * last chunk's size line does (then `done`), or onData asks it to stop; returns where it
   * stopped.
   */
  read(chunk: Uint8Array, p: number, base: number): number {
    const fail = (code: string, why: string, at: number) => new ProtocolError(code, why, base + at);
    const bad = (why: string, at: number) => fail(HttpErrorCode.BadChunk, why, at);
    while (p < chunk.length) {
      const b = chunk[p]!;
      const at = this.#at;
      if (at === At.Data) {
        const take = Math.min(this.#left, chunk.length - p);
        this.#left -= take;
        const stop = this.#onData(chunk, p, p + take);
        p += take;
        if (this.#left === 0) this.#at = At.DataCr;
        if (stop) return p;
        continue;
      }
      if (at >= At.SizeBws && at <= At.ValueBws && b !== CR && b !== LF) this.#extensionByte(base + p);
      switch (at) {
        case At.Size: {
          const digit = hexDigit(b);
          if (digit >= 0) {
            if (++this.#digits > MAX_SIZE_DIGITS)
              throw fail(HttpErrorCode.ChunkSizeOverflow, "the chunk size is too large", p);
            this.#size = this.#size * 16 + digit;
            break;
          }
          if (this.#digits === 0) throw bad("a chunk starts with its size in hex", p);
          if (b === SEMICOLON || b === SP || b === HTAB) {
            this.#extensionLength = 0;
            this.#extensionByte(base + p);
            this.#at = b === SEMICOLON ? At.NameStart : At.SizeBws;
          } else this.#lineEnd(b, base + p);
          break;
        }
        case At.SizeBws:
          if (b === SEMICOLON) this.#at = At.NameStart;
          else if (b !== SP && b !== HTAB) throw bad("only a chunk extension may follow a chunk size", p);
          break;
        case At.NameStart:
          if (TOKEN[b] === 1) this.#at = At.Name;
          else if (b !== SP && b !== HTAB) throw bad("a chunk extension needs a name (a token)", p);
          break;
        case At.Name:
          if (TOKEN[b] === 1) break;
          if (b === EQUALS) this.#at = At.ValueStart;
          else if (b === SEMICOLON) this.#at = At.NameStart;
          else if (b === SP || b === HTAB) this.#at = At.NameBws;
          else this.#lineEnd(b, base + p);
          break;
        case At.NameBws:
          if (b === EQUALS) this.#at = At.ValueStart;
          else if (b === SEMICOLON) this.#at = At.NameStart;
          else if (b !== SP && b !== HTAB) throw bad("a chunk extension's name is followed by = or ;", p);
          break;
        case At.ValueStart:
          if (TOKEN[b] === 1) this.#at = At.Token;
          else if (b === DQUOTE) this.#at = At.Quoted;
          else if (b !== SP && b !== HTAB)
            throw bad("a chunk extension's value is a token or a quoted-string", p);
          break;
        case At.Token:
          if (TOKEN[b] === 1) break;
          if (b === SEMICOLON) this.#at = At.NameStart;
          else if (b === SP || b === HTAB) this.#at = At.ValueBws;
          else this.#lineEnd(b, base + p);
          break;
        case At.Quoted:
          // qdtext: HTAB, SP, visible ASCII but " and \, obs-text.
          if (b === DQUOTE) this.#at = At.QuotedEnd;
          else if (b === BACKSLASH) this.#at = At.QuotedPair;
          else if (isControl(b)) throw bad("a quoted chunk extension value is not closed", p);
          break;
        case At.QuotedPair:
          if (isControl(b)) throw bad("a backslash in a quoted-string escapes a visible byte", p);
          this.#at = At.Quoted;
          break;
        case At.QuotedEnd:
          if (b === SEMICOLON) this.#at = At.NameStart;
          else if (b === SP || b === HTAB) this.#at = At.ValueBws;
          else this.#lineEnd(b, base + p);
          break;
        case At.ValueBws:
          if (b === SEMICOLON) this.#at = At.NameStart;
          else if (b !== SP && b !== HTAB)
            throw bad("a chunk extension's value is followed by ; or CR LF", p);
          break;
        case At.SizeLf:
          if (b !== LF) throw fail(HttpErrorCode.BareCr, "a CR not followed by LF", p - 1);
          this.#sizeLineDone(base + p + 1);
          break;
        case At.DataCr:
          if (b === CR) this.#at = At.DataLf;
          else if (b === LF && this.#limits.allowBareLf) this.#at = At.Size;
          else
            throw fail(
              b === LF ? HttpErrorCode.BareLf : HttpErrorCode.BadChunk,
              "chunk data must end with CR LF",
              p,
            );
          break;
        case At.DataLf:
          if (b !== LF) throw fail(HttpErrorCode.BareCr, "a CR not followed by LF", p - 1);
          this.#at = At.Size;
          break;
      }
      p++;
      if (this.done) return p;
    }
    return p;
  }

  /** One more byte of extension, at stream offset `offset`: within the limit, or the limit's error. */
  #extensionByte(offset: number): void {
    if (++this.#extensionLength > this.#limits.maxChunkExtensionLength)
      throw new ProtocolError(
        HttpErrorCode.ChunkExtensionTooLong,
        "the chunk extension is over its limit",
        offset,
      );
  }

  /**
   * The size line may end at byte `b` (one no part of it may hold), at stream offset `offset`:
   * CR, or LF where bare LF is allowed; anything else is an error.
   */
  #lineEnd(b: number, offset: number): void {
    if (b === CR) this.#at = At.SizeLf;
    else if (b === LF && this.#limits.allowBareLf) this.#sizeLineDone(offset + 1);
    else
      throw new ProtocolError(
        b === LF ? HttpErrorCode.BareLf : HttpErrorCode.BadChunk,
        "a chunk size line is hex digits, extensions, CR LF",
        offset,
      );
  }

  /** The size line ended just before stream offset `offset`: data follows, or for size 0 the trailer section. */
  #sizeLineDone(offset: number): void {
    const size = this.#size;
    this.#size = 0;
    this.#digits = 0;
    if (size === 0) {
      this.done = true;
      return;
    }
    if (this.#total + size > this.#limits.maxBodySize) {
      throw new ProtocolError(HttpErrorCode.BodyTooLarge, "the body is over maxBodySize", offset);
    }
    this.#total += size;
    this.#left = size;
    this.#at = At.Data;
  }
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** Bytes a quoted-string may not hold: controls other than HTAB, and DEL. */
function isControl(b: number): boolean {
  return (b < 0x20 && b !== HTAB) || b === 0x7f;
}
