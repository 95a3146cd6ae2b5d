// uwsgi: decode and encode beside the floor, a plain copy of the same bytes.

import { Environ } from "@envwire/environ";
import { valueByteLength } from "@envwire/environ/codec";
import { encodeRequest, RequestDecoder } from "@envwire/uwsgi-proto";
import { bench, do_not_optimize, group, summary } from "mitata";
import { chunked, floorOf, largeVars, nginxTypicalVars } from "./fixtures.mjs";

/** Checks registered here run after the benchmarks (run.mjs calls them). */
export const checks = [];
const checkAfter = (f) => checks.push(f);

const typical = encodeRequest(new Environ(nginxTypicalVars));
const large = encodeRequest(new Environ(largeVars()));

/** A decoder that counts what it sees, so the loop's work can be checked, not optimised away. */
function countingDecoder(read = "nothing") {
  const seen = { heads: 0, vars: 0, bytes: 0 };
  const decoder = new RequestDecoder({
    onHead({ env }) {
      seen.heads++;
      seen.vars += env.size;
      if (read === "length") for (let i = 0; i < env.size; i++) seen.bytes += valueByteLength(env, i);
      if (read === "string")
        for (let i = 0; i < env.size; i++) seen.bytes += env.valueAt(i).length + env.nameAt(i).length;
    },
  });
  return { decoder, seen };
}

for (const [name, bytes, varsCount] of [
  ["typical", typical, nginxTypicalVars.length],
  ["large", large, largeVars().length],
]) {
  group(`uwsgi ${name} packet (${bytes.length} bytes, ${varsCount} vars)`, () => {
    summary(() => {
      bench("set() into a ready buffer (floor)", floorOf(bytes));
      const { decoder, seen } = countingDecoder();
      bench("envwire decode", () => decoder.push(bytes));
      const r = countingDecoder("length");
      bench("envwire decode, read every value's length", () => r.decoder.push(bytes));
      const s = countingDecoder("string");
      bench("envwire decode, read every name and value as a string", () => s.decoder.push(bytes));
      const decoded = [];
      new RequestDecoder({ onHead: ({ env }) => decoded.push(env) }).push(bytes);
      bench("envwire encode (from a decoded Environ)", () => do_not_optimize(encodeRequest(decoded[0])));
      const built = new Environ(name === "typical" ? nginxTypicalVars : largeVars());
      bench("envwire encode (from strings)", () => do_not_optimize(encodeRequest(built)));
      checkAfter(() => {
        if (seen.heads > 0 && seen.vars !== seen.heads * varsCount)
          throw new Error("uwsgi decode miscounted");
      });
    });
  });
}

// Linearity: the same packet pushed whole, in 1 KiB and 64-byte chunks and one byte at a
// time, and a packet ten times smaller one byte at a time. The cost per byte of a given chunk
// size must not grow with the packet (no re-scan, no re-copy of what was buffered): the
// 1-byte figures of the two packets should differ by about the 10x of their sizes.
const small = encodeRequest(new Environ(largeVars().slice(0, 40)));
group(`uwsgi packet, split (${large.length} and ${small.length} bytes)`, () => {
  summary(() => {
    for (const [packet, size] of [
      [large, large.length],
      [large, 1024],
      [large, 64],
      [large, 1],
      [small, 1],
    ]) {
      const chunks = chunked(packet, size);
      const { decoder, seen } = countingDecoder();
      const how = size === packet.length ? "one chunk" : `${size}-byte chunks`;
      bench(`envwire decode of ${packet.length} bytes in ${how}`, () => {
        for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]);
      });
      checkAfter(() => {
        if (seen.heads === 0) throw new Error("split decode saw no head");
      });
    }
  });
});
