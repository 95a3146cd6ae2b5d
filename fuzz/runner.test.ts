/**
 * The runner's cost and memory oracles, on targets built to have a planted shape: one byte
 * that makes the work quadratic, or that makes the decoder pin a megabyte. The same targets
 * without the plant run the same inputs and find nothing: the median-based bounds do not
 * fire on ordinary variety.
 */
import { describe, expect, it } from "vitest";
import { type Counters, type FuzzTarget, runTarget } from "./runner.js";

const TRIGGER = 0xee;

/** Counters the target writes itself: the work of a decode it simulates. */
class FakeCounters implements Counters {
  work = 0;
  begin(): void {
    this.work = 0;
  }
  novel(): boolean {
    return false;
  }
}

function seeds(): Uint8Array[] {
  return [1024, 1500, 2048, 3000].map((n) => {
    const seed = new Uint8Array(n);
    for (let i = 0; i < n; i++) seed[i] = (i * 7) % 200;
    return seed;
  });
}

/** A target with `plant`; `seen.triggers` counts the inputs that had the trigger byte. */
function target(
  counters: FakeCounters,
  plant: "work" | "memory" | "none",
  seen = { triggers: 0 },
): FuzzTarget {
  return {
    fuzz(data) {
      // Linear work, but for the plant: a trigger byte makes it quadratic, a rescan per 16 bytes.
      counters.work += data.length;
      const triggered = data.includes(TRIGGER);
      if (triggered) seen.triggers++;
      if (plant === "work" && triggered) counters.work += (data.length * data.length) / 16;
      // (No outcome: the trigger comes only from mutations, in a minority of the inputs, as
      // a costly shape does in a real run.)
      return undefined;
    },
    hold(data) {
      return plant === "memory" && data.includes(TRIGGER) ? new Uint8Array(1 << 20) : data.slice(0, 16);
    },
    seeds: seeds(),
    dictionary: [Uint8Array.of(TRIGGER)],
  };
}

// (Bounded by inputs, not time: a loaded machine takes longer, never fewer inputs.)
describe("the runner's cost and memory oracles", { timeout: 300_000 }, () => {
  it("find the input whose work per byte is far over the median", () => {
    const counters = new FakeCounters();
    const result = runTarget(target(counters, "work"), {
      seed: 7,
      execs: 20_000,
      milliseconds: Number.POSITIVE_INFINITY,
      coverage: counters,
      memoryEvery: 1 << 30,
    });
    expect(result.finding?.kind).toBe("cost");
    expect(String(result.finding?.error)).toMatch(/counter hits a byte/);
  });

  it("find the input that makes the decoder pin memory", () => {
    const counters = new FakeCounters();
    const result = runTarget(target(counters, "memory"), {
      seed: 7,
      execs: 4096,
      milliseconds: Number.POSITIVE_INFINITY,
      coverage: counters,
      memoryEvery: 128,
    });
    expect(result.finding?.kind).toBe("memory");
    expect(String(result.finding?.error)).toMatch(/pins memory/);
  });

  it("find nothing where cost and memory are linear", () => {
    const counters = new FakeCounters();
    const seen = { triggers: 0 };
    const result = runTarget(target(counters, "none", seen), {
      seed: 7,
      execs: 4096,
      milliseconds: Number.POSITIVE_INFINITY,
      coverage: counters,
      memoryEvery: 128,
    });
    expect(result.finding).toBeUndefined();
    expect(result.execs).toBe(4096);
    expect(seen.triggers).toBeGreaterThan(200);
  });
});

describe("the runner's time bound", { timeout: 60_000 }, () => {
  /** A target that spends `ms` on the seed, every time or the first time only. */
  const stalling = (ms: number, every: boolean): FuzzTarget => {
    let calls = 0;
    return {
      fuzz(data) {
        if (data.length === 1 && (every || calls++ === 0)) {
          const until = performance.now() + ms;
          while (performance.now() < until) {}
        }
        return undefined;
      },
      seeds: [Uint8Array.of(1)],
      dictionary: [],
    };
  };

  it("finds an input that is slow every time, and not one that was held up once", () => {
    const slow = runTarget(stalling(2100, true), {
      seed: 1,
      execs: 1,
      milliseconds: Number.POSITIVE_INFINITY,
    });
    expect(String(slow.finding?.error)).toMatch(/took \d+ ms, and \d+ ms again/);
    const once = runTarget(stalling(2100, false), {
      seed: 1,
      execs: 1,
      milliseconds: Number.POSITIVE_INFINITY,
    });
    expect(once.finding).toBeUndefined();
  });
});
