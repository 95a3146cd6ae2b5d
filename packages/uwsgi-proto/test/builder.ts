// An independent builder of uwsgi bytes for fixtures, written from the spec with plain
// arrays: the encoder under test is never used to make the bytes it is tested against.
import { ascii } from "../../../test/support/chunks.js";

type Bytes = string | Uint8Array;
const bytesOf = (b: Bytes) => (typeof b === "string" ? ascii(b) : b);

export function varsBlock(vars: readonly (readonly [Bytes, Bytes])[]): number[] {
  const out: number[] = [];
  for (const [k, v] of vars) {
    const key = bytesOf(k);
    const value = bytesOf(v);
    out.push(key.length & 0xff, key.length >> 8, ...key, value.length & 0xff, value.length >> 8, ...value);
  }
  return out;
}

export function packet(modifier1: number, payload: readonly number[], modifier2 = 0): Uint8Array {
  return Uint8Array.from([modifier1, payload.length & 0xff, payload.length >> 8, modifier2, ...payload]);
}

export const request = (
  vars: readonly (readonly [Bytes, Bytes])[],
  body: Bytes = "",
  modifier1 = 0,
): Uint8Array => Uint8Array.from([...packet(modifier1, varsBlock(vars)), ...bytesOf(body)]);
