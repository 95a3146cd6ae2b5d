/**
 * Environ: the CGI/WSGI request variables (RFC 3875, PEP 3333) as an ordered multimap of
 * name → bytes, the type every envwire codec decodes to and encodes from.
 *
 * Design: entries live in parallel arrays rather than one object each, so a decoder adds an
 * entry without allocating. A value is a span of some Uint8Array: for decoded input, the
 * caller's own chunk (zero-copy). A name is a string, or, for decoded input, a span of the
 * same chunk that becomes a string only when something asks for it: translating uwsgi to
 * FastCGI copies name and value bytes across and never builds a string.
 *
 * Views into the caller's chunks stay valid as long as the caller leaves those bytes alone;
 * `detach()` copies everything into memory the Environ owns, for callers that reuse buffers.
 */
import { assertLatin1, latin1Decode, latin1Encode, latin1Equals, utf8Decode } from "./latin1.js";
import { sharedNameCache } from "./name-cache.js";
import type { ByteWriter } from "./writer.js";

/** A value as a caller gives it: bytes, or a latin-1 string (every code point at most 0xFF). */
export type EnvironValue = string | Uint8Array;

/** What an Environ can be built from: pairs in order (duplicates kept), or a plain object. */
export type EnvironInit = Iterable<readonly [string, EnvironValue]> | Readonly<Record<string, EnvironValue>>;

export class Environ implements Iterable<[name: string, value: string]> {
  /** Entry i's name, or undefined while it is still only the bytes at #spans[4i, 4i+1]. */
  #names: (string | undefined)[] = [];
  /**
   * The buffer holding entry i's value bytes (and its name bytes, if it has them); undefined
   * for a value given as a string, whose latin-1 bytes are made only if something asks.
   */
  #bufs: (Uint8Array | undefined)[] = [];
  /** Four numbers an entry: nameStart, nameEnd (both -1 for a string name), valueStart, valueEnd. */
  #spans: number[] = [];
  /** Entry i's value as a latin-1 string, once decoded or given. */
  #strings: (string | undefined)[] = [];

