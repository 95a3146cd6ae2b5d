import { describe, expect, it } from "vitest";
import { allocate } from "../src/slab.js";

describe("the encoders' slab", () => {
  it("hands out zeroed views that never overlap, and no output changes when later ones are written", () => {
    const outputs: Uint8Array[] = [];
    for (let k = 0; k < 200; k++) {
      const view = allocate(1 + ((k * 37) % 300));
      expect(view.every((b) => b === 0)).toBe(true);
      view.fill(k & 0xff);
      outputs.push(view);
    }
    for (const [k, view] of outputs.entries()) expect(view.every((b) => b === (k & 0xff))).toBe(true);
    // (Views of one slab: each starts past the end of the one before it.)
    for (let k = 1; k < outputs.length; k++) {
      const [a, b] = [outputs[k - 1]!, outputs[k]!];
      if (a.buffer === b.buffer) expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.length);
    }
  });

  it("shares a slab among small outputs and gives a large one a buffer of its own", () => {
    const [a, b] = [allocate(100), allocate(100)];
    expect(a.buffer).toBe(b.buffer);
    const large = allocate(4096);
    expect([large.byteOffset, large.buffer.byteLength]).toEqual([0, 4096]);
    expect(allocate(0).length).toBe(0);
  });

  it("goes on with a new slab when a caller transferred the one in use", () => {
    const given = allocate(16);
    structuredClone(given.buffer, { transfer: [given.buffer] });
    expect(given.length).toBe(0); // (detached)
    const next = allocate(16);
    expect(next.length).toBe(16);
    next[0] = 1;
    expect(next[0]).toBe(1);
  });
});
