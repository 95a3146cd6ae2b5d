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
import { bytesInUse } from "../test/support/gc.js";
import { mutate, Random } from "./mutate.js";

export interface FuzzTarget {
  /** Throws on a finding (Jazzer.js's convention); returns the input's outcome, if it tells one. */
  fuzz(data: Uint8Array): string | undefined;
  /** A decoder fed `data` (and not ended), for the runner to see what it holds (see COST_RATIO). */
  hold?(data: Uint8Array): unknown;
  /** Valid (and some invalid) inputs, built with the codecs' encoders. */
  seeds: readonly Uint8Array[];
  /** Protocol tokens the mutations insert or write over. */
  dictionary: readonly Uint8Array[];
}

export interface Finding {
  input: Uint8Array;
  error: unknown;
  /** What the input broke: the target's oracle, the cost or the memory bound (see COST_RATIO). */
  kind: "oracle" | "cost" | "memory";
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

/** What the runner reads of the packages' counters (coverage.ts's Coverage). */
export interface Counters {
  /** Call before each input. */
  begin(): void;
  /** Call after: whether the input reached a counter bucket none before did; sets `work`. */
  novel(): boolean;
  /** What the last input cost: the counter hits during it. */
  readonly work: number;
}

export interface Budget {
  /** Seed of the mutations: the same seed, the same inputs. */
  seed: number;
  /** Stop after this many inputs, or this many milliseconds, whichever comes first. */
  execs: number;
  milliseconds: number;
  /** The packages' counters (when instrumented): what inputs reached. */
  coverage?: Counters;
  /** Keep inputs by the coverage they reached too (else by outcome alone). */
  guided?: boolean;
  /** Measure the memory `hold` pins every this many inputs (MEMORY_EVERY unless given). */
  memoryEvery?: number;
}

/** One input taking longer than this is a finding: decoding is linear, and inputs are at most 64 kB. */
const SLOW_MS = 2000;
/**
 * An input whose work (the packages' counter hits, see Coverage.work) or retained memory per
 * byte is over this many times its target's median so far is a finding: linear code and
 * bounded memory keep every shape within a small factor of the usual. Work is judged on
 * inputs of COST_MIN_BYTES and more, once a hundred inputs gave a median; memory every
 * MEMORY_EVERY inputs (it takes a full collection, a fifth of a second in a vitest worker),
 * above MEMORY_FLOOR, once eight samples gave a median.
 */
export const COST_RATIO = 50;
const COST_MIN_BYTES = 1024;
const MEMORY_EVERY = 8192;
const MEMORY_FLOOR = 512 * 1024;

export function runTarget(target: FuzzTarget, budget: Budget): RunResult {
  const random = new Random(budget.seed);
  const coverage = budget.coverage;
  const guided = budget.guided === true && coverage !== undefined;
  const corpus = [...target.seeds];
  const outcomes = new Map<string, number>();
  const start = performance.now();
  let execs = 0;
  let slowest = 0;
  const work = new Median(100);
  const memory = new Median(8);
  const memoryEvery = budget.memoryEvery ?? MEMORY_EVERY;
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
      return result({ input, error, kind: "oracle" });
    }
    const novel = coverage?.novel() === true && guided;
    const took = performance.now() - before;
    slowest = Math.max(slowest, took);
    execs++;
    if (took > SLOW_MS) {
      // Timed again before it counts: a collection of a large heap, or a machine that stalled,
      // can hold up any one input (a long run saw 4.5 s for an input that takes 11 ms).
      const again = performance.now();
      try {
        target.fuzz(input);
      } catch {}
      const retook = performance.now() - again;
      if (retook > SLOW_MS) {
        const why = `one input took ${took.toFixed(0)} ms, and ${retook.toFixed(0)} ms again`;
        return result({ input, error: new Error(why), kind: "cost" });
      }
    }
    if (coverage !== undefined && input.length >= 64) {
      const perByte = coverage.work / input.length;
      const median = work.value();
      if (input.length >= COST_MIN_BYTES && median > 0 && perByte > COST_RATIO * median) {
        const why = `${perByte.toFixed(0)} counter hits a byte, over ${COST_RATIO} times the median (${median.toFixed(1)})`;
        return result({ input, error: new Error(`a costly input: ${why}`), kind: "cost" });
      }
      work.add(perByte, random);
    }
    if (target.hold !== undefined && execs % memoryEvery === memoryEvery >> 1 && input.length > 0) {
      const held = retainedBy(target.hold, input);
      const median = memory.value();
      if (held > MEMORY_FLOOR && median > 0 && held / input.length > COST_RATIO * median) {
        const why = `${held} bytes held from ${input.length}, over ${COST_RATIO} times the median per byte (${median.toFixed(1)})`;
        return result({ input, error: new Error(`an input that pins memory: ${why}`), kind: "memory" });
      }
      memory.add(held / input.length, random);
    }
    const seen = outcomes.get(outcome) ?? 0;
    outcomes.set(outcome, seen + 1);
    if (novel || seen === 0 || (!guided && outcome === "ok" && random.below(8) === 0))
      keep(corpus, input, target.seeds.length, random);
  }
  return result();
}

/** The median of a sample of the values seen (up to SAMPLE of them, a random one replaced once full). */
class Median {
  static readonly SAMPLE = 1023;
  readonly #sample: number[] = [];
  readonly #minimum: number;
  #added = 0;
  #median = 0;

  /** `minimum`: how many values it takes before there is a median. */
  constructor(minimum: number) {
    this.#minimum = minimum;
  }

  add(x: number, random: Random): void {
    if (this.#sample.length < Median.SAMPLE) this.#sample.push(x);
    else this.#sample[random.below(Median.SAMPLE)] = x;
    if (++this.#added % 256 === 0 || this.#added < 256) {
      const sorted = [...this.#sample].sort((a, b) => a - b);
      this.#median = sorted[sorted.length >> 1]!;
    }
  }

  /** 0 until `minimum` values came. */
  value(): number {
    return this.#added >= this.#minimum ? this.#median : 0;
  }
}

/**
 * A saved cost or memory finding, replayed: its work and retained memory per byte against
 * COST_RATIO times the median of the target's seeds'. Returns why it is still a finding, or
 * undefined.
 */
export function recheck(target: FuzzTarget, coverage: Counters, input: Uint8Array): string | undefined {
  const workOf = (data: Uint8Array) => {
    coverage.begin();
    try {
      target.fuzz(data);
    } catch {}
    coverage.novel();
    return coverage.work / Math.max(1, data.length);
  };
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  const seedWork = median(target.seeds.map(workOf));
  const perByte = workOf(input);
  if (perByte > COST_RATIO * seedWork)
    return `${perByte.toFixed(0)} counter hits a byte (seeds: ${seedWork.toFixed(1)})`;
  const hold = target.hold;
  if (hold === undefined) return undefined;
  const seedMemory = median(target.seeds.map((seed) => retainedBy(hold, seed) / seed.length));
  const held = retainedBy(hold, input);
  if (held > MEMORY_FLOOR && held / input.length > COST_RATIO * seedMemory)
    return `${held} bytes held from ${input.length}`;
  return undefined;
}

/** What `hold` returned, kept where no optimizer can drop it while memory is measured. */
const holding: unknown[] = [];

/** Bytes that stay reachable while the decoder `hold` fed `input` is kept (after a full collection). */
export function retainedBy(hold: (data: Uint8Array) => unknown, input: Uint8Array): number {
  const before = bytesInUse();
  holding.push(hold(input.slice()));
  const after = bytesInUse();
  holding.length = 0;
  return Math.max(0, after - before);
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
