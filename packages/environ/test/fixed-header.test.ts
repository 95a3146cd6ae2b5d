import { describe, expect, it } from "vitest";
import { FixedHeaderReader } from "../src/codec.js";

describe("FixedHeaderReader", () => {
  it("reads a whole header in place, without copying", () => {
    const r = new FixedHeaderReader(4);
    const chunk = Uint8Array.from([9, 1, 2, 3, 4, 5]);
    expect(r.read(chunk, 1)).toBe(5);
    expect([r.complete, r.bytes, r.at, r.partial]).toEqual([true, chunk, 1, false]);
  });

  it("gathers a header cut across chunks", () => {
    const r = new FixedHeaderReader(4);
    expect(r.read(Uint8Array.from([1]), 0)).toBe(1);
    expect([r.complete, r.partial]).toEqual([false, true]);
    expect(r.read(Uint8Array.from([2, 3]), 0)).toBe(2);
    expect(r.read(Uint8Array.from([4, 5, 6, 7, 8]), 0)).toBe(1);
    expect(r.complete).toBe(true);
    expect([...r.bytes.subarray(r.at, r.at + 4)]).toEqual([1, 2, 3, 4]);
    expect(r.partial).toBe(false);
  });
});
