/**
 * The header (or trailer) fields of one message as views into the bytes they came in:
 * names and values become strings only when asked for. Lookups by name are
 * case-insensitive, as field names are (RFC 9110 §5.1).
 *
 * `HeaderFields` is what users see; `Fields` is the package's own class behind it, which also
 * holds what the scanner found (each name's meaning, their kinds and traits, the decoder's
 * name table and chunk text) for framing and the Environ mapping: the one seam between them.
 */
import { latin1Decode } from "@envwire/environ";
import { printEntries, printWith } from "@envwire/environ/codec";
import type { ChunkText } from "./environ/chunk-text.js";
import type { FieldName, NameTable } from "./field-names.js";

/** What the head scanner notes of a head's field names as a whole, as bits. */
export const NameTraits = {
  /** Every name was already in a name table: two fields share an entry exactly when they share a name. */
  Settled: 1,
  /** Some name (entry) comes twice. */
  Repeats: 2,
  /** Some name has "_". */
  Underscore: 4,
  /** Some name has a byte other than a letter, digit, "-" or "_" (see FieldName's odd). */
  Odd: 8,
} as const;

export interface HeaderFields extends Iterable<[name: string, value: string]> {
  /** Number of fields, repeats counted. */
  readonly size: number;
  /** The name of field `i` as it was sent (case kept). */
  nameAt(i: number): string;
  /** The value of field `i` as latin-1. */
  valueAt(i: number): string;
  /** The value of field `i`: a view, not a copy. */
  valueBytesAt(i: number): Uint8Array;
  /** The CGI variable field `i` maps to: HTTP_*, or CONTENT_TYPE / CONTENT_LENGTH. */
  cgiNameAt(i: number): string;
  /** The values of `name` joined with ", " (RFC 9110 §5.3), or undefined when absent. */
  get(name: string): string | undefined;
  /** Every value of the fields named `name`, in order. */
  getAll(name: string): string[];
  has(name: string): boolean;
  /** The fields as [name, value] pairs, in order, repeats kept: what JSON.stringify writes. */
  toJSON(): [name: string, value: string][];
}

export class Fields implements HeaderFields {
  /** The bytes the fields are views into. */
  readonly buffer: Uint8Array;
  /** Four numbers a field: nameStart, nameEnd, valueStart, valueEnd, into `buffer`. */
  readonly spans: readonly number[];
  /** What each name means (see field-names). */
  readonly names: readonly FieldName[];
  /** The or of the fields' FieldKinds, and what the scanner noted of the names (NameTraits). */
  readonly kinds: number;
  readonly traits: number;
  /** The decoder's name table (its scratch serves the Environ mapping), and its shared text of the chunk. */
  readonly table: NameTable;
  readonly text: ChunkText | undefined;

  constructor(
    buffer: Uint8Array,
    spans: readonly number[],
    names: readonly FieldName[],
    kinds: number,
    traits: number,
    table: NameTable,
    text?: ChunkText,
  ) {
    this.buffer = buffer;
    this.spans = spans;
    this.names = names;
    this.kinds = kinds;
    this.traits = traits;
    this.table = table;
    this.text = text;
  }

  get size(): number {
    return this.names.length;
  }

  nameStartAt(i: number): number {
    return this.spans[i * 4]!;
  }

  nameEndAt(i: number): number {
    return this.spans[i * 4 + 1]!;
  }

  valueStartAt(i: number): number {
    return this.spans[i * 4 + 2]!;
  }

  valueEndAt(i: number): number {
    return this.spans[i * 4 + 3]!;
  }

  cgiNameAt(i: number): string {
    return this.names[i]!.cgi;
  }

  nameAt(i: number): string {
    return latin1Decode(this.buffer, this.spans[i * 4]!, this.spans[i * 4 + 1]!);
  }

  valueAt(i: number): string {
    return latin1Decode(this.buffer, this.spans[i * 4 + 2]!, this.spans[i * 4 + 3]!);
  }

  valueBytesAt(i: number): Uint8Array {
    return this.buffer.subarray(this.spans[i * 4 + 2]!, this.spans[i * 4 + 3]!);
  }

  /** True when field `i`'s name is `lowerName` (which must be lower-case), ignoring case. */
  #nameIs(i: number, lowerName: string): boolean {
    const start = this.spans[i * 4]!;
    if (this.spans[i * 4 + 1]! - start !== lowerName.length) return false;
    const b = this.buffer;
    for (let k = 0; k < lowerName.length; k++) {
      const c = b[start + k]!;
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lowerName.charCodeAt(k)) return false;
    }
    return true;
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) if (this.#nameIs(i, lower)) out.push(this.valueAt(i));
    return out;
  }

  get(name: string): string | undefined {
    const all = this.getAll(name);
    return all.length === 0 ? undefined : all.join(", ");
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    for (let i = 0; i < this.size; i++) if (this.#nameIs(i, lower)) return true;
    return false;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.size; i++) yield [this.nameAt(i), this.valueAt(i)];
  }

  /** The fields as [name, value] pairs, in order, repeats kept (not the tables behind them). */
  toJSON(): [name: string, value: string][] {
    return [...this];
  }

  static {
    // console.log(head.headers): `HeaderFields(2) { Host: 'a.test', Accept: '*/*' }`.
    printWith(Fields.prototype, (fields, depth, options, inspect) =>
      printEntries("HeaderFields", fields.size, fields, depth, options, inspect),
    );
  }
}
