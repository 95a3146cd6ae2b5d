import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { NameCache } from "../src/codec.js";
import { latin1Decode, latin1Encode } from "../src/index.js";

describe("NameCache", () => {
  it("returns the well-known name itself", () => {
    const cache = new NameCache(["REQUEST_METHOD"]);
    const b = latin1Encode("xREQUEST_METHODx");
    expect(cache.intern(b, 1, 15)).toBe("REQUEST_METHOD");
  });

  it("keeps pinned names through a flood of others", () => {
    const cache = new NameCache(["PATH_INFO"]);
    for (let i = 0; i < 50_000; i++) {
      const b = latin1Encode(`HTTP_X_${i}`);
      expect(cache.intern(b, 0, b.length)).toBe(`HTTP_X_${i}`);
    }
    const p = latin1Encode("PATH_INFO");
    expect(cache.intern(p, 0, p.length)).toBe("PATH_INFO");
  });

  it("never answers with a pinned name no bytes spell (a code point past 0xFF)", () => {
    const cache = new NameCache(["\u0758", "\u0e27", "X"]);
    // (U+0758's low byte is "X"'s.)
    expect(cache.intern(Uint8Array.of(0x58), 0, 1)).toBe("X");
    expect(cache.intern(Uint8Array.of(0x27), 0, 1)).toBe("'");
  });

  it("decodes names too long to cache", () => {
    const long = "N".repeat(200);
    const b = latin1Encode(long);
    expect(new NameCache([]).intern(b, 0, b.length)).toBe(long);
  });
});

test.prop([fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 200 })])(
  "always gives the latin-1 string of the bytes",
  (names) => {
    const cache = new NameCache();
    for (const b of [...names, ...names]) expect(cache.intern(b, 0, b.length)).toBe(latin1Decode(b));
  },
);
