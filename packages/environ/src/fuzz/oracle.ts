/**
 * What every decoder must do with any bytes, as one check a fuzz target runs: decode the
 * input whole and cut into pieces (where, follows from the input, so that a failing input
 * reproduces alone), and throw unless both give the same outcome — the same events, or the
 * same ProtocolError code at the same offset — and nothing but a ProtocolError was thrown.
 */
import { ProtocolError } from "../errors.js";
import { splitAt } from "./bytes.js";
import { Random } from "./random.js";
import { sameValue } from "./same-value.js";

/**
 * A fuzz target in Jazzer.js's shape, with what a harness needs to start it: `fuzz(data)`
 * throws on a finding and returns the input's outcome ("ok" or an error code); `seeds` are
 * valid (and some invalid) messages built with the codecs' encoders, `dictionary` protocol
 * tokens for mutations; `hold(data)` is a decoder fed the input and not ended, with what its
 * handlers kept, for a harness that weighs the memory a peer can make it hold.
 */
export interface FuzzTarget {
  fuzz(data: Uint8Array): string;
  readonly seeds: readonly Uint8Array[];
  readonly dictionary: readonly Uint8Array[];
  hold(data: Uint8Array): unknown;
}

type Outcome = { ok: unknown } | { code: string; offset: number };

function outcomeOf(
  decode: (chunks: readonly Uint8Array[]) => unknown,
  chunks: readonly Uint8Array[],
  how: string,
): Outcome {
  try {
    return { ok: decode(chunks) };
  } catch (e) {
    if (e instanceof ProtocolError) return { code: e.code, offset: e.offset };
    throw new Error(`${how}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, {
      cause: e,
    });
  }
}

/** Where to cut `data`: one byte at a time for short inputs now and then, else up to eight cuts, all from its bytes. */
function cutsOf(data: Uint8Array): number[] {
  let hash = 0x811c9dc5;
  for (const byte of data) hash = Math.imul(hash ^ byte, 0x01000193);
  const random = new Random(hash);
  if (data.length <= 256 && random.below(4) === 0) return Array.from(data, (_, i) => i);
  return Array.from({ length: 1 + random.below(8) }, () => random.below(data.length + 1));
}

/**
 * The Jazzer.js-style `fuzz(data)` for a decoder: throws on a finding. Returns what came of
 * the input ("ok", or the error's code), which a runner uses to keep inputs that reach
 * somewhere new. `then`, when given, checks further what the input decoded to (once, from
 * the whole input): that what the decoder accepted, the encoders send on as it was.
 */
export function splitInvariant<T>(
  decode: (chunks: readonly Uint8Array[]) => T,
  then?: (decoded: T) => void,
): (data: Uint8Array) => string {
  return (data) => {
    const whole = outcomeOf(decode, [data], "decoded whole");
    const cuts = cutsOf(data);
    const split = outcomeOf(decode, splitAt(data, cuts), `decoded cut at ${cuts.join(",")}`);
    if (!sameValue(whole, split)) {
      throw new Error(
        `decoded whole and cut at ${cuts.join(",")}, the outcomes differ: ${describe(whole)} / ${describe(split)}`,
      );
    }
    if ("code" in whole) return whole.code;
    then?.(whole.ok as T);
    return "ok";
  };
}

function describe(outcome: Outcome): string {
  return "code" in outcome ? `${outcome.code} at ${outcome.offset}` : "decoded";
}

/**
 * A target's `hold`: a decoder `make` makes, fed the input in one piece and not ended (an
 * error just stops it), with what its handlers kept: what a runner weighs for memory.
 */
export function holder(
  make: (keep: (x: unknown) => void) => { push(chunk: Uint8Array): void },
): (data: Uint8Array) => unknown {
  return (data) => {
    const kept: unknown[] = [];
    const decoder = make((x) => kept.push(x));
    try {
      decoder.push(data);
    } catch {}
    return [decoder, kept];
  };
}
