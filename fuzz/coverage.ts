/**
 * Coverage guidance from the counters instrument.ts puts in this process: every branch arm
 * and function of the packages' sources. After each input the runner asks whether it reached
 * something new, AFL's way: each counter's hits during the input, put in a bucket (1, 2, 3,
 * 4-7, 8-15, 16-31, 32-127, 128+), and a bucket no input had given that counter before makes
 * the input worth keeping. Statements are left out: the branches and functions imply them,
 * at a third of the reads.
 */
import { COVERAGE_VARIABLE } from "../test/support/instrument.js";

interface FileCoverage {
  b: Record<string, number[]>;
  f: Record<string, number>;
}

/** The bucket bit of `hits` hits in one input (AFL's hit-count classes); 0 for none. */
function bucket(hits: number): number {
  if (hits <= 0) return 0;
  if (hits <= 3) return 1 << (hits - 1);
  if (hits <= 7) return 8;
  if (hits <= 15) return 16;
  if (hits <= 31) return 32;
  if (hits <= 127) return 64;
  return 128;
}

export class Coverage {
  #files = 0;
  /** Each counter as (the array or object it is in, its key there). */
  #holders: (number[] | Record<string, number>)[] = [];
  #keys: (number | string)[] = [];
  /** Counts before the input now running, and the buckets seen so far, per counter. */
  #before = new Float64Array(0);
  #seen = new Uint8Array(0);

  /** True when the packages' sources are instrumented (the fuzz project's config does it). */
  static available(): boolean {
    return (globalThis as Record<string, unknown>)[COVERAGE_VARIABLE] !== undefined;
  }

  /** Call before each input. */
  begin(): void {
    this.#discover();
    const holders = this.#holders;
    const keys = this.#keys;
    const before = this.#before;
    for (let i = 0; i < holders.length; i++) before[i] = (holders[i] as Record<string, number>)[keys[i]!]!;
  }

  /**
   * Call after each input: whether it gave some counter a bucket it never had. Also sets
   * `work`: the hits of all counters during the input, what it cost the packages' code.
   */
  novel(): boolean {
    const holders = this.#holders;
    const keys = this.#keys;
    const before = this.#before;
    const seen = this.#seen;
    let novel = false;
    let work = 0;
    for (let i = 0; i < holders.length; i++) {
      const hits = (holders[i] as Record<string, number>)[keys[i]!]! - before[i]!;
      work += hits;
      const bit = bucket(hits);
      if ((seen[i]! & bit) !== bit) {
        seen[i]! |= bit;
        novel = true;
      }
    }
    this.work = work;
    return novel;
  }

  /** Hits of all counters during the last input (see novel). */
  work = 0;

  /** Counters (branch arms and functions) some input reached, and all there are. */
  reached(): { reached: number; total: number } {
    let reached = 0;
    for (const s of this.#seen) if (s !== 0) reached++;
    return { reached, total: this.#seen.length };
  }

  /** Takes in the counters of modules loaded since last time (files are added, in order, never removed). */
  #discover(): void {
    const all = (globalThis as Record<string, unknown>)[COVERAGE_VARIABLE] as
      | Record<string, FileCoverage>
      | undefined;
    if (all === undefined) return;
    const files = Object.keys(all);
    if (files.length === this.#files) return;
    for (const file of files.slice(this.#files)) {
      const { b, f } = all[file]!;
      for (const id of Object.keys(b)) {
        for (let arm = 0; arm < b[id]!.length; arm++) {
          this.#holders.push(b[id]!);
          this.#keys.push(arm);
        }
      }
      for (const id of Object.keys(f)) {
        this.#holders.push(f);
        this.#keys.push(id);
      }
    }
    this.#files = files.length;
    const seen = new Uint8Array(this.#holders.length);
    seen.set(this.#seen);
    this.#seen = seen;
    this.#before = new Float64Array(this.#holders.length);
  }
}
