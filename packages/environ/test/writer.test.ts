import { describe, expect, it } from "vitest";
import { ByteWriter } from "../src/codec.js";
import { ProtocolError } from "../src/index.js";

describe("ByteWriter", () => {
  it("writes integers in both byte orders", () => {
    const w = ByteWriter.alloc(9);
    w.u8(0xab);
    w.u16le(0x1234);
    w.u16be(0x1234);
    w.u32be(0xdeadbeef);
    expect(w.finish()).toBe(9);
    expect([...w.bytes]).toEqual([0xab, 0x34, 0x12, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef]);
  });

  it("copies short and long spans and latin-1 strings", () => {
    const long = Uint8Array.from({ length: 100 }, (_, i) => i);
    const w = ByteWriter.alloc(3 + 98 + 100 + 2);
    w.copy(long, 10, 13);
    w.copy(long, 1, 99);
    w.copy(long);
    w.latin1("\u00e9A");
    w.finish();
    expect([...w.bytes.subarray(0, 3)]).toEqual([10, 11, 12]);
    expect(w.bytes.subarray(3, 101)).toEqual(long.subarray(1, 99));
    expect(w.bytes.subarray(101, 201)).toEqual(long);
    expect([...w.bytes.subarray(201)]).toEqual([0xe9, 0x41]);
  });

  it("writes into a caller's buffer at an offset, and refuses a region that does not fit", () => {
    const buf = new Uint8Array(8).fill(0xee);
    const w = new ByteWriter(buf, 3, 2);
    w.u16be(0x0102);
    expect(w.finish()).toBe(5);
    expect([...buf]).toEqual([0xee, 0xee, 0xee, 1, 2, 0xee, 0xee, 0xee]);
    expect(() => new ByteWriter(buf, 7, 2)).toThrow(ProtocolError);
    expect(() => new ByteWriter(buf, -1, 2)).toThrow(/ENVIRON_BUFFER_TOO_SMALL/);
  });

  it("finish catches a miscount", () => {
    const w = ByteWriter.alloc(2);
    w.u8(1);
    expect(() => w.finish()).toThrow(/wrote 1 of 2/);
  });
});
