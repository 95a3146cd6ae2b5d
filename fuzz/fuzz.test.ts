/**
 * Every fuzz target, driven by the bundled runner: in `pnpm test` a fixed, seeded run of
 * each (the same inputs every time); `pnpm fuzz` runs each for FUZZ_SECONDS (default 30)
 * with a seed from FUZZ_SEED (default: the time). A finding is saved under fuzz/findings/
 * and replayed by every later run, as a regression test, until it is fixed and deleted.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Coverage } from "./coverage.js";
import { KNOWN } from "./differential.js";
import { recheck, runTarget } from "./runner.js";
import { targets } from "./targets/index.js";

const seconds = Number(process.env.FUZZ_SECONDS ?? 0);
/** Coverage guidance, where the packages are instrumented (the fuzz project); FUZZ_GUIDANCE=0 turns it off. */
const guided = Coverage.available() && process.env.FUZZ_GUIDANCE !== "0";
const seed = Number(process.env.FUZZ_SEED ?? (seconds > 0 ? Date.now() : 1));
/** Inputs a target gets in `pnpm test`: enough to walk every seed through every kind of mutation. */
const TEST_EXECS = 1500;
const findings = join(import.meta.dirname, "findings");

/** The findings saved for target `name` (named `${name}-<hash>.bin`, see below). */
function savedFindings(name: string): string[] {
  try {
    return readdirSync(findings).filter((file) =>
      new RegExp(`^${name}-(cost-)?[0-9a-f]{12}\\.bin$`).test(file),
    );
  } catch {
    return [];
  }
}

describe("fuzz/README.md", () => {
  it("lists every difference from llhttp the differential targets know", () => {
    const readme = readFileSync(join(import.meta.dirname, "README.md"), "utf8");
    for (const { id } of KNOWN) expect(readme, id).toContain(`| \`${id}\` |`);
  });
});

describe("fuzz targets", () => {
  for (const [name, target] of Object.entries(targets)) {
    it(`${name}: saved findings, seeds and mutations (seed ${seed})`, {
      timeout: seconds * 1000 + 60_000,
    }, () => {
      const coverage = Coverage.available() ? new Coverage() : undefined;
      // (A plain Uint8Array, as the runner's inputs are: a Buffer's slices are Buffers.)
      for (const file of savedFindings(name)) {
        const input = new Uint8Array(readFileSync(join(findings, file)));
        target.fuzz(input);
        const still =
          file.includes("-cost-") && coverage !== undefined ? recheck(target, coverage, input) : undefined;
        if (still !== undefined) throw new Error(`fuzz/findings/${file}: still costly: ${still}`);
      }
      const result = runTarget(target, {
        seed,
        execs: seconds > 0 ? Number.POSITIVE_INFINITY : TEST_EXECS,
        milliseconds: seconds > 0 ? seconds * 1000 : Number.POSITIVE_INFINITY,
        ...(coverage ? { coverage, guided } : {}),
      });
      if (result.finding) {
        const { input, error, kind } = result.finding;
        const hash = createHash("sha1").update(input).digest("hex").slice(0, 12);
        const file = `${name}-${kind === "oracle" ? "" : "cost-"}${hash}.bin`;
        mkdirSync(findings, { recursive: true });
        writeFileSync(join(findings, file), input);
        throw new Error(
          `${name} after ${result.execs} inputs: ${String(error)}; input saved as fuzz/findings/${file}`,
          {
            cause: error,
          },
        );
      }
      expect(result.execs).toBeGreaterThanOrEqual(seconds > 0 ? target.seeds.length : TEST_EXECS);
      if (seconds > 0) {
        const outcomes = [...result.outcomes].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o} ${n}`);
        const reached = coverage?.reached();
        console.log(
          `${name}${guided ? " (guided)" : ""}: ${result.execs} inputs, corpus ${result.corpus}, ` +
            `slowest ${result.slowest.toFixed(1)} ms` +
            (reached ? `, reached ${reached.reached} of ${reached.total} branch arms and functions` : "") +
            `; outcomes: ${outcomes.join(", ")}`,
        );
      }
    });
  }
});
