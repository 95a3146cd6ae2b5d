/**
 * The SCGI header block: NUL-terminated names and values, alternating, the first one
 * CONTENT_LENGTH, one of them SCGI=1. Both directions live here.
 *
 * HeaderReader takes the block as it arrives, in pieces. An entry (name and value) that lies
 * inside one piece becomes views into it; an entry cut by a piece boundary is gathered (see
 * CutEntries) and copied once.
 */
import { Environ, ProtocolError } from "@envwire/environ";
import {
  appendEncoded,
  type ByteKernels,
  type ByteWriter,
  CutEntries,
  DECIMAL_OVERFLOW,
  indexOfByte,
  KERNEL_WINDOW,
  latin1Equals,
  nameByteLength,
  nameEquals,
  parseDecimal,
  quote,
  valueByteLength,
  writeNameAt,
  writeValueAt,
} from "@envwire/environ/codec";
import { CONTENT_LENGTH, SCGI, ScgiErrorCode } from "./constants.js";

const ONE = 0x31;

/** Up to this many bytes a NUL is looked for byte by byte; past them, with memchr. */
const NEAR = 32;

/** The first NUL of `buf[from, to)`, or -1 (for the encoder's checks: no view at hand). */
function nulIn(buf: Uint8Array, from: number, to: number): number {
  const at = indexOfByte(buf, 0, from);
  return at >= 0 && at < to ? at : -1;
}

export class HeaderReader {
  env: Environ = new Environ();
  /** CONTENT_LENGTH (-1 until the first entry gave it). */
  contentLength = -1;
  #entries = 0;
  #sawScgi = false;
  readonly #maxHeaders: number;
  readonly #maxBodySize: number;
  /** Where a block that lies whole in one chunk has its NULs listed (see #readWhole). */
  readonly #kernels: ByteKernels;
  /** The entries cut by a piece boundary, for this message; where the one in progress has its name's NUL (-1: not yet). */
  readonly #cut = new CutEntries();
  #cutNul = -1;
  /** Stream offset of the cut entry's first byte. */
  #cutOffset = 0;

  constructor(maxHeaders: number, maxBodySize: number, kernels: ByteKernels) {
    this.#maxHeaders = maxHeaders;
    this.#maxBodySize = maxBodySize;
    this.#kernels = kernels;
  }

  /** A new header block begins (or the decoder failed): nothing of the last one is kept. */
  reset(): void {
    if (this.#entries > 0) this.env = new Environ();
    this.contentLength = -1;
    this.#entries = 0;
    this.#sawScgi = false;
    this.#cut.release();
    this.#cutNul = -1;
  }

  /** The block's Environ, handed over: the reader keeps no view of the caller's chunks. */
  take(): Environ {
    const env = this.env;
    this.env = new Environ();
    this.#entries = 0;
    this.#cut.release();
    return env;
  }

  /**
   * The first NUL of `buf[from, to)`, or -1: byte by byte over the first few (most names and
   * values end there, and a plain loop beats both a call and four bytes at a time on them),
   * then memchr.
   */
  #nul(buf: Uint8Array, from: number, to: number): number {
    const near = Math.min(to, from + NEAR);
    let i = from;
    while (i < near && buf[i] !== 0) i++;
    if (i < near) return i;
    return i < to ? nulIn(buf, i, to) : -1;
  }

  /**
   * The next piece of the block, `buf[p, end)`; `base` is the stream offset of `buf[0]`.
   * Entries lying whole in it are added as views; one that runs on past `end` is gathered.
   */
  read(buf: Uint8Array, p: number, end: number, base: number): void {
    if (this.#cut.length > 0) {
      p = this.#continueCut(buf, p, end);
      if (this.#cut.length > 0) return;
    }
    if (p < end && buf[end - 1] === 0) p = this.#readWhole(buf, p, end, base);
    while (p < end) {
      const nameEnd = this.#nul(buf, p, end);
      if (nameEnd < 0) break;
      if (nameEnd === p) throw emptyName(base + p);
      const valueEnd = this.#nul(buf, nameEnd + 1, end);
      if (valueEnd < 0) break;
      this.#add(buf, p, nameEnd, valueEnd, base + p);
      p = valueEnd + 1;
    }
    if (p < end) this.#startCut(buf, p, end, base + p);
  }

  /**
   * The entries of `buf[p, end)`, which ends in a NUL: the path of a block that lies whole in
   * one chunk. The kernels list the NULs of a window of it (WebAssembly SIMD, or one plain
   * loop; see @envwire/environ/codec's byteKernels), and the entries are read off the list: no
   * call a NUL, one call site of #add (so that the engine inlines it). The next window starts
   * at the first entry not yet whole, so none is carried across; one longer than a window,
   * and a name with no value at the end, are left to the general path, which reports them at
   * their place.
   */
  #readWhole(buf: Uint8Array, p: number, end: number, base: number): number {
    const kernels = this.#kernels;
    const nuls = kernels.offsets;
    for (;;) {
      const start = p;
      const to = Math.min(end, p + KERNEL_WINDOW);
      const count = kernels.listNuls(buf, p, to);
      for (let k = 0; k + 1 < count; k += 2) {
        const nameEnd = nuls[k]!;
        if (nameEnd === p) throw emptyName(base + p);
        const valueEnd = nuls[k + 1]!;
        this.#add(buf, p, nameEnd, valueEnd, base + p);
        p = valueEnd + 1;
      }
      if (to === end || p === start) return p;
    }
  }

