/**
 * Work and memory, measured without a clock: the statements of the packages' code that a call
 * runs (the cost project instruments them, see test/support/instrument.ts), and the bytes that
 * stay reachable after a full collection while what a call made is kept (measured without the
 * counters: the unit project runs memory.test.ts).
 */

import { bytesInUse } from "../support/gc.js";
import { COVERAGE_VARIABLE } from "../support/instrument.js";

type Counters = Record<string, { s: Record<string, number> }>;

function statements(): number {
  const all = (globalThis as Record<string, unknown>)[COVERAGE_VARIABLE] as Counters | undefined;
  if (all === undefined) throw new Error("the packages are not instrumented: run this in the cost project");
  let total = 0;
  for (const file of Object.values(all)) for (const n of Object.values(file.s)) total += n;
  return total;
}

/** Statements of the packages' code that `f` runs. */
export function work(f: () => unknown): number {
  const before = statements();
  f();
  return statements() - before;
}

const held: unknown[] = [];

/**
 * Bytes that stay reachable while what `make` returns is kept: the mean over `copies` makes,
 * the median of five such rounds (what else the process allocates or frees meanwhile moves a
 * round either way; the median stands).
 */
export function retained(make: () => unknown, copies = 8): number {
  for (let i = 0; i < 3; i++) make(); // (what is made once, compiled code among it, is not what is measured)
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const before = bytesInUse();
    for (let i = 0; i < copies; i++) held.push(make());
    const after = bytesInUse();
    held.length = 0;
    rounds.push((after - before) / copies);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}
