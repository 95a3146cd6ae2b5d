// The fuzz oracle every target runs (@envwire/environ/fuzz), on decoders built to break it.
import { describe, expect, it } from "vitest";
import { sameValue, splitInvariant } from "../src/fuzz.js";
import { ProtocolError } from "../src/index.js";

const input = Uint8Array.from({ length: 64 }, (_, i) => i);

describe("splitInvariant", () => {
  it("returns ok, or the ProtocolError's code, when whole and cut agree", () => {
    expect(splitInvariant((chunks) => chunks.reduce((n, c) => n + c.length, 0))(input)).toBe("ok");
    const fail = splitInvariant(() => {
      throw new ProtocolError("X_BAD", "bad", 3);
    });
    expect(fail(input)).toBe("X_BAD");
  });

  it("throws when the outcome depends on the cuts, or on anything but a ProtocolError", () => {
    expect(() => splitInvariant((chunks) => chunks.length)(input)).toThrow(/the outcomes differ/);
    const offsets = splitInvariant((chunks) => {
      throw new ProtocolError("X_BAD", "bad", chunks[0]!.length);
    });
    expect(() => offsets(input)).toThrow(/X_BAD at 64 \/ X_BAD at/);
    const typeError = splitInvariant(() => (undefined as unknown as { x: number }).x);
    expect(() => typeError(input)).toThrow(/decoded whole: threw TypeError/);
  });

  it("runs its second check once, on what the whole input decoded to", () => {
    const seen: unknown[] = [];
    splitInvariant(
      (chunks) => chunks.length === 1,
      (whole) => seen.push(whole),
    )(Uint8Array.of(1));
    expect(seen).toEqual([true]);
  });
});

describe("sameValue", () => {
  it("compares what records hold: bytes, arrays, plain objects, Maps", () => {
    expect(
      sameValue(
        { a: [Uint8Array.of(1, 2)], m: new Map([[1, "x"]]) },
        { a: [Uint8Array.of(1, 2)], m: new Map([[1, "x"]]) },
      ),
    ).toBe(true);
    expect(sameValue(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue(new Map([[1, "x"]]), new Map([[2, "x"]]))).toBe(false);
    expect(sameValue([0], [-0])).toBe(false);
    expect(sameValue(Uint8Array.of(1), [1])).toBe(false);
  });

  it("refuses a class instance, which it could not tell from another", () => {
    expect(() => sameValue(new Date(0), new Date(1))).toThrow(/holds a Date/);
  });
});
