// The thresholds in @envwire/environ's byte helpers come from here: where a JS loop stops
// beating a call into the engine, for latin-1 decoding and for copying bytes.
import { latin1Decode } from "@envwire/environ";
import { copyBytes } from "@envwire/environ/codec";
import { bench, do_not_optimize, group, summary } from "mitata";

export const checks = [];

for (const n of [8, 16, 64, 256, 2048]) {
  const bytes = Uint8Array.from({ length: n + 6 }, (_, i) => 0x61 + (i % 26));
  group(`latin1 decode of ${n} bytes`, () => {
    summary(() => {
      bench("envwire latin1Decode", () => do_not_optimize(latin1Decode(bytes, 3, 3 + n)));
      bench("String.fromCharCode.apply", () =>
        do_not_optimize(String.fromCharCode.apply(null, bytes.subarray(3, 3 + n))),
      );
      bench("byte-by-byte concatenation", () => {
        let s = "";
        for (let i = 3; i < 3 + n; i++) s += String.fromCharCode(bytes[i]);
        return do_not_optimize(s);
      });
    });
  });
  checks.push(() => {
    if (latin1Decode(bytes, 3, 3 + n) !== String.fromCharCode.apply(null, bytes.subarray(3, 3 + n))) {
      throw new Error("latin1Decode disagrees with fromCharCode");
    }
  });
}

for (const n of [16, 32, 64, 256]) {
  const src = new Uint8Array(n + 6).fill(7);
  const dst = new Uint8Array(n + 16);
  group(`copy of ${n} bytes`, () => {
    summary(() => {
      bench("envwire copyBytes", () => do_not_optimize(copyBytes(dst, 5, src, 3, 3 + n)));
      bench("loop", () => {
        let at = 5;
        for (let i = 3; i < 3 + n; i++) dst[at++] = src[i];
        return do_not_optimize(at);
      });
      bench("set(subarray)", () => {
        dst.set(src.subarray(3, 3 + n), 5);
        return do_not_optimize(dst);
      });
    });
  });
}
