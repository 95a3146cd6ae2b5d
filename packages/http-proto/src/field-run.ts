/**
 * A head's fields as entries an Environ borrows (see Environ.appendRun): CGI names and value
 * spans read straight from the HeaderFields, nothing copied per field.
 */
import type { EnvironRun } from "@envwire/environ";
import type { FieldName } from "./field-names.js";
import type { HeaderFields } from "./header-fields.js";

export class FieldRun implements EnvironRun {
  readonly size: number;
  readonly buffer: Uint8Array;
  readonly #fields: HeaderFields;
  readonly #names: readonly FieldName[];
  /** The fields in the run, when not all of them are. */
  readonly #index: readonly number[] | undefined;

  constructor(fields: HeaderFields, names: readonly FieldName[], index: readonly number[] | undefined) {
    this.#fields = fields;
    this.#names = names;
    this.#index = index;
    this.size = index === undefined ? names.length : index.length;
    this.buffer = fields.buffer;
  }

  nameAt(k: number): string {
    return this.#names[this.#field(k)]!.cgi;
  }

  valueStartAt(k: number): number {
    return this.#fields.valueStartAt(this.#field(k));
  }

  valueEndAt(k: number): number {
    return this.#fields.valueEndAt(this.#field(k));
  }

  #field(k: number): number {
    return this.#index === undefined ? k : this.#index[k]!;
  }
}
