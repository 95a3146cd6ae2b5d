/**
 * Reads a message head (start line, field lines, empty line) in one pass over its bytes,
 * validating as it goes (RFC 9112 §2-5, RFC 9110 §5). Each byte is looked at once: field
 * names are hashed four bytes at a time and looked up in the name table (a name it knows is
 * a valid token; others are checked byte by byte), and field values of more than a few
 * bytes are checked four bytes at a time. Where the realm runs the WebAssembly byte kernels,
 * they read a plain request or status line and the plain field lines first, 16 bytes a step,
 * and this loop the rest (#kernelRequestLine, #kernelStatusLine, #fields).
 *
 * The scanner always reads to the end of the buffer it is given. It returns where the head
 * ends, or -1 when the buffer ends first and nothing before was wrong. The first wrong byte
 * is reported, at its stream offset, whatever else follows; a byte past a size limit reports
 * the limit instead, so the outcome never depends on how much of the stream is in hand
 * (HeadReader gathers at most the limit).
 */
import { latin1Decode, latin1Encode, ProtocolError } from "@envwire/environ";
import {
  type ByteKernels,
  FIELD_VALUE as FIELD_VALUE_CLASS,
  quote,
  TOKEN as TOKEN_CLASS,
} from "@envwire/environ/codec";
import { CR, HttpErrorCode, LF } from "./constants.js";
import {
  type FieldName,
  KERNEL_NAME_ENTRIES,
  KERNEL_NAMES,
  NAME_HASH_PRIME,
  NAME_HASH_SEED,
  type NameTable,
} from "./field-names.js";
import { NameTraits } from "./header-fields.js";

/**
 * What the scanner reads past the end of the buffer: a number no byte is, rather than the
 * `undefined` that reading there gives. Reading past a typed array's end sends the engine's
 * optimized code back (a deopt), and then `undefined` flows where a byte does: the scan of
 * every later head ran at half speed once any head had arrived cut (bench: after the mix).
 */
const NONE = 256;

/** `buf[i]`, or NONE past its end. */
function byteAt(buf: Uint8Array, i: number): number {
  return i < buf.length ? buf[i]! : NONE;
}

/** A byte class with room for NONE, which is in no class. */
function withNone(table: Uint8Array): Uint8Array {
  const out = new Uint8Array(NONE + 1);
  out.set(table.subarray(0, NONE));
  return out;
}

// Read for every byte of a head: module-local copies, as V8's optimized code checks an
// imported binding on each read (bench: a fifth of the scan time).
const TOKEN = withNone(TOKEN_CLASS);
const FIELD_VALUE = withNone(FIELD_VALUE_CLASS);
const HASH_SEED = NAME_HASH_SEED;
const HASH_PRIME = NAME_HASH_PRIME;

const NO_VIEW = new DataView(new ArrayBuffer(0));
const HTAB = 0x09;
const SP = 0x20;
const COLON = 0x3a;
const QUESTION = 0x3f;
const PERCENT = 0x25;
const HASH = 0x23;
/** Target bytes (visible ASCII) that need no note: not "?" (the query's start) nor "%" (an escape). */
/** "HTTP/", the start of every status line. */
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f];
const TARGET_PLAIN = new Uint8Array(NONE + 1);
for (let c = 0x21; c < 0x7f; c++) TARGET_PLAIN[c] = c === QUESTION || c === PERCENT || c === HASH ? 0 : 1;
/** The same, and bytes 0x80-0xFF as they are (allowRawTargetBytes: what nginx passes on). */
const TARGET_PLAIN_RAW = TARGET_PLAIN.map((plain, c) => (c >= 0x80 && c < NONE ? 1 : plain));
/** The fewest bytes a whole start line the kernels read takes: "A / HTTP/1.1\r\n", "HTTP/1.1 200\r\n". */
const SHORTEST_START_LINE = 14;
/** Empty lines skipped before a start line, at most: robustness, not an open door. */
const MAX_LEADING_EMPTY_LINES = 8;
/** Values at least about this long are checked four bytes at a time. */
const WORDWISE = 8;
/** How a line may end at a given byte: properly, not yet known (buffer ends), or not at all. */
const END = 1;
const MORE = 0;
const NOT_END = -1;

export type HttpVersion = "HTTP/1.0" | "HTTP/1.1";
export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

