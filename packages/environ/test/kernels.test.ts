// The byte kernels: the WebAssembly module matches its WAT source, the realm runs the SIMD
// kernels (Node 20 has SIMD) unless told not to, and both implementations list exactly the
// NULs a naive loop finds, wherever the window lies in the caller's bytes.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { byteKernels, KERNEL_WINDOW } from "../src/codec.js";

const REAL_WEBASSEMBLY = WebAssembly;

const naive = (buf: Uint8Array, from: number, to: number) => {
  const out: number[] = [];
  for (let i = from; i < to; i++) if (buf[i] === 0) out.push(i);
  return out;
};

describe("byte kernels", () => {
  it("ships the module its WAT compiles to", () => {
    const script = resolve(import.meta.dirname, "../../../scripts/build-kernels.mjs");
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });

  it("runs the SIMD kernels unless ENVWIRE_KERNELS=js or the caller asks for JavaScript", () => {
    expect(byteKernels().path).toBe(process.env.ENVWIRE_KERNELS === "js" ? "js" : "simd");
    expect(byteKernels(false).path).toBe("js");
    expect(byteKernels()).toBe(byteKernels()); // (one instance a realm)
  });

  describe("chosen once, at load", () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.unstubAllGlobals();
      vi.resetModules();
    });
    /** The seam as a realm with this environment would load it. */
    const load = async () => {
      vi.resetModules();
      return (await import("../src/kernels.js")).byteKernels();
    };

    it("the JavaScript kernels where ENVWIRE_KERNELS is js", async () => {
      vi.stubEnv("ENVWIRE_KERNELS", "js");
      expect((await load()).path).toBe("js");
      vi.stubEnv("ENVWIRE_KERNELS", "");
      expect((await load()).path).toBe("simd");
    });

    it("the JavaScript kernels where there is no WebAssembly, or it cannot be instantiated (a CSP)", async () => {
      vi.stubGlobal("WebAssembly", undefined);
      expect((await load()).path).toBe("js");
      vi.stubGlobal("WebAssembly", {
        validate: REAL_WEBASSEMBLY.validate,
        Module: REAL_WEBASSEMBLY.Module,
        Instance: class {
          constructor() {
            throw new Error("refused by the Content-Security-Policy");
          }
        },
      });
      expect((await load()).path).toBe("js");
    });
  });

  // Bytes where NULs are common, in a buffer that may sit at an offset in a larger one (a
  // view, as a socket's chunk often is), lengths around and past the 16-byte steps and the
  // window, and a range anywhere in it.
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.array(fc.constantFrom(0, 0, 0x3a, 0x41, 0xff), { maxLength: 600 }).map((a) => Uint8Array.from(a)),
    fc
      .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 32 }))
      .map(([n, k]) => Uint8Array.from({ length: n * 16 }, (_, i) => (i % k === 0 ? 0 : 0x61))),
    fc
      .tuple(
        fc.integer({ min: KERNEL_WINDOW - 40, max: KERNEL_WINDOW + 600 }),
        fc.integer({ min: 1, max: 97 }),
      )
      .map(([n, k]) => Uint8Array.from({ length: n }, (_, i) => (i % k === 0 ? 0 : 0x62))),
  );
  const placed = fc.tuple(bytes, fc.nat({ max: 17 }), fc.nat({ max: 17 })).map(([b, before, after]) => {
    const backing = new Uint8Array(before + b.length + after).fill(0);
    backing.set(b, before);
    return backing.subarray(before, before + b.length);
  });
  const withRange = placed.chain((buf) =>
    fc.tuple(fc.nat({ max: buf.length }), fc.nat({ max: buf.length })).map(([a, b]) => {
      const from = Math.min(a, b);
      return [buf, from, Math.min(Math.max(a, b), from + KERNEL_WINDOW)] as const;
    }),
  );

  for (const simd of [true, false]) {
    test.prop([withRange, fc.nat({ max: 300 })])(
      `${simd ? "the SIMD" : "the JavaScript"} kernels list every NUL of the range, and only those`,
      ([buf, from, to], junkLength) => {
        const kernels = byteKernels(simd);
        // (An earlier, longer scan leaves its bytes behind: none may show through.)
        kernels.listNuls(new Uint8Array(junkLength), 0, junkLength);
        const before = buf.slice();
        const count = kernels.listNuls(buf, from, to);
        expect(Array.from(kernels.offsets.subarray(0, count))).toEqual(naive(buf, from, to));
        expect(buf).toEqual(before);
      },
    );
  }
});