  /** The block ended at stream offset `offset`: no entry may be left unfinished, and SCGI must have come. */
  finish(offset: number): void {
    if (this.#cut.length > 0) {
      throw this.#cutNul < 0
        ? new ProtocolError(ScgiErrorCode.MissingNul, "the header block ends inside a name", offset)
        : this.#cutNul === this.#cut.end - 1
          ? new ProtocolError(
              ScgiErrorCode.OddStrings,
              "the header block ends after a name, with no value",
              offset,
            )
          : new ProtocolError(ScgiErrorCode.MissingNul, "the header block ends inside a value", offset);
    }
    if (this.#entries === 0) throw notFirst(offset);
    if (!this.#sawScgi) throw new ProtocolError(ScgiErrorCode.MissingScgi, "no SCGI header", offset);
  }

  /** Gathers the first bytes of an entry that `buf[p, end)` cuts short (at most its name's NUL). */
  #startCut(buf: Uint8Array, p: number, end: number, offset: number): void {
    const cut = this.#cut;
    this.#cutOffset = offset;
    cut.append(buf, p, end);
    this.#cutNul = nulIn(cut.bytes, cut.start, cut.end);
  }

  /**
   * More of the cut entry, from `buf[p, end)`; returns where it stopped: the entry's end, or
   * `end`. (#cutNul is found from the entry's start as it lies now: the gathered bytes move
   * when their buffer grows.)
   */
  #continueCut(buf: Uint8Array, p: number, end: number): number {
    const cut = this.#cut;
    let nameLength = this.#cutNul < 0 ? -1 : this.#cutNul - cut.start;
    if (nameLength < 0) {
      // (The name is not empty: at least one byte of it came before.)
      const nameEnd = this.#nul(buf, p, end);
      if (nameEnd < 0) {
        cut.append(buf, p, end);
        return end;
      }
      cut.append(buf, p, nameEnd + 1);
      nameLength = cut.length - 1;
      p = nameEnd + 1;
    }
    const valueEnd = this.#nul(buf, p, end);
    cut.append(buf, p, valueEnd < 0 ? end : valueEnd + 1);
    this.#cutNul = cut.start + nameLength;
    if (valueEnd < 0) return end;
    this.#add(cut.bytes, cut.start, this.#cutNul, cut.end - 1, this.#cutOffset);
    cut.close();
    this.#cutNul = -1;
    return valueEnd + 1;
  }

  /**
   * The entry whose name is `buf[start, nameEnd)` and value `buf[nameEnd + 1, valueEnd)`;
   * `offset` is the stream offset of its first byte.
   */
  #add(buf: Uint8Array, start: number, nameEnd: number, valueEnd: number, offset: number): void {
    const valueStart = nameEnd + 1;
    const nameLength = nameEnd - start;
    const isContentLength = nameLength === 14 && latin1Equals(buf, start, nameEnd, CONTENT_LENGTH);
    if (this.#entries === this.#maxHeaders) {
      throw new ProtocolError(ScgiErrorCode.TooManyHeaders, `more than ${this.#maxHeaders} headers`, offset);
    }
    if (this.#entries++ === 0 && !isContentLength) throw notFirst(offset);
    if (isContentLength) this.#contentLength(buf, valueStart, valueEnd, offset + nameLength + 1);
    else if (nameLength === 4 && latin1Equals(buf, start, nameEnd, SCGI)) {
      if (valueEnd - valueStart !== 1 || buf[valueStart] !== ONE)
        throw new ProtocolError(ScgiErrorCode.BadVersion, 'the SCGI header must be "1"', offset + 5);
      this.#sawScgi = true;
    }
    appendEncoded(this.env, buf, start, nameEnd, valueStart, valueEnd);
  }