  constructor(init?: EnvironInit) {
    if (init === undefined) return;
    if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<readonly [string, EnvironValue]>) this.append(name, value);
    } else {
      const record = init as Readonly<Record<string, EnvironValue>>;
      for (const name of Object.keys(record)) this.append(name, record[name]!);
    }
  }

  /** Number of entries, duplicates counted. */
  get size(): number {
    return this.#names.length;
  }

  /** The value of the last entry named `name`, as latin-1. */
  get(name: string): string | undefined {
    const i = this.#lastIndexOf(name);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** The values of every entry named `name`, in order. */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#names.length; i++) if (this.#nameIs(i, name)) out.push(this.valueAt(i));
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
    const first = this.#indexOf(name, 0);
    if (first < 0) return this.append(name, value);
    const [bytes, string, length] = toBytes(value, name);
    const j = first * 4;
    // The new value lives in another buffer, so the name can no longer be a span of the old one.
    this.#names[first] = this.nameAt(first);
    this.#spans[j] = -1;
    this.#spans[j + 1] = -1;
    this.#bufs[first] = bytes;
    this.#spans[j + 2] = 0;
    this.#spans[j + 3] = length;
    this.#strings[first] = string;
    this.#removeWhere((i) => i > first && this.#nameIs(i, name));
    return this;
  }

  /** Adds an entry at the end, keeping any others of the same name. */
  append(name: string, value: EnvironValue): this {
    assertLatin1(name, "name");
    const [bytes, string, length] = toBytes(value, name);
    this.#push(name, bytes, -1, -1, 0, length, string);
    return this;
  }

  /** Removes every entry named `name`; true if there was one. */
  delete(name: string): boolean {
    return this.#removeWhere((i) => this.#nameIs(i, name)) > 0;
  }

  /** Entries in wire order, values as latin-1. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#names.length; i++) yield [this.nameAt(i), this.valueAt(i)];
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
    for (let i = 0; i < this.#names.length; i++) out[this.nameAt(i)] = this.valueAt(i);
    return out;
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
    let total = 0;
    for (let i = 0; i < this.size; i++) total += this.nameByteLength(i) + this.valueByteLength(i);
    // (string names and values count too, though they stay strings: a little room spare)
    const own = new Uint8Array(total);
    let pos = 0;
    const spans = this.#spans;
    for (let i = 0; i < this.size; i++) {
      const j = i * 4;
      const buf = this.#bufs[i];
      if (buf === undefined) continue; // a string value: nothing borrowed
      if (this.#names[i] === undefined || spans[j]! >= 0) {
        own.set(buf.subarray(spans[j]!, spans[j + 1]!), pos);
        spans[j + 1] = pos + spans[j + 1]! - spans[j]!;
        spans[j] = pos;
        pos = spans[j + 1]!;
      }
      own.set(buf.subarray(spans[j + 2]!, spans[j + 3]!), pos);
      spans[j + 3] = pos + spans[j + 3]! - spans[j + 2]!;
      spans[j + 2] = pos;
      pos = spans[j + 3]!;
      this.#bufs[i] = own;
    }
    return this;
  }

  // ---- Indexed access, for codecs and other code that walks every entry. ----

  /** The name of entry `i` (0 ≤ i < size). */
  nameAt(i: number): string {
    const name = this.#names[this.#check(i)];
    if (name !== undefined) return name;
    const j = i * 4;
    const interned = sharedNameCache.intern(this.#bufs[i]!, this.#spans[j]!, this.#spans[j + 1]!);
    this.#names[i] = interned;
    return interned;
  }

  /** The value of entry `i` as latin-1 (decoded once, then cached). */
  valueAt(i: number): string {
    const cached = this.#strings[this.#check(i)];
    if (cached !== undefined) return cached;
    const j = i * 4;
    const s = latin1Decode(this.#bufs[i]!, this.#spans[j + 2]!, this.#spans[j + 3]!);
    this.#strings[i] = s;
    return s;
  }

  /** The value bytes of entry `i`: a view, not a copy. */
  bytesAt(i: number): Uint8Array {
    const j = this.#check(i) * 4;
    return this.#valueBuffer(i).subarray(this.#spans[j + 2]!, this.#spans[j + 3]!);
  }

  /** True when entry `i` is named `name`, compared without building a string from its bytes. */
  nameEquals(i: number, name: string): boolean {
    return this.#nameIs(this.#check(i), name);
  }

  /** Length in bytes of entry `i`'s name. */
  nameByteLength(i: number): number {
    const j = this.#check(i) * 4;
    const start = this.#spans[j]!;
    return start >= 0 ? this.#spans[j + 1]! - start : this.#names[i]!.length;
  }

  /** Length in bytes of entry `i`'s value. */
  valueByteLength(i: number): number {
    const j = this.#check(i) * 4;
    return this.#spans[j + 3]! - this.#spans[j + 2]!;
  }

  /** Writes entry `i`'s name bytes, straight from the decoded input where it came from there. */
  writeNameAt(i: number, w: ByteWriter): void {
    const j = this.#check(i) * 4;
    const start = this.#spans[j]!;
    if (start >= 0) w.copy(this.#bufs[i]!, start, this.#spans[j + 1]!);
    else w.latin1(this.#names[i]!);
  }

  /** Writes entry `i`'s value bytes. */
  writeValueAt(i: number, w: ByteWriter): void {
    const j = this.#check(i) * 4;
    const buf = this.#bufs[i];
    if (buf === undefined) w.latin1(this.#strings[i]!);
    else w.copy(buf, this.#spans[j + 2]!, this.#spans[j + 3]!);
  }

  /**
   * Adds an entry whose name is `buf[nameStart, nameEnd)` and whose value is
   * `buf[valueStart, valueEnd)`, both kept as views: how decoders fill an Environ without
   * allocating. The spans must lie inside `buf` (decoders have checked them).
   */
  appendEncoded(
    buf: Uint8Array,
    nameStart: number,
    nameEnd: number,
    valueStart: number,
    valueEnd: number,
  ): this {
    this.#push(undefined, buf, nameStart, nameEnd, valueStart, valueEnd, undefined);
    return this;
  }

  /** Adds an entry named `name` whose value is the view `buf[start, end)`. */
  appendSlice(name: string, buf: Uint8Array, start: number, end: number): this {
    assertLatin1(name, "name");
    this.#push(name, buf, -1, -1, start, end, undefined);
    return this;
  }

  #push(
    name: string | undefined,
    buf: Uint8Array | undefined,
    nameStart: number,
    nameEnd: number,
    valueStart: number,
    valueEnd: number,
    string: string | undefined,
  ): void {
    this.#names.push(name);
    this.#bufs.push(buf);
    this.#spans.push(nameStart, nameEnd, valueStart, valueEnd);
    this.#strings.push(string);
  }

  /** Entry i's value buffer, making the latin-1 bytes of a string value the first time. */
  #valueBuffer(i: number): Uint8Array {
    let buf = this.#bufs[i];
    if (buf === undefined) {
      buf = latin1Encode(this.#strings[i]!);
      this.#bufs[i] = buf;
    }
    return buf;
  }

  #check(i: number): number {
    if (!(i >= 0 && i < this.#names.length))
      throw new RangeError(`no entry ${i} in an Environ of ${this.size}`);
    return i;
  }

  #nameIs(i: number, name: string): boolean {
    const known = this.#names[i];
    if (known !== undefined) return known === name;
    const j = i * 4;
    return latin1Equals(this.#bufs[i]!, this.#spans[j]!, this.#spans[j + 1]!, name);
  }

  #indexOf(name: string, from: number): number {
    for (let i = from; i < this.#names.length; i++) if (this.#nameIs(i, name)) return i;
    return -1;
  }

  #lastIndexOf(name: string): number {
    for (let i = this.#names.length - 1; i >= 0; i--) if (this.#nameIs(i, name)) return i;
    return -1;
  }

  /** Removes the entries for which `doomed(i)` holds, in one pass; returns how many went. */
  #removeWhere(doomed: (i: number) => boolean): number {
    const n = this.#names.length;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (doomed(i)) continue;
      if (kept !== i) {
        this.#names[kept] = this.#names[i];
        this.#bufs[kept] = this.#bufs[i];
        this.#strings[kept] = this.#strings[i];
        for (let k = 0; k < 4; k++) this.#spans[kept * 4 + k] = this.#spans[i * 4 + k]!;
      }
      kept++;
    }
    this.#names.length = kept;
    this.#bufs.length = kept;
    this.#strings.length = kept;
    this.#spans.length = kept * 4;
    return n - kept;
  }
}

/** A value as stored: bytes (kept as given), or a checked latin-1 string whose bytes come later. */
function toBytes(value: EnvironValue, name: string): [Uint8Array | undefined, string | undefined, number] {
  if (typeof value !== "string") return [value, undefined, value.length];
  assertLatin1(value, "value", name);
  return [undefined, value, value.length];
}
