// Runs the benchmark suites: `pnpm bench` for all; `pnpm bench uwsgi` for the suites whose
// name matches a regex; `pnpm bench uwsgi "1-byte"` also filters benchmarks by name.
// Node runs with --expose-gc so that mitata reports heap bytes per operation.
import { run } from "mitata";

const suites = ["bytes", "uwsgi", "scgi", "fastcgi", "http"];
const [suiteFilter, benchFilter] = process.argv.slice(2).map((s) => new RegExp(s));
const checks = [];
for (const name of suites) {
  if (suiteFilter && !suiteFilter.test(name)) continue;
  const suite = await import(`./${name}.bench.mjs`);
  checks.push(...suite.checks);
}
await run(benchFilter ? { filter: benchFilter } : {});
for (const check of checks) check();
console.log(`benchmarks done; ${checks.length} result checks passed`);
