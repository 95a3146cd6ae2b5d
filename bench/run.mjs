// `pnpm bench`: every scenario of the summary timed on a process that has run only them,
// then again after the same code has been driven through a realistic mix of traffic
// (mix.mjs), then the scaling rows; prints the summary tables at the end. Node runs with
// --expose-gc for heap figures.

const USAGE = `usage:
  pnpm bench                  the full run (a minute or two)
  pnpm bench --quick          every scenario briefly: checks the suite works, figures rough
  pnpm bench --json FILE      also writes the records as JSON
  pnpm bench --only REGEX     only the scenarios and scaling rows whose id or family match
                              (pnpm bench REGEX says the same)
  pnpm bench --detail [SUITE [BENCH]]   mitata's full report of the *.bench.mjs suites instead
`;

import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { floorOf } from "./fixtures.mjs";
import { timeRows } from "./harness.mjs";
import { driveMix } from "./mix.mjs";
import { judge, phaseRecord, scalingTable, summaryTable } from "./report.mjs";
import { scalingRows } from "./scaling.mjs";
import { scenarios } from "./scenarios.mjs";

const { values: flags, positionals } = parseCommandLine();

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        json: { type: "string" },
        only: { type: "string" },
        detail: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      allowPositionals: true,
    });
  } catch (e) {
    process.stderr.write(`pnpm bench: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
}

if (flags.help) {
  process.stdout.write(USAGE);
} else if (flags.detail) {
  const { runDetail } = await import("./detail.mjs");
  await runDetail(positionals);
} else {
  await summary();
}

async function summary() {
  const timing = flags.quick ? { rounds: 2, warmup: 0, burstMs: 0.2 } : { rounds: 30, warmup: 6, burstMs: 4 };
  const connections = flags.quick ? 400 : 20_000;
  const pattern = flags.only ?? positionals[0];
  const only = pattern === undefined ? undefined : new RegExp(pattern);
  const chosen = scenarios().filter((s) => only === undefined || only.test(s.id));
  const rowsOf = (s) => [{ run: s.run }, ...s.peers, { run: floorOf(s.bytes) }];
  const log = (line) => process.stderr.write(`${line}\n`);

  log(`timing ${chosen.length} scenarios before the mix (fresh: the process has run only them)…`);
  const fresh = chosen.map((s) => phaseRecord(s, timeRows(rowsOf(s), timing)));
  log(`driving the codecs through ${connections} connections of mixed traffic…`);
  const started = performance.now();
  driveMix({ connections });
  const mixMs = performance.now() - started;
  log(`timing them again after the mix (${(mixMs / 1000).toFixed(1)} s of it)…`);
  const afterMix = chosen.map((s) => phaseRecord(s, timeRows(rowsOf(s), timing)));
  const records = judge(
    chosen.map((s, k) => ({
      id: s.id,
      title: s.title,
      goal: s.goal,
      fresh: fresh[k],
      afterMix: afterMix[k],
    })),
  );

  const scaling = scalingRows().filter((r) => only === undefined || only.test(r.family));
  log(`timing ${scaling.length} scaling rows…`);
  const scaled = scaling.map((r) => {
    const [envwire, floor] = timeRows([{ run: r.run }, { run: floorOf(r.bytes) }], timing);
    const per = r.per ?? r.n;
    return {
      family: r.family,
      unit: r.unit,
      n: r.n,
      ns: envwire.ns,
      perUnitNs: per > 0 ? envwire.ns / per : undefined,
      heapBytes: envwire.heap,
      floorNs: floor.ns,
      costVsFloor: envwire.ns / floor.ns,
    };
  });
  for (const s of chosen) s.check();
  for (const r of scaling) r.check();

  const machine = {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    quick: flags.quick,
    mixConnections: connections,
  };
  const print = (line = "") => process.stdout.write(`${line}\n`);
  print(
    `envwire ${flags.quick ? "quick " : ""}benchmark summary — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}`,
  );
  if (flags.quick) print("(--quick: every scenario run briefly to check the suite; the figures are rough)");
  print();
  print(summaryTable(records));
  print();
  print(scalingTable(scaled));
  const missed = records.filter((r) => r.goalAfterMix?.met === false).map((r) => r.id);
  print();
  print(
    missed.length === 0
      ? "every goal met after the mix"
      : `goals not met after the mix: ${missed.join(", ")}`,
  );
  if (flags.json !== undefined) {
    // (Relative to where `pnpm bench` was typed: pnpm runs this in bench/.)
    const file = path.resolve(process.env.INIT_CWD ?? process.cwd(), flags.json);
    writeFileSync(file, `${JSON.stringify({ machine, scenarios: records, scaling: scaled }, null, 2)}\n`);
    log(`wrote ${file}`);
  }
}
