/**
 * The header (or trailer) fields of one message as views into the bytes they came in:
 * names and values become strings only when asked for. Lookups by name are
 * case-insensitive, as field names are (RFC 9110 §5.1).
 */
import { latin1Decode } from "@envwire/environ";
import type { ChunkText } from "./chunk-text.js";
import type { FieldName } from "./field-names.js";

/** What the head scanner notes of a head's field names as a whole, as bits. */
export const NameTraits = {
  /** Every name was already in the name table: two fields share an entry exactly when they share a name. */
  Settled: 1,
  /** Some name (entry) comes twice. */
  Repeats: 2,
  /** Some name has "_". */
  Underscore: 4,
} as const;

/** What the package knows of each field's name (see field-names): for the decoder and the Environ mapping. */
let namesOf: (fields: HeaderFields) => readonly FieldName[];
let traitsOf: (fields: HeaderFields) => number;
let kindsOf: (fields: HeaderFields) => number;
let spansOf: (fields: HeaderFields) => readonly number[];
let textOf: (fields: HeaderFields) => ChunkText | undefined;

export class HeaderFields implements Iterable<[name: string, value: string]> {
  readonly #buf: Uint8Array;
  /** Four numbers a field: nameStart, nameEnd, valueStart, valueEnd, into #buf. */
  readonly #spans: readonly number[];
  readonly #names: readonly FieldName[];
  /** The or of the fields' FieldKinds, and what the scanner noted of the names (NameTraits). */
  readonly #kinds: number;
  readonly #traits: number;
  /** The text of the chunk the fields came in, shared with the other heads read from it. */
  readonly #text: ChunkText | undefined;

  static {
    namesOf = (fields) => fields.#names;
    traitsOf = (fields) => fields.#traits;
    kindsOf = (fields) => fields.#kinds;
    spansOf = (fields) => fields.#spans;
    textOf = (fields) => fields.#text;
  }

  /**
   * For the decoders: `spans` holds four offsets into `buf` a field, `names` what each name
   * means, `kinds` the or of their FieldKinds, `traits` what the scanner noted of them as a
   * whole (NameTraits), `text` the decoder's shared text of the chunk (see ChunkText).
   */
  constructor(
    buf: Uint8Array,
    spans: readonly number[],
    names: readonly FieldName[],
    kinds: number,
    traits: number,
    text?: ChunkText,
  ) {
    this.#buf = buf;
    this.#spans = spans;
    this.#names = names;
    this.#kinds = kinds;
    this.#traits = traits;
    this.#text = text;
  }

  /** The bytes the fields are views into (see valueStartAt, valueEndAt). */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  /** Where field `i`'s name starts in `buffer`. */
  nameStartAt(i: number): number {
    return this.#spans[i * 4]!;
  }

  /** Where field `i`'s name ends in `buffer`. */
  nameEndAt(i: number): number {
    return this.#spans[i * 4 + 1]!;
  }

  /** Where field `i`'s value starts in `buffer`. */
  valueStartAt(i: number): number {
    return this.#spans[i * 4 + 2]!;
  }

  /** Where field `i`'s value ends in `buffer`. */
  valueEndAt(i: number): number {
    return this.#spans[i * 4 + 3]!;
  }

  /** The CGI variable field `i` maps to: HTTP_*, or CONTENT_TYPE / CONTENT_LENGTH. */
  cgiNameAt(i: number): string {
    return this.#names[i]!.cgi;
  }

  /** Number of fields, repeats counted. */
  get size(): number {
    return this.#names.length;
  }

  /** The name of field `i` as it was sent (case kept). */
  nameAt(i: number): string {
    return latin1Decode(this.#buf, this.#spans[i * 4]!, this.#spans[i * 4 + 1]!);
  }

  /** The value of field `i` as latin-1. */
  valueAt(i: number): string {
    return latin1Decode(this.#buf, this.#spans[i * 4 + 2]!, this.#spans[i * 4 + 3]!);
  }

  /** The value of field `i`: a view, not a copy. */
  valueBytesAt(i: number): Uint8Array {
    return this.#buf.subarray(this.#spans[i * 4 + 2]!, this.#spans[i * 4 + 3]!);
  }

  /** True when field `i`'s name is `lowerName` (which must be lower-case), ignoring case. */
  nameIs(i: number, lowerName: string): boolean {
    const start = this.#spans[i * 4]!;
    if (this.#spans[i * 4 + 1]! - start !== lowerName.length) return false;
    const b = this.#buf;
    for (let k = 0; k < lowerName.length; k++) {
      const c = b[start + k]!;
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lowerName.charCodeAt(k)) return false;
    }
    return true;
  }

  /** Every value of the fields named `name`, in order. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) if (this.nameIs(i, lower)) out.push(this.valueAt(i));
    return out;
  }

  /** The values of `name` joined with ", " (RFC 9110 §5.3), or undefined when absent. */
  get(name: string): string | undefined {
    const all = this.getAll(name);
    return all.length === 0 ? undefined : all.join(", ");
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    for (let i = 0; i < this.size; i++) if (this.nameIs(i, lower)) return true;
    return false;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.size; i++) yield [this.nameAt(i), this.valueAt(i)];
  }
}

/** The name meanings of `fields`, one per field. */
export function fieldNamesOf(fields: HeaderFields): readonly FieldName[] {
  return namesOf(fields);
}

/** Four offsets a field into `fields.buffer`: nameStart, nameEnd, valueStart, valueEnd. */
export function fieldSpansOf(fields: HeaderFields): readonly number[] {
  return spansOf(fields);
}

/** What the scanner noted of the names of `fields` as a whole (NameTraits bits). */
export function nameTraitsOf(fields: HeaderFields): number {
  return traitsOf(fields);
}

/** The or of the FieldKinds of `fields`. */
export function fieldKindsOf(fields: HeaderFields): number {
  return kindsOf(fields);
}

/** The decoder's shared text of the chunk `fields` came in, if a decoder made them. */
export function chunkTextOf(fields: HeaderFields): ChunkText | undefined {
  return textOf(fields);
}
