// An independent builder of SCGI bytes for fixtures, written from the protocol description
// with plain arrays: the encoder under test is never used to make the bytes it is tested against.
import { ascii } from "../../../test/support/chunks.js";

type Bytes = string | Uint8Array;
const bytesOf = (b: Bytes) => (typeof b === "string" ? ascii(b) : b);

/** The header block: each name and value followed by a NUL. */
export function block(headers: readonly (readonly [Bytes, Bytes])[]): number[] {
  const out: number[] = [];
  for (const [name, value] of headers) out.push(...bytesOf(name), 0, ...bytesOf(value), 0);
  return out;
}

/** A netstring: the length in decimal, ":", the bytes, ",". */
export function netstring(bytes: readonly number[]): number[] {
  return [...ascii(`${bytes.length}:`), ...bytes, 0x2c];
}

export const request = (headers: readonly (readonly [Bytes, Bytes])[], body: Bytes = ""): Uint8Array =>
  Uint8Array.from([...netstring(block(headers)), ...bytesOf(body)]);
