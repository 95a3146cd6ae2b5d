/**
 * The bundled fuzz runner: a target's seeds first, then mutations of its corpus, until the
 * budget is spent or the target throws. The corpus is the seeds, every input whose outcome
 * (an error code, or "ok") had not come up before, and now and then an input that decoded:
 * the valid variants are what later mutations reach deepest from. Not coverage-guided: it
 * leans on structure (dictionaries, length fields, splices of valid messages) and on the
 * oracle every target runs (see oracle.ts).
 */
import { mutate, Random } from "./mutate.js";

export interface FuzzTarget {
  /** Throws on a finding (Jazzer.js's convention); returns the input's outcome, if it tells one. */
  fuzz(data: Uint8Array): string | undefined;
  /** Valid (and some invalid) inputs, built with the codecs' encoders. */
  seeds: readonly Uint8Array[];
  /** Protocol tokens the mutations insert or write over. */
  dictionary: readonly Uint8Array[];
}

export interface Finding {
  input: Uint8Array;
  error: unknown;
}

export interface RunResult {
  execs: number;
  /** The slowest single input, in milliseconds. */
  slowest: number;
  finding?: Finding;
}

export interface Budget {
  /** Seed of the mutations: the same seed, the same inputs. */
  seed: number;
  /** Stop after this many inputs, or this many milliseconds, whichever comes first. */
  execs: number;
  milliseconds: number;
}

/** One input taking longer than this is a finding: decoding is linear, and inputs are at most 64 kB. */
const SLOW_MS = 2000;

export function runTarget(target: FuzzTarget, budget: Budget): RunResult {
  const random = new Random(budget.seed);
  const corpus = [...target.seeds];
  const outcomes = new Set<string | undefined>();
  const start = performance.now();
  let execs = 0;
  let slowest = 0;
  while (execs < budget.execs && performance.now() - start < budget.milliseconds) {
    const input =
      execs < target.seeds.length
        ? target.seeds[execs]!
        : mutate(random.pick(corpus), random, target.dictionary, corpus);
    const before = performance.now();
    let outcome: string | undefined;
    try {
      outcome = target.fuzz(input);
    } catch (error) {
      return { execs: execs + 1, slowest, finding: { input, error } };
    }
    const took = performance.now() - before;
    slowest = Math.max(slowest, took);
    execs++;
    if (took > SLOW_MS) {
      return { execs, slowest, finding: { input, error: new Error(`one input took ${took.toFixed(0)} ms`) } };
    }
    if (!outcomes.has(outcome)) {
      outcomes.add(outcome);
      keep(corpus, input, target.seeds.length, random);
    } else if (outcome === "ok" && random.below(8) === 0) {
      keep(corpus, input, target.seeds.length, random);
    }
  }
  return { execs, slowest };
}

const MAX_CORPUS = 1024;

/** Adds `input` to the corpus; once it is full, in place of an entry past the first `seeds`. */
function keep(corpus: Uint8Array[], input: Uint8Array, seeds: number, random: Random): void {
  if (corpus.length < MAX_CORPUS) corpus.push(input);
  else corpus[seeds + random.below(MAX_CORPUS - seeds)] = input;
}