/** What a scanner reads: a request head, a response head, or a trailer section. */
export const Section = { Request: 0, Response: 1, Trailers: 2 } as const;

/**
 * An empty array already of the engine's element kind for objects. A `[]` starts as one for
 * small integers and changes at its first object, so code optimized on one decoder's array
 * would be thrown away at the next decoder's fresh one (every new connection).
 */
export function emptyObjectArray<T>(): T[] {
  const array = [undefined as T];
  array.pop();
  return array;
}

export interface ScanLimits {
  /** What is read (see Section). */
  section: number;
  /** Largest head, in bytes, and the error for one larger. */
  maxSize: number;
  tooLarge: { code: string; what: string };
  maxStartLineLength: number;
  maxFields: number;
  allowBareLf: boolean;
  allowRawTargetBytes: boolean;
  /** The decoder's names (see NameTable): the well-known ones and those its peer taught it. */
  names: NameTable;
  /** The byte kernels that read plain start lines and field lines first (see ByteKernels). */
  kernels: ByteKernels;
}

export class HeadScanner {
  readonly #limits: ScanLimits;
  /** Stream offset of buf[0], for errors. */
  #origin = 0;
  /** Where the size limit falls (buffer coordinates), and the start line's while reading it. */
  #limit = 0;
  #lineLimit = Number.POSITIVE_INFINITY;
  /** A DataView of the buffer being scanned, for reading four bytes at a time. */
  #view: DataView = NO_VIEW;
  #viewOf: Uint8Array | undefined;

  // The last head read. Fields: spans (nameStart, nameEnd, valueStart, valueEnd) and names.
  fieldCount = 0;
  spans: number[] = [];
  names: FieldName[] = emptyObjectArray();
  /** The FieldKinds of all its fields, or-ed; and those of fields whose kind came before. */
  kinds = 0;
  repeatedKinds = 0;
  /** What it noted of the names as a whole (NameTraits). */
  nameTraits = 0;
  /** Where the empty line that ends it starts. */
  emptyLineAt = 0;
  #missesBefore = 0;
  // Request line.
  methodStart = 0;
  methodEnd = 0;
  targetStart = 0;
  targetEnd = 0;
  targetForm: TargetForm = "origin";
  /** Just past the target's first "?", or -1; whether a "%" comes before it (or the end). */
  queryStart = -1;
  /** Where the target's first "#" is (a fragment: no part of the path or query); -1 when it has none. */
  fragmentStart = -1;
  escapedPath = false;
  version: HttpVersion = "HTTP/1.1";
  // Status line.
  status = 0;
  reason = "";

  constructor(limits: ScanLimits) {
    this.#limits = limits;
  }

  /**
   * Reads this scanner's section starting at `buf[p]`; `origin` is the stream offset of
   * `buf[0]`. (One method for all three, so that every call site sees one target.)
   */
  scan(buf: Uint8Array, p: number, origin: number): number {
    const section = this.#limits.section;
    if (section === Section.Request) return this.request(buf, p, origin);
    if (section === Section.Response) return this.response(buf, p, origin);
    return this.trailers(buf, p, origin);
  }

