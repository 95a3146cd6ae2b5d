/**
 * Environ: the CGI/WSGI request variables (RFC 3875, PEP 3333) as an ordered multimap of
 * name → bytes, the type every envwire codec decodes to and encodes from.
 *
 * Design: entries live in flat arrays rather than one object each, so a decoder adds an
 * entry without allocating. A value is a span of some Uint8Array: for decoded input, the
 * caller's own chunk (zero-copy). A name is a string, or, for decoded input, a span of the
 * same chunk that becomes a string only when something asks for it: translating uwsgi to
 * FastCGI copies name and value bytes across and never builds a string. A decoded block is
 * a table of offsets and its buffer, nothing more, until a string is read or an entry of
 * another kind comes (see #putSpans). After its own
 * entries an Environ may borrow a run (EnvironRun): entries another codec lays out, and may
 * work out only when read, as http-proto does for a whole request.
 *
 * Views into the caller's chunks stay valid as long as the caller leaves those bytes alone;
 * `detach()` copies everything into memory the Environ owns, for callers that reuse buffers.
 */
import { checkName, checkValue } from "./arguments.js";
import { assertLatin1, latin1Decode, latin1Encode, latin1Equals, utf8Decode } from "./latin1.js";
import { sharedNameCache } from "./name-cache.js";
import { printEntries, printWith } from "./printed.js";
import type { ByteWriter } from "./writer.js";

/** A value as a caller gives it: bytes, or a latin-1 string (every code point at most 0xFF). */
export type EnvironValue = string | Uint8Array;

/**
 * Entries an Environ can borrow as they stand (see appendRun): a name string and a
 * value each, the value a span of `buffer` or a latin-1 string. How a decoder hands over
 * what it has already laid out, or works out only when asked.
 */
export interface EnvironRun {
  readonly size: number;
  /** The buffer the values given as spans are spans of. */
  readonly buffer: Uint8Array;
  /** Entry k's name: latin-1, which the run vouches for (the Environ does not check again). */
  nameAt(k: number): string;
  /**
   * Entry k's value as a string: valueStringAt(k), or else its span of `buffer` decoded as
   * latin-1. (The run answers, as it knows where all its values lie: it can decode the
   * stretch that holds them once, and answer every later value with a slice of that.)
   */
  valueAt(k: number): string;
  /**
   * Entry k's value when it is not a span of `buffer`: a string of latin-1 characters, one
   * per byte, which the run vouches for too. Undefined when it is a span.
   */
  valueStringAt(k: number): string | undefined;
  valueStartAt(k: number): number;
  valueEndAt(k: number): number;
}

/** What an Environ can be built from: pairs in order (duplicates kept), or a plain object. */
export type EnvironInit = Iterable<readonly [string, EnvironValue]> | Readonly<Record<string, EnvironValue>>;

/**
 * Where an entry's fields sit: its offsets four to an entry in one array, which holds small
 * integers only (the engine reads those without checking each one's type): the entry table.
 * Its references (name, buffer, decoded value) three to an entry in another, made only when
 * an entry needs one: while every entry is a pair of spans of one buffer (a decoded block,
 * no string read yet), the table and that buffer are the whole of them.
 */
const NAME = 0; // string, or undefined while the name is still only bytes of BUF
const BUF = 1; // value (and span name) bytes; undefined for a value given as a string
const STRING = 2; // the value as latin-1, once decoded or given
const REFS = 3;
const NAME_START = 0; // -1 for a string name
const NAME_END = 1;
const VALUE_START = 2;
const VALUE_END = 3;
const SPANS = 4;
/**
 * Longest stretch of a buffer decoded as one text for values to be sliced from (see
 * #decodeText): what a kept value string can keep alive at most.
 */
const TEXT_MAX = 4096;
/** Entries room is made for up front, unless told otherwise; more grow the array as needed. */
const INITIAL_ENTRIES = 24;

type Ref = string | Uint8Array | undefined;

/**
 * The arrays start as slices of these: an array made `new Array(n)` has holes, and the engine
 * then checks every read for one (reading entries took twice as long); a slice of an array
 * without holes has none, and costs one copy.
 */
