// `pnpm bench --detail`: mitata's full report of every *.bench.mjs suite (distributions,
// heap, the rows beside each other); `pnpm bench --detail uwsgi` for the suites whose name
// matches a regex, `pnpm bench --detail uwsgi "1-byte"` also filters benchmarks by name.
import { run } from "mitata";

const suites = ["bytes", "uwsgi", "scgi", "fastcgi", "http"];

export async function runDetail([suitePattern, benchPattern]) {
  const suiteFilter = suitePattern === undefined ? undefined : new RegExp(suitePattern);
  const checks = [];
  for (const name of suites) {
    if (suiteFilter && !suiteFilter.test(name)) continue;
    const suite = await import(`./${name}.bench.mjs`);
    checks.push(...suite.checks);
  }
  await run(benchPattern === undefined ? {} : { filter: new RegExp(benchPattern) });
  for (const check of checks) check();
  console.log(`benchmarks done; ${checks.length} result checks passed`);
}