  /**
   * The request line at `buf[lineStart]` as the kernels read it, when they vouch for it (see
   * ByteKernels.requestLine): true once noted, with the next line's start in their offsets.
   * False leaves the line to the loop, which then reads it and reports what is wrong.
   */
  #kernelRequestLine(buf: Uint8Array, lineStart: number): boolean {
    const kernels = this.#limits.kernels;
    if (buf.length - lineStart < SHORTEST_START_LINE) return false; // (no copy for what cannot be a whole line)
    if (!kernels.requestLine(buf, lineStart, this.#limits.allowRawTargetBytes)) return false;
    const found = kernels.offsets;
    // (The line's length as the loop measures it: to its CR.)
    if (found[6]! - 2 - lineStart > this.#limits.maxStartLineLength) return false;
    this.methodStart = lineStart;
    this.methodEnd = found[0]!;
    this.targetStart = found[0]! + 1;
    this.targetEnd = found[1]!;
    this.queryStart = found[2]!;
    this.fragmentStart = found[3]!;
    this.escapedPath = found[4] === 1;
    this.version = found[5] === 1 ? "HTTP/1.1" : "HTTP/1.0";
    this.targetForm = this.#targetForm(buf);
    this.#lineLimit = Number.POSITIVE_INFINITY;
    return true;
  }

  /** The status line at `buf[lineStart]` as the kernels read it, when they vouch for it: as #kernelRequestLine. */
  #kernelStatusLine(buf: Uint8Array, lineStart: number): boolean {
    const kernels = this.#limits.kernels;
    if (buf.length - lineStart < SHORTEST_START_LINE) return false;
    if (!kernels.statusLine(buf, lineStart)) return false;
    const found = kernels.offsets;
    if (found[4]! - 2 - lineStart > this.#limits.maxStartLineLength) return false;
    this.version = found[0] === 1 ? "HTTP/1.1" : "HTTP/1.0";
    this.status = found[1]!;
    this.reason = found[3]! > found[2]! ? latin1Decode(buf, found[2]!, found[3]!) : "";
    this.#lineLimit = Number.POSITIVE_INFINITY;
    return true;
  }

  /** Reads a request head starting at `buf[p]`; `origin` is the stream offset of `buf[0]`. */
  request(buf: Uint8Array, p: number, origin: number): number {
    let i = this.#skipEmptyLines(buf, this.#begin(p, origin));
    if (i < 0) return this.#more(buf);
    const lineStart = i;
    this.#lineLimit = i + this.#limits.maxStartLineLength;
    if (this.#kernelRequestLine(buf, lineStart)) return this.#fields(buf, this.#limits.kernels.offsets[6]!);
    let c = byteAt(buf, i);
    while (TOKEN[c] === 1) c = byteAt(buf, ++i);
    if (c !== SP || i === lineStart) {
      const end = c === SP ? NOT_END : this.#lineEnd(buf, i);
      if (end === MORE) return this.#more(buf);
      const code = end === NOT_END && c !== SP ? HttpErrorCode.BadMethod : HttpErrorCode.BadStartLine;
      this.#fail(code, "a request line is a method token, a space, a target, a space and a version", i);
    }
    this.methodStart = lineStart;
    this.methodEnd = i;
    const targetStart = ++i;
    let queryStart = -1;
    let fragmentStart = -1;
    let escapedPath = false;
    c = byteAt(buf, i);
    const plain = this.#limits.allowRawTargetBytes ? TARGET_PLAIN_RAW : TARGET_PLAIN;
    for (;;) {
      while (plain[c] === 1) c = byteAt(buf, ++i);
      if (c === QUESTION) {
        if (queryStart < 0 && fragmentStart < 0) queryStart = i + 1;
      } else if (c === PERCENT) {
        if (queryStart < 0 && fragmentStart < 0) escapedPath = true;
      } else if (c === HASH) {
        if (fragmentStart < 0) fragmentStart = i;
      } else {
        break;
      }
      c = byteAt(buf, ++i);
    }
    if (c !== SP || i === targetStart) {
      const end = c === SP ? END : this.#lineEnd(buf, i);
      if (end === MORE) return this.#more(buf);
      if (end === END) {
        this.#fail(
          HttpErrorCode.BadStartLine,
          "a request line needs a target and a version, one space apart",
          i,
        );
      }
      this.#fail(HttpErrorCode.BadTarget, `byte 0x${c.toString(16)} in the request-target`, i);
    }
    this.targetStart = targetStart;
    this.targetEnd = i;
    this.queryStart = queryStart;
    this.fragmentStart = fragmentStart;
    this.escapedPath = escapedPath;
    const versionStart = ++i;
    c = byteAt(buf, i);
    while (c !== CR && c !== LF && c !== NONE) c = byteAt(buf, ++i);
    const end = this.#lineEnd(buf, i);
    if (end === MORE) return this.#more(buf);
    if (i - lineStart > this.#limits.maxStartLineLength) this.#fail("", "", this.#lineLimit);
    this.version = this.#version(buf, versionStart, i);
    this.targetForm = this.#targetForm(buf);
    this.#lineLimit = Number.POSITIVE_INFINITY;
    return this.#fields(buf, i + (c === CR ? 2 : 1));
  }

  /** Reads a response head starting at `buf[p]`. */
  response(buf: Uint8Array, p: number, origin: number): number {
    let i = this.#skipEmptyLines(buf, this.#begin(p, origin));
    if (i < 0) return this.#more(buf);
    const lineStart = i;
    this.#lineLimit = i + this.#limits.maxStartLineLength;
    if (this.#kernelStatusLine(buf, lineStart)) return this.#fields(buf, this.#limits.kernels.offsets[4]!);
    let c = byteAt(buf, i);
    while (c !== CR && c !== LF && c !== NONE) c = byteAt(buf, ++i);
    // A status line starts "HTTP/": what does not fails as it arrives (else a stray body would
    // be taken in up to maxStartLineLength first), with the error the whole line would give.
    for (let k = lineStart; k < i && k < lineStart + 5; k++) {
      if (buf[k] !== HTTP_SLASH[k - lineStart])
        this.#fail(HttpErrorCode.BadStartLine, "a status line starts with HTTP/", lineStart);
    }
    if (this.#lineEnd(buf, i) === MORE) return this.#more(buf);
    if (i - lineStart > this.#limits.maxStartLineLength) this.#fail("", "", this.#lineLimit);
    this.#statusLine(buf, lineStart, i);
    this.#lineLimit = Number.POSITIVE_INFINITY;
    return this.#fields(buf, i + (c === CR ? 2 : 1));
  }

  /** Reads a trailer section (field lines, then the empty line) starting at `buf[p]`. */
  trailers(buf: Uint8Array, p: number, origin: number): number {
    return this.#fields(buf, this.#begin(p, origin));
  }

  /**
   * Skips empty lines before a start line (RFC 9112 §2.2: before a request line; and before a
   * status line, as some servers send a stray CR LF after a body), at most a few of them.
   * Returns where the start line begins, or -1 when the buffer ends first.
   */
  #skipEmptyLines(buf: Uint8Array, i: number): number {
    for (let k = 0; k < MAX_LEADING_EMPTY_LINES; k++) {
      const c = byteAt(buf, i);
      if (c !== CR && c !== LF) break;
      if (this.#lineEnd(buf, i) === MORE) return -1;
      i += c === CR ? 2 : 1;
    }
    return i;
  }

  #begin(p: number, origin: number): number {
    this.#origin = origin;
    this.#limit = p + this.#limits.maxSize;
    this.#lineLimit = Number.POSITIVE_INFINITY;
    this.fieldCount = 0;
    this.kinds = 0;
    this.repeatedKinds = 0;
    this.#missesBefore = this.#limits.names.misses;
    return p;
  }

  /**
   * Field lines from `buf[i]` to the empty line; returns where the head ends. The kernels
   * read the plain lines first (ByteKernels.fieldLines: where each name ends, its hash, the
   * value's span, which well-known name it is), as many as they vouch for; from the first
   * line they leave, the loop reads each line itself. Either way a line is counted, its name
   * looked up and checked here, in the loop's order, so the first error and its offset are
   * the same whoever read the line.
   */
  #fields(buf: Uint8Array, i: number): number {
    const maxFields = this.#limits.maxFields;
    const names = this.names;
    const spans = this.spans;
    const table = this.#limits.names;
    const marks = table.marks;
    const kernels = this.#limits.kernels;
    const found = kernels.offsets;
    // (A DataView of `buf` only once the loop reads a line: the kernel's lines are looked up in its copy.)
    let view: DataView = NO_VIEW;
    let n = 0;
    let kinds = 0;
    let repeated = 0;
    let traits = 0;
    // The kernels' lines: how many are left, where the next one's numbers are, and whether to ask again.
    let lines = 0;
    let at = 0;
    // (Not for a section with no field line, where crossing into the kernel is all it would cost.)
    const first = byteAt(buf, i);
    let ask = first > SP && first < 0x7f;
    let base = 0;
    for (;;) {
      const lineStart = i;
      if (lines === 0 && ask) {
        const got = kernels.fieldLines(buf, i, KERNEL_NAMES);
        lines = got >> 1;
        at = 0;
        base = kernels.fieldBase;
        ask = (got & 1) === 1 && lines > 0;
      }
      let name: FieldName | undefined;
      let nameEnd: number;
      let valueStart: number;
      let valueEnd: number;
      if (lines > 0) {
        lines--;
        if (n === maxFields) this.#fail(HttpErrorCode.TooManyHeaders, `more than ${maxFields} fields`, i);
        nameEnd = found[at]!;
        const h = found[at + 1]!;
        valueStart = found[at + 2]!;
        valueEnd = found[at + 3]!;
        i = found[at + 4]!;
        const known = found[at + 5]!;
        at += 6;
        name =
          known >= 0
            ? KERNEL_NAME_ENTRIES[known]!
            : table.find(kernels.fieldView, kernels.fieldBytes, lineStart - base, nameEnd - base, h);
        if (name === undefined) {
          for (let k = lineStart; k < nameEnd; k++) {
            if (TOKEN[buf[k]!] !== 1)
              this.#fail(HttpErrorCode.BadHeaderName, "a field name must be a token and a colon", k);
          }
          name = table.learn(buf, lineStart, nameEnd, h);
        }
      } else {
        ask = false;
        let c = byteAt(buf, i);
        if (c === CR || c === LF || c === NONE) {
          if (this.#lineEnd(buf, i) === MORE) return this.#unmark(names, n, buf);
          this.emptyLineAt = i;
          i += c === CR ? 2 : 1;
          break;
        }
        if (view === NO_VIEW) view = this.#viewFor(buf);
        if (c === SP || c === HTAB)
          this.#fail(HttpErrorCode.ObsFold, "a line starts with whitespace (obs-fold)", i);
        if (n === maxFields) this.#fail(HttpErrorCode.TooManyHeaders, `more than ${maxFields} fields`, i);
        // The name runs to a colon, a space, a control byte or a byte past 0x7e: four bytes at a
        // time while they hold no colon, space or control byte, hashed as they go (see nameHash).
        // (A 0x7f or a byte past it inside a word goes into the name: no table name has one, so
        // the token check finds it, at the same offset as stopping there would.)
        let h = HASH_SEED;
        const lastWord = buf.length - 4;
        while (i <= lastWord) {
          const w = view.getInt32(i, true);
          const colon = w ^ 0x3a3a3a3a;
          if ((((w - 0x21212121) & ~w) | ((colon - 0x01010101) & ~colon)) & 0x80808080) break;
          h = Math.imul(h ^ (w | 0x20202020), HASH_PRIME);
          i += 4;
        }
        c = byteAt(buf, i);
        while (c > SP && c < 0x7f && c !== COLON) {
          h = Math.imul(h ^ (c | 0x20), HASH_PRIME);
          c = byteAt(buf, ++i);
        }
        nameEnd = i;
        name = table.find(view, buf, lineStart, nameEnd, h);
        if (name === undefined) {
          // Not a name the table has: check that it is a token, byte by byte.
          for (let k = lineStart; k < nameEnd; k++) {
            if (TOKEN[buf[k]!] !== 1)
              this.#fail(HttpErrorCode.BadHeaderName, "a field name must be a token and a colon", k);
          }
        }
        if (c !== COLON || i === lineStart) {
          if (c === NONE) return this.#unmark(names, n, buf);
          const why =
            c === SP || c === HTAB
              ? "whitespace after a field name: none may come inside a name or before its colon"
              : "a field name must be a token and a colon";
          this.#fail(HttpErrorCode.BadHeaderName, why, i);
        }
        name ??= table.learn(buf, lineStart, nameEnd, h);
        c = byteAt(buf, ++i);
        while (c === SP || c === HTAB) c = byteAt(buf, ++i);
        valueStart = i;
        i = this.#valueEnd(buf, i);
        valueEnd = i;
        while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
        c = byteAt(buf, i);
        if (c === CR && byteAt(buf, i + 1) === LF) {
          i += 2;
        } else {
          const end = this.#lineEnd(buf, i);
          if (end === MORE) return this.#unmark(names, n, buf);
          if (end === NOT_END) {
            this.#fail(HttpErrorCode.BadHeaderValue, `byte 0x${c.toString(16)} in a field value`, i);
          }
          i++;
        }
      }
      const j = n * 4;
      spans[j] = lineStart;
      spans[j + 1] = nameEnd;
      spans[j + 2] = valueStart;
      spans[j + 3] = valueEnd;
      names[n++] = name;
      repeated |= kinds & name.kind;
      kinds |= name.kind;
      // (Noted here, where the name is in hand, so that the Environ mapping of a head without
      // repeats or "_" need not walk its fields again. A name no table took has no id: its
      // head is not settled, and the mapping finds its repeats by CGI name.)
      const id = name.id;
      if (id >= 0) {
        if (marks[id] === 1) traits |= NameTraits.Repeats;
        marks[id] = 1;
      }
      if (name.underscore) traits |= NameTraits.Underscore;
      if (name.odd) traits |= NameTraits.Odd;
    }
    for (let k = 0; k < n; k++) if (names[k]!.id >= 0) marks[names[k]!.id] = 0;
    if (i > this.#limit) this.#fail("", "", this.#limit);
    this.fieldCount = n;
    this.kinds = kinds;
    this.repeatedKinds = repeated;
    if (table.misses === this.#missesBefore) traits |= NameTraits.Settled;
    this.nameTraits = traits;
    return i;
  }

  /** The head goes on past `buf`: the marks its names made are taken back, for the next scan. */
  #unmark(names: FieldName[], n: number, buf: Uint8Array): number {
    const marks = this.#limits.names.marks;
    for (let k = 0; k < n; k++) if (names[k]!.id >= 0) marks[names[k]!.id] = 0;
    return this.#more(buf);
  }

  /** The first byte from `i` on that a field value may not hold (`buf` is the buffer #view is of). */
  #valueEnd(buf: Uint8Array, i: number): number {
    if (FIELD_VALUE[byteAt(buf, i + WORDWISE)] === 1) {
      // Long enough to be worth it: skip four bytes at a time while they hold no control byte.
      const view = this.#view;
      const last = buf.length - 4;
      while (i <= last) {
        const w = view.getInt32(i, true);
        const del = w ^ 0x7f7f7f7f;
        // Some byte below 0x20 (bytes of 0x80 and up excluded), or some 0x7f: byte by byte from here.
        if ((((w - 0x20202020) & ~w) | ((del - 0x01010101) & ~del)) & 0x80808080) break;
        i += 4;
      }
    }
    while (FIELD_VALUE[byteAt(buf, i)] === 1) i++;
    return i;
  }

  /** Lets go of the last buffer scanned (the caller's chunk), so that no chunk stays alive between pushes. */
  release(): void {
    this.#viewOf = undefined;
    this.#view = NO_VIEW;
    this.#limits.kernels.release();
  }

  #viewFor(buf: Uint8Array): DataView {
    if (buf !== this.#viewOf) {
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.#viewOf = buf;
    }
    return this.#view;
  }

  /**
   * Whether a line ends at `buf[i]` (a byte that ended a run of line content): CR LF, or LF
   * where bare LF is allowed. A CR not followed by LF, or a bare LF, is an error here.
   */
  #lineEnd(buf: Uint8Array, i: number): number {
    const c = byteAt(buf, i);
    if (c === CR) {
      const next = byteAt(buf, i + 1);
      if (next === LF) return END;
      if (next === NONE) return MORE;
      // The byte after the CR decides; past the size limit, the limit is what is reported, as
      // it is when the head is gathered only up to the limit (a CR there ends no head that fits).
      if (i + 1 >= this.#limit) this.#fail("", "", this.#limit);
      this.#fail(HttpErrorCode.BareCr, "a CR not followed by LF", i);
    }
    if (c === LF) {
      if (this.#limits.allowBareLf) return END;
      this.#fail(HttpErrorCode.BareLf, "a line ends in LF without CR", i);
    }
    return c === NONE ? MORE : NOT_END;
  }

  /** The buffer ended inside the head: fine, unless what is in hand already breaks a limit. */
  #more(buf: Uint8Array): number {
    const end = buf.length;
    // A CR in hand may end the start line: it does not count against the line's length.
    if (end - (end > 0 && buf[end - 1] === CR ? 1 : 0) > this.#lineLimit) this.#fail("", "", this.#lineLimit);
    if (end >= this.#limit) this.#fail("", "", this.#limit);
    return -1;
  }

  /** Throws `code` at `at`, or the size limit's error when `at` is past a limit. */
  #fail(code: string, why: string, at: number): never {
    if (at >= this.#lineLimit && this.#lineLimit <= this.#limit) {
      throw new ProtocolError(
        HttpErrorCode.StartLineTooLong,
        `the start line is over ${this.#limits.maxStartLineLength} bytes`,
        this.#origin + this.#lineLimit,
      );
    }
    if (at >= this.#limit) {
      const { code, what } = this.#limits.tooLarge;
      throw new ProtocolError(
        code,
        `the ${what} is over ${this.#limits.maxSize} bytes`,
        this.#origin + this.#limit,
      );
    }
    throw new ProtocolError(code, why, this.#origin + at);
  }

  /** "HTTP/1.0" or "HTTP/1.1" at `buf[p, end)`. */
  #version(buf: Uint8Array, p: number, end: number): HttpVersion {
    if (
      end - p === 8 &&
      buf[p] === 0x48 &&
      buf[p + 1] === 0x54 &&
      buf[p + 2] === 0x54 &&
      buf[p + 3] === 0x50 &&
      buf[p + 4] === 0x2f &&
      buf[p + 5] === 0x31 &&
      buf[p + 6] === 0x2e
    ) {
      if (buf[p + 7] === 0x31) return "HTTP/1.1";
      if (buf[p + 7] === 0x30) return "HTTP/1.0";
    }
    const text = latin1Decode(buf, p, Math.min(end, p + 16));
    if (/^HTTP\/[0-9]\.[0-9]$/.test(text)) {
      this.#fail(HttpErrorCode.BadVersion, `${text} is not HTTP/1.0 or HTTP/1.1`, p);
    }
    this.#fail(HttpErrorCode.BadStartLine, `${quote(text)} is not an HTTP version`, p);
  }

  /** The form of the request-target just read (RFC 9112 §3.2), checked against the method. */
  #targetForm(buf: Uint8Array): TargetForm {
    const start = this.targetStart;
    const end = this.targetEnd;
    const first = buf[start];
    const bad = (why: string): never => this.#fail(HttpErrorCode.BadTarget, why, start);
    if (isConnect(buf, this.methodStart, this.methodEnd)) {
      // uri-host ":" port (RFC 9112 §3.2.3), with a port.
      const at = authorityError(buf, start, end, false);
      const colon = lastColon(buf, start, end);
      if (at >= 0 || colon < 0 || colon === end - 1)
        this.#fail(HttpErrorCode.BadTarget, "CONNECT takes host:port (authority-form)", at >= 0 ? at : start);
      return "authority";
    }
    if (first === 0x2f) return "origin";
    if (first === 0x2a && end - start === 1) {
      if (!isOptions(buf, this.methodStart, this.methodEnd)) bad("only OPTIONS may have the target *");
      return "asterisk";
    }
    const authority = absoluteUriAuthority(buf, start, end);
    if (authority < 0)
      bad("a target starts with /, is an absolute URI, is * (OPTIONS) or host:port (CONNECT)");
    // The authority a proxy routes by: RFC 3986's, with a host (RFC 9110 §4.2.1).
    let authorityEnd = authority;
    while (
      authorityEnd < end &&
      buf[authorityEnd] !== 0x2f &&
      buf[authorityEnd] !== QUESTION &&
      buf[authorityEnd] !== HASH
    )
      authorityEnd++;
    // (RFC 3986 lets "#" end an authority, but a target has no fragment; nginx refuses one here.)
    if (authorityEnd < end && buf[authorityEnd] === HASH)
      this.#fail(HttpErrorCode.BadTarget, "a fragment right after the target's authority", authorityEnd);
    const at = authorityError(buf, authority, authorityEnd, true);
    if (at >= 0)
      this.#fail(HttpErrorCode.BadTarget, "the target's authority is not [userinfo@]host[:port]", at);
    return "absolute";
  }

  #statusLine(buf: Uint8Array, start: number, end: number): void {
    if (end - start < 12 || buf[start + 8] !== SP) {
      if (end - start >= 8) this.#version(buf, start, start + 8);
      this.#fail(HttpErrorCode.BadStartLine, "a status line is a version, a space and a status code", start);
    }
    this.version = this.#version(buf, start, start + 8);
    let status = 0;
    for (let i = start + 9; i < start + 12; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) this.#fail(HttpErrorCode.BadStatus, "a status code is three digits", i);
      status = status * 10 + d;
    }
    if (status < 100) this.#fail(HttpErrorCode.BadStatus, `status ${status} is below 100`, start + 9);
    let reason = "";
    if (end > start + 12) {
      if (buf[start + 12] !== SP)
        this.#fail(HttpErrorCode.BadStatus, "a status code is three digits", start + 12);
      for (let i = start + 13; i < end; i++) {
        if (FIELD_VALUE[buf[i]!] !== 1)
          this.#fail(HttpErrorCode.BadStartLine, "a control byte in the reason", i);
      }
      reason = latin1Decode(buf, start + 13, end);
    }
    this.status = status;
    this.reason = reason;
  }
}

const CONNECT = latin1Encode("CONNECT");
const OPTIONS = latin1Encode("OPTIONS");

function isConnect(buf: Uint8Array, start: number, end: number): boolean {
  return sameBytes(buf, start, end, CONNECT);
}

function isOptions(buf: Uint8Array, start: number, end: number): boolean {
  return sameBytes(buf, start, end, OPTIONS);
}

function sameBytes(buf: Uint8Array, start: number, end: number, bytes: Uint8Array): boolean {
  if (end - start !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[start + i] !== bytes[i]) return false;
  return true;
}

const isAlpha = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;

/** Where the authority starts after scheme "://", what absolute-form looks like from the front; -1 if it does not. */
function absoluteUriAuthority(buf: Uint8Array, start: number, end: number): number {
  if (!isAlpha(buf[start]!)) return -1;
  let i = start + 1;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (!(isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d)) break;
  }
  if (end - i < 4 || buf[i] !== COLON || buf[i + 1] !== 0x2f || buf[i + 2] !== 0x2f) return -1;
  return i + 3;
}

/** RFC 3986's unreserved and sub-delims: what a reg-name and userinfo hold, besides %XX (and ":" in userinfo). */
const REG_NAME = new Uint8Array(256);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=")
  REG_NAME[c.charCodeAt(0)] = 1;

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66));
}

