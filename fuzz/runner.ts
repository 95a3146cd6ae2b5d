/**
 * The bundled fuzz runner: a target's seeds first, then mutations of its corpus, until the
 * budget is spent or the target throws. The mutations lean on structure (dictionaries, length
 * fields, splices of valid messages, see mutate.ts) and every target runs an oracle (see
 * oracle.ts). The corpus is the seeds, then every input that reached something new: with
 * coverage guidance (coverage.ts), an input that hit a branch arm or function of the packages
 * a new number of times (AFL's buckets); an input whose outcome (an error code, "ok",
 * "known:<id>") had not come up before; and, without guidance, now and then an input that
 * decoded, as the valid variants are what later mutations reach deepest from.
 */
import type { Coverage } from "./coverage.js";
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
  /** How many inputs came to each outcome ("ok", an error code, "known:<id>", ...). */
  outcomes: Map<string, number>;
  /** The slowest single input, in milliseconds. */
  slowest: number;
  /** Inputs kept in the corpus (seeds included). */
  corpus: number;
  finding?: Finding;
}

export interface Budget {
  /** Seed of the mutations: the same seed, the same inputs. */
  seed: number;
  /** Stop after this many inputs, or this many milliseconds, whichever comes first. */
  execs: number;
  milliseconds: number;
  /** The packages' counters (when instrumented): what inputs reached. */
  coverage?: Coverage;
  /** Keep inputs by the coverage they reached too (else by outcome alone). */
  guided?: boolean;
}

/** One input taking longer than this is a finding: decoding is linear, and inputs are at most 64 kB. */
const SLOW_MS = 2000;

export function runTarget(target: FuzzTarget, budget: Budget): RunResult {
  const random = new Random(budget.seed);
  const coverage = budget.coverage;
  const guided = budget.guided === true && coverage !== undefined;
  const corpus = [...target.seeds];
  const outcomes = new Map<string, number>();
  const start = performance.now();
  let execs = 0;
  let slowest = 0;
  const result = (finding?: Finding): RunResult => ({
    execs,
    outcomes,
    slowest,
    corpus: corpus.length,
    ...(finding ? { finding } : {}),
  });
  while (execs < budget.execs && performance.now() - start < budget.milliseconds) {
    const input =
      execs < target.seeds.length
        ? target.seeds[execs]!
        : mutate(pick(corpus, random), random, target.dictionary, corpus);
    const before = performance.now();
    let outcome: string;
    coverage?.begin();
    try {
      outcome = target.fuzz(input) ?? "";
    } catch (error) {
      execs++;
      return result({ input, error });
    }
    const novel = coverage?.novel() === true && guided;
    const took = performance.now() - before;
    slowest = Math.max(slowest, took);
    execs++;
    if (took > SLOW_MS) return result({ input, error: new Error(`one input took ${took.toFixed(0)} ms`) });
    const seen = outcomes.get(outcome) ?? 0;
    outcomes.set(outcome, seen + 1);
    if (novel || seen === 0 || (!guided && outcome === "ok" && random.below(8) === 0))
      keep(corpus, input, target.seeds.length, random);
  }
  return result();
}

const MAX_CORPUS = 4096;
/** Half the time an input is taken from the few kept last: what reached somewhere new gets mutated soon. */
const RECENT = 16;

function pick(corpus: readonly Uint8Array[], random: Random): Uint8Array {
  if (random.below(2) === 0) return random.pick(corpus);
  return corpus[corpus.length - 1 - random.below(Math.min(RECENT, corpus.length))]!;
}

/** Adds `input` at the end of the corpus; once it is full, an entry past the first `seeds` makes room. */
function keep(corpus: Uint8Array[], input: Uint8Array, seeds: number, random: Random): void {
  if (corpus.length === MAX_CORPUS) corpus.splice(seeds + random.below(MAX_CORPUS - seeds), 1);
  corpus.push(input);
}
