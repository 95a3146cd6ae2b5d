/**
 * What coverage guidance buys, per target: the same seed run for FUZZ_SECONDS (default 10)
 * with guidance and without, in one process, alternating, reporting inputs per second, the
 * branch arms and functions reached, and the corpus kept. In the fuzz project the packages
 * are instrumented (reached is counted for both runs); in the unit project they are not,
 * which gives the inputs per second of plain code.
 *
 *   FUZZ_MEASURE=1 pnpm vitest run --project fuzz     # guided against outcome-only
 *   FUZZ_MEASURE=1 pnpm vitest run --project unit     # uninstrumented inputs/s
 *
 * With FUZZ_PLANTED=<target>, it times instead how many inputs each mode takes to find a bug
 * planted in that target's decoder for the experiment (fuzz/README.md says where), for seeds
 * 1 to 5, up to 90 s each.
 */
import { it } from "vitest";
import { Coverage } from "./coverage.js";
import { runTarget } from "./runner.js";
import { targets } from "./targets/index.js";

const seconds = Number(process.env.FUZZ_SECONDS ?? 10);
const seed = Number(process.env.FUZZ_SEED ?? 1);
const only = process.env.FUZZ_TARGETS?.split(",");
const planted = process.env.FUZZ_PLANTED;

it.runIf(planted === undefined)(
  "guided and outcome-only runs, target by target",
  { timeout: 3_600_000 },
  () => {
    const rows = ["| target | mode | inputs/s | reached | corpus |", "| --- | --- | --- | --- | --- |"];
    for (const [name, target] of Object.entries(targets)) {
      if (only !== undefined && !only.includes(name)) continue;
      for (const guided of Coverage.available() ? [true, false] : [false]) {
        const coverage = Coverage.available() ? new Coverage() : undefined;
        const result = runTarget(target, {
          seed,
          execs: Number.POSITIVE_INFINITY,
          milliseconds: seconds * 1000,
          ...(coverage ? { coverage, guided } : {}),
        });
        if (result.finding) throw new Error(`${name}: a finding: ${String(result.finding.error)}`);
        const reached = coverage?.reached();
        const mode = coverage === undefined ? "uninstrumented" : guided ? "guided" : "outcome-only";
        rows.push(
          `| ${name} | ${mode} | ${Math.round(result.execs / seconds)} | ${reached?.reached ?? "-"} | ${result.corpus} |`,
        );
      }
    }
    console.log(rows.join("\n"));
  },
);

it.runIf(planted !== undefined)(
  "inputs to a planted bug, guided and outcome-only",
  { timeout: 3_600_000 },
  () => {
    const rows = ["| seed | guided | outcome-only |", "| --- | --- | --- |"];
    for (const seed of [1, 2, 3, 4, 5]) {
      const cells = [true, false].map((guided) => {
        const result = runTarget(targets[planted!]!, {
          seed,
          execs: Number.POSITIVE_INFINITY,
          milliseconds: 90_000,
          coverage: new Coverage(),
          guided,
        });
        return result.finding ? `${result.execs}` : `not in ${result.execs}`;
      });
      rows.push(`| ${seed} | ${cells.join(" | ")} |`);
    }
    console.log(rows.join("\n"));
  },
);