const TEMPLATE_ENTRIES = 64;
const REF_TEMPLATE: Ref[] = [];
const SPAN_TEMPLATE: number[] = [];
for (let k = 0; k < TEMPLATE_ENTRIES * REFS; k++) REF_TEMPLATE.push(undefined);
for (let k = 0; k < TEMPLATE_ENTRIES * SPANS; k++) SPAN_TEMPLATE.push(0);
/**
 * Shared, never written: the references of an Environ that needs none yet (see #ownRefs),
 * and the table of one made with room for no entry (see #spansWithRoom).
 */
const NO_REFS: Ref[] = [];
const NO_SPANS: number[] = [];

/**
 * Strings lately checked to be latin-1, by a hash of length and two characters. Codecs append
 * the same names (and often the same values: a method, a version, a peer's address) request
 * after request, as the same string objects: finding one here is a pointer compare, where
 * checking costs a read of every character.
 */
const CHECKED = new Array<string | undefined>(256).fill(undefined);

function refsFor(capacity: number): Ref[] {
  return capacity <= TEMPLATE_ENTRIES
    ? REF_TEMPLATE.slice(0, capacity * REFS)
    : new Array<Ref>(capacity * REFS).fill(undefined);
}

function spansFor(capacity: number): number[] {
  return capacity <= TEMPLATE_ENTRIES
    ? SPAN_TEMPLATE.slice(0, capacity * SPANS)
    : new Array<number>(capacity * SPANS).fill(0);
}

function checkLatin1(s: string, what: string, of?: string): void {
  const n = s.length;
  if (n === 0) return; // (and charCodeAt past the end would turn the hash into NaN arithmetic)
  const slot = (n * 31 + s.charCodeAt(n - 1) * 7 + s.charCodeAt(n >> 1)) & 255;
  if (CHECKED[slot] === s) return;
  assertLatin1(s, what, of);
  CHECKED[slot] = s;
}

// The codec functions' bodies, set by Environ's static block (they reach its private entries).
let appendEncodedTo: (env: Environ, buf: Uint8Array, ns: number, ne: number, vs: number, ve: number) => void;
let appendSliceTo: (env: Environ, name: string, buf: Uint8Array, start: number, end: number) => void;
let borrowRun: (env: Environ, run: EnvironRun) => void;
let nameIs: (env: Environ, i: number, name: string) => boolean;
let nameLength: (env: Environ, i: number) => number;
let valueLength: (env: Environ, i: number) => number;
let writeName: (env: Environ, i: number, w: ByteWriter) => void;
let writeValue: (env: Environ, i: number, w: ByteWriter) => void;
let setSource: (env: Environ, format: string, buf: Uint8Array, start: number, end: number) => void;
let sourceBytes: (env: Environ, format: string) => number;
let copySource: (env: Environ, w: ByteWriter) => void;
let settle: (env: Environ) => void;

export class Environ implements Iterable<[name: string, value: string]> {
  /**
   * Every entry's fields in two flat, pre-sized arrays: at most two allocations for a whole
   * request instead of one per entry or per growth step, and one for a decoded block.
   */
  #refs: Ref[] = NO_REFS;
  #spans: number[];
  #count = 0;
  /**
   * While #refs is NO_REFS: the buffer every entry's name and value are spans of (a decoder's
   * block, added by appendEncoded). Unused once there are references.
   */
  #bytes: Uint8Array | undefined = undefined;
  /**
   * Entries borrowed (see appendRun), which come before the #count own ones: entry i is the
   * run's i below #runSize, own entry i - #runSize from there. So entries appended to a
   * decoded request (the params a gateway adds) leave the run borrowed as it is.
   */
  #run: EnvironRun | undefined = undefined;
  #runSize = 0;
  #runBytes: (Uint8Array | undefined)[] | undefined = undefined;
  /**
   * The latin-1 text of `#textBuf[#textStart, #textStart + #text.length)`: decoded in one call
   * the first time a value is read as a string, for the buffer that value lies in, so each
   * further value of it is a slice of the text rather than another trip into the engine's
   * decoder. Worked out once: values of other buffers are decoded one by one.
   */
  #textBuf: Uint8Array | null | undefined;
  #textStart = 0;
  #text = "";
  /**
   * The block of bytes this Environ was decoded from whole, in the layout of `#sourceFormat`,
   * while no entry has changed since (see markSource): an encoder of that format sends it
   * on with one copy.
   */
  #source: Uint8Array | undefined = undefined;
  #sourceFormat = "";
  #sourceStart = 0;
  #sourceEnd = 0;

