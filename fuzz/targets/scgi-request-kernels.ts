// scgi-proto's RequestDecoder on its two paths: the WebAssembly SIMD kernels and the
// JavaScript fallback (kernels: false) must report the same events, or the same error code at
// the same offset, for every input, whole and cut (the runner's oracle compares those).
import { isDeepStrictEqual } from "node:util";
import { ProtocolError } from "@envwire/environ";
import { decode } from "../../packages/scgi-proto/test/recorder.js";
import { ascii } from "../../test/support/chunks.js";
import { splitInvariant } from "../oracle.js";
import { dictionary as scgiDictionary, seeds as scgiSeeds } from "./scgi-request.js";

export { hold } from "./scgi-request.js";

type Outcome = { events: unknown } | { error: ProtocolError };

function outcomeOf(chunks: readonly Uint8Array[], kernels: boolean): Outcome {
  try {
    return { events: decode(chunks, { kernels }).events };
  } catch (e) {
    if (e instanceof ProtocolError) return { error: e };
    throw e;
  }
}

const brief = (o: Outcome) => ("error" in o ? `${o.error.code} at ${o.error.offset}` : "decoded");

export const fuzz: (data: Uint8Array) => string = splitInvariant((chunks) => {
  const simd = outcomeOf(chunks, true);
  const js = outcomeOf(chunks, false);
  const same =
    "error" in simd
      ? "error" in js && simd.error.code === js.error.code && simd.error.offset === js.error.offset
      : "events" in js && isDeepStrictEqual(simd.events, js.events);
  if (!same)
    throw new Error(`the SIMD kernels and the JavaScript fallback differ: ${brief(simd)} / ${brief(js)}`);
  if ("error" in simd) throw simd.error;
  return simd.events;
});

/** A request whose header block is `block` (its length prefix and comma added). */
const netstring = (block: string) => ascii(`${block.length}:${block},`);
const head = "CONTENT_LENGTH\u00000\u0000SCGI\u00001\u0000";

// Besides scgi-request's: blocks of 48 and 144 bytes (multiples of 16) and of 65 and 257 (just
// past 64 and 256), where the kernel's 16-byte steps and their last, masked one fall.
export const seeds: Uint8Array[] = [
  ...scgiSeeds,
  netstring(`${head}AB\u0000${"v".repeat(20)}\u0000`),
  netstring(`${head}A\u0000${"v".repeat(38)}\u0000`),
  netstring(`${head}A\u0000${"v".repeat(12)}\u0000B\u0000${"w".repeat(215)}\u0000`),
  netstring(`${head}${"N\u0000v\u0000".repeat(30)}`),
];

export const dictionary: Uint8Array[] = [...scgiDictionary, ascii("\u0000".repeat(16))];