  #contentLength(buf: Uint8Array, start: number, end: number, offset: number): void {
    const n = parseDecimal(buf, start, end);
    if (n < 0) {
      throw new ProtocolError(
        ScgiErrorCode.BadContentLength,
        n === DECIMAL_OVERFLOW ? "CONTENT_LENGTH is beyond 2^53 - 1" : "CONTENT_LENGTH is not decimal digits",
        offset,
      );
    }
    if (this.contentLength >= 0 && n !== this.contentLength) {
      throw new ProtocolError(
        ScgiErrorCode.ConflictingContentLength,
        `CONTENT_LENGTH given twice, as ${this.contentLength} and ${n}`,
        offset,
      );
    }
    if (n > this.#maxBodySize) {
      throw new ProtocolError(
        ScgiErrorCode.BodyTooLarge,
        `CONTENT_LENGTH ${n} is over the limit of ${this.#maxBodySize}`,
        offset,
      );
    }
    this.contentLength = n;
  }
}

function emptyName(offset: number): ProtocolError {
  return new ProtocolError(ScgiErrorCode.EmptyName, "a header name is empty", offset);
}

function notFirst(offset: number): ProtocolError {
  return new ProtocolError(
    ScgiErrorCode.ContentLengthNotFirst,
    "the first header must be CONTENT_LENGTH",
    offset,
  );
}

/** What an Environ comes to as a header block: its size, and where CONTENT_LENGTH and SCGI stand. */
export interface BlockPlan {
  /** Bytes of the block (the netstring's length). */
  size: number;
  /** CONTENT_LENGTH's value as the block will carry it (digits). */
  contentLength: string;
  /** Whether an SCGI=1 entry must be added (after CONTENT_LENGTH). */
  addScgi: boolean;
}

/**
 * Measures `env` as a header block: CONTENT_LENGTH first (its entries agreeing; "0" when there
 * is none or it is empty), every other entry in order, SCGI=1 added second unless present.
 * Throws ProtocolError for an empty name, a CONTENT_LENGTH that is not digits or disagrees
 * with another, or an SCGI whose value is not "1".
 */
export function planBlock(env: Environ): BlockPlan {
  let size = 0;
  let contentLength = "";
  let hasScgi = false;
  const n = env.size;
  for (let i = 0; i < n; i++) {
    const nameLength = nameByteLength(env, i);
    if (nameLength === 0) throw new ProtocolError(ScgiErrorCode.EmptyName, "a header name is empty", -1);
    if (nameEquals(env, i, CONTENT_LENGTH)) {
      const value = env.valueAt(i);
      if (value !== "" && !/^[0-9]+$/.test(value)) {
        throw new ProtocolError(
          ScgiErrorCode.BadContentLength,
          `CONTENT_LENGTH ${quote(value)} is not digits`,
          -1,
        );
      }
      if (contentLength !== "" && value !== "" && Number(value) !== Number(contentLength)) {
        throw new ProtocolError(
          ScgiErrorCode.ConflictingContentLength,
          `CONTENT_LENGTH given twice, as ${quote(contentLength)} and ${quote(value)}`,
          -1,
        );
      }
      if (value !== "") contentLength = value;
      continue;
    }
    if (nameEquals(env, i, SCGI)) {
      if (env.valueAt(i) !== "1")
        throw new ProtocolError(ScgiErrorCode.BadVersion, 'the SCGI header must be "1"', -1);
      hasScgi = true;
    }
    size += nameLength + valueByteLength(env, i) + 2;
  }
  if (contentLength === "") contentLength = "0";
  size += CONTENT_LENGTH.length + contentLength.length + 2;
  if (!hasScgi) size += SCGI.length + 3;
  return { size, contentLength, addScgi: !hasScgi };
}

/**
 * Writes `env`'s block as `plan` measured it. Throws ProtocolError for a name or value that
 * holds a NUL (found as it is written: the writer's bytes from `start` may then be partial).
 */
export function writeBlock(env: Environ, plan: BlockPlan, w: ByteWriter): void {
  w.latin1(CONTENT_LENGTH);
  w.u8(0);
  w.latin1(plan.contentLength);
  w.u8(0);
  if (plan.addScgi) {
    w.latin1(SCGI);
    w.u8(0);
    w.u8(ONE);
    w.u8(0);
  }
  const out = w.bytes;
  const n = env.size;
  for (let i = 0; i < n; i++) {
    if (nameEquals(env, i, CONTENT_LENGTH)) continue;
    const start = w.pos;
    writeNameAt(env, i, w);
    const nameEnd = w.pos;
    w.u8(0);
    writeValueAt(env, i, w);
    const valueEnd = w.pos;
    w.u8(0);
    let nul = nulIn(out, start, nameEnd);
    if (nul < 0) nul = nulIn(out, nameEnd + 1, valueEnd);
    if (nul >= 0) {
      throw new ProtocolError(
        ScgiErrorCode.NulInVar,
        `${quote(env.nameAt(i))}: an SCGI name or value cannot hold a NUL`,
        nul,
      );
    }
  }
}
