import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { firstNonLatin1, latin1Equals, latin1Output } from "../src/codec.js";
import { latin1Decode, latin1Encode, ProtocolError, utf8Decode, utf8Encode } from "../src/index.js";
import { latin1DecodePortable } from "../src/latin1.js";

// The reference: byte n is code point n, built one char at a time with no shortcuts.
const reference = (b: Uint8Array) => Array.from(b, (x) => String.fromCharCode(x)).join("");

describe("latin1", () => {
  it("encodes an encoder's output into views of the shared slab, refusing what is not latin-1", () => {
    const a = latin1Output("HTTP/1.1 200 OK\r\n\r\n");
    const b = latin1Output("caf\u00e9");
    expect(a).toEqual(latin1Encode("HTTP/1.1 200 OK\r\n\r\n"));
    expect(b).toEqual(new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
    expect(a.buffer).toBe(b.buffer);
    expect(() => latin1Output("x\u0101")).toThrow(ProtocolError);
  });

  it("round-trips all 256 byte values", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const s = latin1Decode(all);
    expect(s).toBe(reference(all));
    expect(latin1Encode(s)).toEqual(all);
    expect(latin1Equals(all, 0, 256, s)).toBe(true);
  });

  it("is not windows-1252 (0x80-0x9F stay C1 controls)", () => {
    const c1 = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    expect(latin1Decode(c1)).toBe(reference(c1));
    expect(latin1DecodePortable(c1)).toBe(reference(c1));
  });

  it("decodes a sub-span", () => {
    expect(latin1Decode(new Uint8Array([0x41, 0x42, 0x43, 0x44]), 1, 3)).toBe("BC");
    expect(latin1Decode(new Uint8Array([0x41]), 1, 1)).toBe("");
  });

  it("refuses code points above 0xFF", () => {
    expect(firstNonLatin1("ab\u0100")).toBe(2);
    expect(firstNonLatin1("\u00ff")).toBe(-1);
    expect(() => latin1Encode("x\u{1f600}")).toThrow(ProtocolError);
  });

  it("compares spans with strings", () => {
    const b = new Uint8Array([0x41, 0x42]);
    expect(latin1Equals(b, 0, 2, "AB")).toBe(true);
    expect(latin1Equals(b, 0, 2, "AC")).toBe(false);
    expect(latin1Equals(b, 0, 1, "AB")).toBe(false);
  });

  it("converts UTF-8 both ways", () => {
    expect(utf8Encode("\u20ac")).toEqual(new Uint8Array([0xe2, 0x82, 0xac]));
    expect(utf8Decode(new Uint8Array([0xe2, 0x82, 0xac]))).toBe("\u20ac");
  });
});

// Lengths chosen to cross the short-string and chunking thresholds: the result must not
// depend on which path decoded it.
const lengths = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: 8150, max: 8250 }),
  fc.constant(20_000),
);
test.prop([lengths.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), fc.nat(5), fc.nat(5)])(
  "decodes any bytes as the reference does, at any length",
  (b, cutStart, cutEnd) => {
    const start = Math.min(cutStart, b.length);
    const end = Math.max(start, b.length - cutEnd);
    const s = latin1Decode(b, start, end);
    expect(s).toBe(reference(b.subarray(start, end)));
    expect(latin1DecodePortable(b, start, end)).toBe(s);
    expect(latin1Encode(s)).toEqual(b.subarray(start, end));
  },
);
