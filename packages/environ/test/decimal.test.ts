import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { DECIMAL_INVALID, DECIMAL_OVERFLOW, parseDecimal } from "../src/codec.js";
import { latin1Encode } from "../src/index.js";

const parse = (s: string, max?: number) => {
  const b = latin1Encode(s);
  return parseDecimal(b, 0, b.length, max);
};

describe("parseDecimal", () => {
  it("parses digits", () => {
    expect(parse("0")).toBe(0);
    expect(parse("007")).toBe(7);
    expect(parse("1234567890")).toBe(1234567890);
    expect(parse("9007199254740991")).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("rejects everything but digits", () => {
    for (const s of ["", " 1", "1 ", "+1", "-1", "1.0", "0x10", "1e3", "\u00b9", "1_0"]) {
      expect(parse(s), s).toBe(DECIMAL_INVALID);
    }
  });

  it("detects overflow past the maximum", () => {
    expect(parse("9007199254740992")).toBe(DECIMAL_OVERFLOW);
    expect(parse("99999999999999999999999999999")).toBe(DECIMAL_OVERFLOW);
    expect(parse("65535", 65535)).toBe(65535);
    expect(parse("65536", 65535)).toBe(DECIMAL_OVERFLOW);
    expect(parse("0000000000000000000000000000001", 1)).toBe(1);
  });

  it("reads only the span it is given", () => {
    const b = latin1Encode("x42y");
    expect(parseDecimal(b, 1, 3)).toBe(42);
  });
});

test.prop([fc.maxSafeNat()])("agrees with Number() on every safe integer", (n) => {
  expect(parse(String(n))).toBe(n);
});