  /**
   * `capacity` is how many entries to make room for up front (default 24): a codec that knows
   * it spares the array a copy as it grows, or the memory of room it will not use.
   */
  constructor(init?: EnvironInit, capacity: number = INITIAL_ENTRIES) {
    // Room for none (an Environ that will borrow a run): the shared empty table, until an entry comes.
    // (Little else here, so that the engine can inline it where an Environ is made.)
    this.#spans = capacity === 0 ? NO_SPANS : spansFor(capacity);
    if (init !== undefined) this.#appendAll(init);
  }

  #appendAll(init: EnvironInit): void {
    if (typeof init !== "object" || init === null)
      throw new TypeError("new Environ: init must be [name, value] pairs or an object of them");
    if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<readonly [string, EnvironValue]>) this.append(name, value);
    } else {
      const record = init as Readonly<Record<string, EnvironValue>>;
      for (const name of Object.keys(record)) this.append(name, record[name]!);
    }
  }

  /** Number of entries, duplicates counted. */
  get size(): number {
    return this.#runSize + this.#count;
  }

  /** The value of the last entry named `name`, as latin-1. */
  get(name: string): string | undefined {
    const i = this.#lastIndexOf(name);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** The values of every entry named `name`, in order. */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) if (this.#nameIs(i, name)) out.push(this.valueAt(i));
    return out;
  }

  /** The bytes of the last entry named `name`: a view, not a copy. */
  getBytes(name: string): Uint8Array | undefined {
    const i = this.#lastIndexOf(name);
    return i < 0 ? undefined : this.bytesAt(i);
  }

  /** The value of the last entry named `name`, decoded as UTF-8 (see utf8Decode for `fatal`). */
  getUtf8(name: string, fatal = false): string | undefined {
    const i = this.#lastIndexOf(name);
    return i < 0 ? undefined : utf8Decode(this.bytesAt(i), fatal);
  }

  has(name: string): boolean {
    return this.#lastIndexOf(name) >= 0;
  }

  /** Sets `name` to `value`: the first entry of that name takes the value and keeps its place; the others go. */
  set(name: string, value: EnvironValue): this {
    checkName(name, "Environ.set");
    checkValue(value, "Environ.set");
    this.#settle();
    const first = this.#indexOf(name, 0);
    if (first < 0) return this.append(name, value);
    // The new value lives in another buffer, so the name can no longer be a span of the old one.
    this.#putValue(first, this.nameAt(first), value);
    this.#removeWhere((i) => i > first && this.#nameIs(i, name));
    return this;
  }

  /** Adds an entry at the end, keeping any others of the same name (a borrowed run stays borrowed). */
  append(name: string, value: EnvironValue): this {
    checkName(name, "Environ.append");
    checkValue(value, "Environ.append");
    checkLatin1(name, "name");
    this.#putValue(this.#count, name, value);
    this.#count++; // only once the value passed its check
    return this;
  }

  /** Removes every entry named `name`; true if there was one. */
  delete(name: string): boolean {
    this.#settle();
    return this.#removeWhere((i) => this.#nameIs(i, name)) > 0;
  }

  /** Entries in wire order, values as latin-1. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return new Entries(this);
  }

  /** Same as iterating the Environ. */
  entries(): IterableIterator<[string, string]> {
    return this[Symbol.iterator]();
  }

  /**
   * A plain object of the last value of each name. It has no prototype, so names such as
   * `__proto__` from a hostile peer are ordinary keys and cannot pollute Object.prototype.
   */
  toObject(): Record<string, string> {
    const out = Object.create(null) as Record<string, string>;
    for (let i = 0; i < this.size; i++) out[this.nameAt(i)] = this.valueAt(i);
    return out;
  }

  /**
   * The entries as [name, value] pairs, in wire order, repeats kept, values as latin-1: what
   * JSON.stringify writes, and what `new Environ(JSON.parse(json))` takes back, byte for byte.
   */
  toJSON(): [name: string, value: string][] {
    const out: [string, string][] = [];
    for (let i = 0; i < this.size; i++) out.push([this.nameAt(i), this.valueAt(i)]);
    return out;
  }

  static {
    // console.log(env): `Environ(2) { REQUEST_METHOD: 'GET', PATH_INFO: '/' }` (see printed.ts).
    printWith(Environ.prototype, (env, depth, options, inspect) =>
      printEntries("Environ", env.size, env, depth, options, inspect),
    );
  }

  /** True when both hold the same names and value bytes in the same order. */
  equals(other: Environ): boolean {
    if (other.size !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      if (this.nameAt(i) !== other.nameAt(i)) return false;
      const a = this.bytesAt(i);
      const b = other.bytesAt(i);
      if (a.length !== b.length) return false;
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
    }
    return true;
  }

  /**
   * Copies every name and value still held as a view into one new buffer this Environ owns,
   * so the caller may reuse or overwrite the chunks it decoded from. Returns `this`.
   */
  detach(): this {
    this.#settle();
    let total = 0;
    for (let i = 0; i < this.#count; i++) total += nameLength(this, i) + valueLength(this, i);
    // (string names and values count too, though they stay strings: a little room spare)
    const own = new Uint8Array(total);
    const refs = this.#ownRefs();
    const spans = this.#spans;
    let pos = 0;
    for (let i = 0; i < this.#count; i++) {
      const buf = refs[i * REFS + BUF] as Uint8Array | undefined;
      if (buf === undefined) continue; // a string value: nothing borrowed
      const q = i * SPANS;
      if (spans[q + NAME_START]! >= 0) pos = moveSpan(spans, q + NAME_START, buf, own, pos);
      pos = moveSpan(spans, q + VALUE_START, buf, own, pos);
      refs[i * REFS + BUF] = own;
    }
    this.#textBuf = undefined;
    this.#text = "";
    this.#source = undefined;
    return this;
  }

  // ---- Indexed access, for code that walks every entry. ----

  /** The name of entry `i` (0 ≤ i < size). */
  nameAt(i: number): string {
    const j = i - this.#runSize;
    if (!(j >= 0 && j < this.#count)) return this.#runNameAt(i);
    const r = j * REFS;
    const q = j * SPANS;
    const refs = this.#ownRefs(); // (the name is kept there once made)
    const spans = this.#spans;
    const name = refs[r + NAME] as string | undefined;
    if (name !== undefined) return name;
    const interned = sharedNameCache.intern(
      refs[r + BUF] as Uint8Array,
      spans[q + NAME_START]!,
      spans[q + NAME_END]!,
    );
    refs[r + NAME] = interned;
    return interned;
  }

  /** The value of entry `i` as latin-1 (decoded once, then cached). */
  valueAt(i: number): string {
    const j = i - this.#runSize;
    if (!(j >= 0 && j < this.#count)) return this.#runValueAt(i);
    const r = j * REFS;
    const q = j * SPANS;
    const refs = this.#ownRefs(); // (the string is kept there once made)
    const spans = this.#spans;
    const cached = refs[r + STRING] as string | undefined;
    if (cached !== undefined) return cached;
    const s = this.#decode(refs[r + BUF] as Uint8Array, spans[q + VALUE_START]!, spans[q + VALUE_END]!);
    refs[r + STRING] = s;
    return s;
  }

  // Entries of the borrowed run (kept out of the accessors above, which stay small enough to inline).

  #runNameAt(i: number): string {
    const k = this.#runIndex(i); // (before reading #run: past the end there may be none)
    return this.#run!.nameAt(k);
  }

  #runBytesAt(i: number): Uint8Array {
    const k = this.#runIndex(i);
    const run = this.#run!;
    const string = run.valueStringAt(k);
    if (string === undefined) return run.buffer.subarray(run.valueStartAt(k), run.valueEndAt(k));
    // Encoded once, so that asking twice gives the same view, as for every other entry.
    this.#runBytes ??= [];
    const bytes = this.#runBytes[k] ?? latin1Encode(string);
    this.#runBytes[k] = bytes;
    return bytes;
  }

  #runValueByteLength(i: number): number {
    const k = this.#runIndex(i);
    const run = this.#run!;
    const string = run.valueStringAt(k);
    return string === undefined ? run.valueEndAt(k) - run.valueStartAt(k) : string.length;
  }

  #writeRunValueAt(i: number, w: ByteWriter): void {
    const k = this.#runIndex(i);
    const run = this.#run!;
    const string = run.valueStringAt(k);
    if (string === undefined) w.copy(run.buffer, run.valueStartAt(k), run.valueEndAt(k));
    else w.latin1(string);
  }

  #runValueAt(i: number): string {
    const k = this.#runIndex(i);
    return this.#run!.valueAt(k);
  }

  /** `buf[start, end)` as latin-1: a slice of the text decoded once for its buffer, when there is one. */
  #decode(buf: Uint8Array, start: number, end: number): string {
    if (this.#textBuf === undefined) this.#decodeText(buf);
    if (buf !== this.#textBuf) return latin1Decode(buf, start, end);
    const at = start - this.#textStart;
    return at >= 0 && end - this.#textStart <= this.#text.length
      ? this.#text.slice(at, end - this.#textStart)
      : latin1Decode(buf, start, end);
  }

  /** The value bytes of entry `i`: a view, not a copy. */
  bytesAt(i: number): Uint8Array {
    const j = i - this.#runSize;
    if (!(j >= 0 && j < this.#count)) return this.#runBytesAt(i);
    const q = j * SPANS;
    return this.#valueBuffer(j).subarray(this.#spans[q + VALUE_START]!, this.#spans[q + VALUE_END]!);
  }

  /** Copies a borrowed run into entries of this Environ's own (before those appended after it), before anything changes. */
  #settle(): void {
    const run = this.#run;
    if (run === undefined) return;
    const size = this.#runSize;
    const appended = this.#count;
    const refs = appended > 0 ? this.#ownRefs() : NO_REFS;
    const spans = this.#spans;
    this.#run = undefined;
    this.#runSize = 0;
    this.#runBytes = undefined;
    // (Room for all at once, rather than the arrays grown entry by entry.)
    this.#refs = refsFor(size + appended);
    this.#spans = spansFor(size + appended);
    this.#count = 0;
    this.#takeIn(run);
    for (let j = 0; j < appended * REFS; j++) this.#refs[size * REFS + j] = refs[j];
    for (let j = 0; j < appended * SPANS; j++) this.#spans[size * SPANS + j] = spans[j]!;
    this.#count = size + appended;
  }

  /** Adds the entries of `run` as own ones, after the others (there is no borrowed run). */
  #takeIn(run: EnvironRun): void {
    for (let k = 0; k < run.size; k++) {
      const name = run.nameAt(k);
      const given = run.valueStringAt(k);
      if (given !== undefined) this.#put(this.#count++, name, undefined, -1, -1, 0, given.length, given);
      else
        this.#put(this.#count++, name, run.buffer, -1, -1, run.valueStartAt(k), run.valueEndAt(k), undefined);
    }
  }

  #put(
    i: number,
    name: string | undefined,
    buf: Uint8Array | undefined,
    nameStart: number,
    nameEnd: number,
    valueStart: number,
    valueEnd: number,
    string: string | undefined,
  ): void {
    this.#source = undefined;
    const refs = this.#ownRefs();
    const spans = this.#spansWithRoom();
    const r = i * REFS;
    const q = i * SPANS;
    refs[r + NAME] = name;
    refs[r + BUF] = buf;
    spans[q + NAME_START] = nameStart;
    spans[q + NAME_END] = nameEnd;
    spans[q + VALUE_START] = valueStart;
    spans[q + VALUE_END] = valueEnd;
    refs[r + STRING] = string;
  }

  /** Adds an entry that is spans of `buf`, into the table alone while every entry is spans of that buffer. */
  #putSpans(buf: Uint8Array, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    if (this.#refs !== NO_REFS || (this.#count > 0 && buf !== this.#bytes)) {
      this.#put(this.#count++, undefined, buf, nameStart, nameEnd, valueStart, valueEnd, undefined);
      return;
    }
    this.#source = undefined;
    this.#bytes = buf;
    const spans = this.#spansWithRoom();
    const q = this.#count++ * SPANS;
    spans[q + NAME_START] = nameStart;
    spans[q + NAME_END] = nameEnd;
    spans[q + VALUE_START] = valueStart;
    spans[q + VALUE_END] = valueEnd;
  }

  /**
   * The references array, made the first time an entry needs one (a string, another buffer, a
   * string read and kept), with room for as many entries as the table has.
   */
  #ownRefs(): Ref[] {
    if (this.#refs !== NO_REFS) return this.#refs;
    const n = this.#count;
    const refs = refsFor(Math.max(n, this.#spans.length / SPANS));
    for (let j = 0; j < n; j++) refs[j * REFS + BUF] = this.#bytes;
    this.#refs = refs;
    this.#bytes = undefined;
    return refs;
  }

  /** The table, as an array of its own once an entry comes to an Environ made with room for none. */
  #spansWithRoom(): number[] {
    // (Grown from empty in order, so without holes.)
    if (this.#spans === NO_SPANS) this.#spans = [];
    return this.#spans;
  }

  /** Where entry j's value (and span name) bytes are: undefined for a value given as a string. */
  #bufferOf(j: number): Uint8Array | undefined {
    const refs = this.#refs;
    return refs === NO_REFS ? this.#bytes : (refs[j * REFS + BUF] as Uint8Array | undefined);
  }

  /** Entry i becomes `name` = `value`: bytes kept as given, or a checked latin-1 string whose bytes come later. */
  #putValue(i: number, name: string, value: EnvironValue): void {
    if (typeof value === "string") {
      checkLatin1(value, "value", name);
      this.#put(i, name, undefined, -1, -1, 0, value.length, value);
    } else {
      this.#put(i, name, value, -1, -1, 0, value.length, undefined);
    }
  }

  /**
   * Decodes, in one call, the stretch of `buf` that holds the values borrowed from it, when
   * they lie close together (a packet, a head) rather than scattered over a large buffer, and
   * the stretch is short: a value string sliced from the text keeps all of it alive, so no
   * more than TEXT_MAX bytes. Runs once an Environ (a scan of its entries): O(n) in all.
   */
  #decodeText(buf: Uint8Array): void {
    const spans = this.#spans;
    let lo = buf.length;
    let hi = 0;
    let total = 0;
    for (let i = 0; i < this.#count; i++) {
      if (this.#bufferOf(i) !== buf) continue;
      const start = spans[i * SPANS + VALUE_START]!;
      const end = spans[i * SPANS + VALUE_END]!;
      if (start < lo) lo = start;
      if (end > hi) hi = end;
      total += end - start;
    }
    const worth = lo < hi && hi - lo <= TEXT_MAX && hi - lo <= 2 * total + 256;
    this.#textBuf = worth ? buf : null;
    this.#textStart = worth ? lo : 0;
    this.#text = worth ? latin1Decode(buf, lo, hi) : "";
  }

  /** Entry i's value buffer, making the latin-1 bytes of a string value the first time. */
  #valueBuffer(i: number): Uint8Array {
    const r = i * REFS;
    let buf = this.#bufferOf(i);
    if (buf === undefined) {
      buf = latin1Encode(this.#refs[r + STRING] as string);
      this.#refs[r + BUF] = buf;
    }
    return buf;
  }

  /** Entry `i`'s place in the borrowed run; throws unless it is there (the run comes first). */
  #runIndex(i: number): number {
    if (!(i >= 0 && i < this.#runSize)) throw outOfRange(i, this.size);
    return i;
  }

  #check(i: number): number {
    if (!(i >= 0 && i < this.size)) throw outOfRange(i, this.size);
    return i;
  }

  #nameIs(i: number, name: string): boolean {
    const j = i - this.#runSize;
    if (j < 0) return this.#runNameAt(i) === name;
    const q = j * SPANS;
    const refs = this.#refs;
    const spans = this.#spans;
    if (refs === NO_REFS)
      return latin1Equals(this.#bytes!, spans[q + NAME_START]!, spans[q + NAME_END]!, name);
    const r = j * REFS;
    const known = refs[r + NAME] as string | undefined;
    if (known !== undefined) return known === name;
    return latin1Equals(refs[r + BUF] as Uint8Array, spans[q + NAME_START]!, spans[q + NAME_END]!, name);
  }

  #indexOf(name: string, from: number): number {
    for (let i = from; i < this.size; i++) if (this.#nameIs(i, name)) return i;
    return -1;
  }

  #lastIndexOf(name: string): number {
    for (let i = this.size - 1; i >= 0; i--) if (this.#nameIs(i, name)) return i;
    return -1;
  }

  /** Removes the entries for which `doomed(i)` holds, in one pass; returns how many went. */
  #removeWhere(doomed: (i: number) => boolean): number {
    this.#source = undefined;
    const n = this.#count;
    const refs = this.#ownRefs();
    const spans = this.#spans;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (doomed(i)) continue;
      if (kept !== i) {
        for (let k = 0; k < REFS; k++) refs[kept * REFS + k] = refs[i * REFS + k];
        for (let k = 0; k < SPANS; k++) spans[kept * SPANS + k] = spans[i * SPANS + k]!;
      }
      kept++;
    }
    // Let go of what the removed entries held.
    for (let j = kept * REFS; j < n * REFS; j++) refs[j] = undefined;
    this.#count = kept;
    return n - kept;
  }
  // What only codecs do with an Environ: functions in @envwire/environ/codec (below), which
  // reach the entries from here, rather than members every user sees.
  static {
    appendEncodedTo = (env, buf, nameStart, nameEnd, valueStart, valueEnd) => {
      env.#putSpans(buf, nameStart, nameEnd, valueStart, valueEnd);
    };
    appendSliceTo = (env, name, buf, start, end) => {
      checkLatin1(name, "name");
      env.#put(env.#count++, name, buf, -1, -1, start, end, undefined);
    };
    borrowRun = (env, run) => {
      env.#source = undefined;
      if (env.#count === 0 && env.#run === undefined) {
        env.#run = run;
        env.#runSize = run.size;
      } else {
        // After other entries: taken in now (the run always comes first; no codec does this).
        env.#settle();
        env.#takeIn(run);
      }
    };
    setSource = (env, format, buf, start, end) => {
      env.#source = buf;
      env.#sourceFormat = format;
      env.#sourceStart = start;
      env.#sourceEnd = end;
    };
    sourceBytes = (env, format) =>
      env.#source !== undefined && env.#sourceFormat === format ? env.#sourceEnd - env.#sourceStart : -1;
    settle = (env) => env.#settle();
    copySource = (env, w) => {
      w.copy(env.#source!, env.#sourceStart, env.#sourceEnd);
    };
    nameIs = (env, i, name) => env.#nameIs(env.#check(i), name);
    nameLength = (env, i) => {
      const j = i - env.#runSize;
      if (!(j >= 0 && j < env.#count)) return env.#runNameAt(i).length;
      const start = env.#spans[j * SPANS + NAME_START]!;
      return start >= 0
        ? env.#spans[j * SPANS + NAME_END]! - start
        : (env.#refs[j * REFS + NAME] as string).length;
    };
    valueLength = (env, i) => {
      const j = i - env.#runSize;
      if (!(j >= 0 && j < env.#count)) return env.#runValueByteLength(i);
      return env.#spans[j * SPANS + VALUE_END]! - env.#spans[j * SPANS + VALUE_START]!;
    };
    writeName = (env, i, w) => {
      const j = i - env.#runSize;
      if (!(j >= 0 && j < env.#count)) {
        w.latin1(env.#runNameAt(i));
        return;
      }
      const start = env.#spans[j * SPANS + NAME_START]!;
      if (start >= 0) w.copy(env.#bufferOf(j)!, start, env.#spans[j * SPANS + NAME_END]!);
      else w.latin1(env.#refs[j * REFS + NAME] as string);
    };
    writeValue = (env, i, w) => {
      const j = i - env.#runSize;
      if (!(j >= 0 && j < env.#count)) {
        env.#writeRunValueAt(i, w);
        return;
      }
      const buf = env.#bufferOf(j);
      if (buf === undefined) w.latin1(env.#refs[j * REFS + STRING] as string);
      else w.copy(buf, env.#spans[j * SPANS + VALUE_START]!, env.#spans[j * SPANS + VALUE_END]!);
    };
  }
}

/**
 * An Environ's entries in order: a class rather than a generator, whose next() the engine can
 * inline into a for…of (a generator's it cannot). Each step still makes a pair and a result:
 * for…of over 21 entries takes 4–5 times the indexed loop (bench/README.md).
 */
class Entries implements IterableIterator<[string, string]> {
  readonly #env: Environ;
  /** The next entry; -1 once done (it stays done, as a generator would, whatever is appended). */
  #i = 0;

  constructor(env: Environ) {
    this.#env = env;
  }

  next(): IteratorResult<[string, string], undefined> {
    const i = this.#i;
    if (i < 0 || i >= this.#env.size) {
      this.#i = -1;
      return { value: undefined, done: true };
    }
    this.#i = i + 1;
    return { value: [this.#env.nameAt(i), this.#env.valueAt(i)], done: false };
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this;
  }
}
// An iterator like the language's own: %IteratorPrototype% above it, so that the iterator
// helpers (map, filter, toArray, … where the engine has them) work on it as on a generator's.
Object.setPrototypeOf(Entries.prototype, Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())));

/** (Made apart from the checks, which stay small enough to inline.) */
function outOfRange(i: number, size: number): RangeError {
  return new RangeError(`no entry ${i} in an Environ of ${size}`);
}

/** Copies the span at `spans[at], spans[at + 1]` of `from` to `to[pos…]` and points the span there. */
function moveSpan(spans: number[], at: number, from: Uint8Array, to: Uint8Array, pos: number): number {
  const start = spans[at]!;
  const end = spans[at + 1]!;
  to.set(from.subarray(start, end), pos);
  spans[at] = pos;
  spans[at + 1] = pos + end - start;
  return pos + end - start;
}

/** `env` must be an Environ: a plain object of variables is not one (wrap it: `new Environ(object)`). */
export function checkEnviron(env: unknown, where: string): void {
  if (!(env instanceof Environ))
    throw new TypeError(`${where}: env must be an Environ (new Environ(pairs or an object) makes one)`);
}

// ---- For codecs (exported by @envwire/environ/codec): how a decoder fills an Environ without
// allocating, and how an encoder writes entries straight from the bytes they were decoded from.

/**
 * Adds an entry whose name is `buf[nameStart, nameEnd)` and whose value is
 * `buf[valueStart, valueEnd)`, both kept as views. The spans must lie inside `buf` (decoders
 * have checked them); the name's bytes are taken as latin-1.
 */
export function appendEncoded(
  env: Environ,
  buf: Uint8Array,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
): Environ {
  appendEncodedTo(env, buf, nameStart, nameEnd, valueStart, valueEnd);
  return env;
}

/** Adds an entry named `name` whose value is the view `buf[start, end)`. */
export function appendSlice(
  env: Environ,
  name: string,
  buf: Uint8Array,
  start: number,
  end: number,
): Environ {
  appendSliceTo(env, name, buf, start, end);
  return env;
}

/**
 * Adds the entries of `run` after the others, borrowed as they stand rather than copied, and
 * unchecked: the run vouches for its names and strings being latin-1 (the codec that made it
 * knows, where checking would cost a read of each). Entries appended later go after it and
 * leave it borrowed; an Environ borrows one run, first: one with entries already takes the
 * run in as entries of its own, as any other change (set, delete, detach) does first. The run
 * must not change while the Environ holds it.
 */
export function appendRun(env: Environ, run: EnvironRun): Environ {
  borrowRun(env, run);
  return env;
}

/** True when entry `i` is named `name`, compared without building a string from its bytes. */
export function nameEquals(env: Environ, i: number, name: string): boolean {
  return nameIs(env, i, name);
}

/** Length in bytes of entry `i`'s name. */
export function nameByteLength(env: Environ, i: number): number {
  return nameLength(env, i);
}

/** Length in bytes of entry `i`'s value. */
export function valueByteLength(env: Environ, i: number): number {
  return valueLength(env, i);
}

/** Writes entry `i`'s name bytes, straight from the decoded input where it came from there. */
export function writeNameAt(env: Environ, i: number, w: ByteWriter): void {
  writeName(env, i, w);
}

/** Writes entry `i`'s value bytes, straight from the decoded input where it came from there. */
export function writeValueAt(env: Environ, i: number, w: ByteWriter): void {
  writeValue(env, i, w);
}

/**
 * Notes that `buf[start, end)` is every entry of `env`, in order, laid out as `format` (a
 * codec's name for its own layout, such as "uwsgi vars") lays them out, exactly as that
 * codec's encoder would write them: so that it can send them on as one copy, until an entry
 * changes (any change forgets the note). For a decoder, once it has added every entry from
 * that one block of one chunk.
 */
export function markSource(env: Environ, format: string, buf: Uint8Array, start: number, end: number): void {
  setSource(env, format, buf, start, end);
}

/** Bytes of the block `env` was decoded from as `format` (see markSource), or -1 when there is none. */
export function sourceByteLength(env: Environ, format: string): number {
  return sourceBytes(env, format);
}

/** Writes the block `env` was decoded from: only once sourceByteLength has said there is one. */
export function writeSource(env: Environ, w: ByteWriter): void {
  copySource(env, w);
}

/**
 * Takes a borrowed run's entries in as the Environ's own (as any change would): for an
 * encoder about to measure and then write every entry, which then reads them from the
 * Environ's arrays, where it would ask the run for each twice. The entries stay as they are.
 */
export function ownEntries(env: Environ): Environ {
  settle(env);
  return env;
}