/** The last ":" of `buf[start, end)` outside an IP literal's [ ], or -1. */
function lastColon(buf: Uint8Array, start: number, end: number): number {
  for (let i = end - 1; i >= start; i--) {
    if (buf[i] === COLON) return i;
    if (buf[i] === 0x5d || !(buf[i]! >= 0x30 && buf[i]! <= 0x39)) return -1;
  }
  return -1;
}

/**
 * Where `buf[start, end)` stops being an authority (RFC 3986 §3.2: [userinfo "@"] host
 * [":" port], the host a reg-name, IPv4 address or [IP literal]), or -1 when it is one.
 * `userinfo`: whether it may have one (absolute-form; authority-form may not). An empty host
 * is wrong too (RFC 9110 §4.2.1), reported at its place.
 */
export function authorityError(buf: Uint8Array, start: number, end: number, userinfo: boolean): number {
  let hostStart = start;
  if (userinfo) {
    for (let i = start; i < end; i++) if (buf[i] === 0x40) hostStart = i + 1;
    for (let i = start; i < hostStart - 1; i++) {
      const c = buf[i]!;
      if (c === 0x25 ? !(isHex(buf[i + 1]) && isHex(buf[i + 2])) : REG_NAME[c] !== 1 && c !== COLON) return i;
    }
  }
  let i = hostStart;
  if (buf[i] === 0x5b) {
    // An IP literal: IPv6 (hex digits, ":" and "." for an IPv4 tail) or IPvFuture ("v", then unreserved, sub-delims, ":").
    for (i++; i < end && buf[i] !== 0x5d; i++) if (REG_NAME[buf[i]!] !== 1 && buf[i] !== COLON) return i;
    if (i === end || i === hostStart + 1) return i === end ? end : i;
    i++;
  } else {
    for (; i < end && buf[i] !== COLON; i++) {
      const c = buf[i]!;
      if (c === 0x25 ? !(isHex(buf[i + 1]) && isHex(buf[i + 2])) : REG_NAME[c] !== 1) return i;
    }
    if (i === hostStart) return i;
  }
  if (i === end) return -1;
  if (buf[i] !== COLON) return i;
  for (i++; i < end; i++) if (!(buf[i]! >= 0x30 && buf[i]! <= 0x39)) return i;
  return -1;
}

const KNOWN_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"].map(
  (m) => [m, latin1Encode(m)] as const,
);

/** The method at `buf[start, end)`: one shared string for the registered ones. */
export function methodOf(buf: Uint8Array, start: number, end: number): string {
  for (const [name, bytes] of KNOWN_METHODS) if (sameBytes(buf, start, end, bytes)) return name;
  return latin1Decode(buf, start, end);
}
