import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";
import { instrumentPackages } from "./test/support/instrument.js";

// Tests import workspace packages by name; the "@envwire/source" condition points them at src/
// so a test run never depends on a stale build. The cost and fuzz projects run the packages
// instrumented (test/support/instrument.ts): the cost suite counts the statements a decode
// runs, and the fuzz runner is guided by what each input reached.

// What takes minutes on a 2-core machine: the memory suite (ten full collections a case) and
// the fuzz runner's own tests (full collections every 128 inputs, and a 2 s stall timed
// twice). Not in `pnpm test`; `pnpm test:full` runs them after it (ENVWIRE_SLOW=1).
const SLOW = ["test/cost/memory.test.ts", "fuzz/runner.test.ts"];

export default defineConfig({
  resolve: { conditions: ["@envwire/source"] },
  ssr: { resolve: { conditions: ["@envwire/source"] } },
  test: {
    setupFiles: ["test/support/fast-check-setup.ts"],
    testTimeout: 120_000,
    // A worker a core: vitest's default keeps one core for its main process, which is idle once
    // the sources are transformed (on 2 cores: one worker, and the tests ran one file at a time).
    maxWorkers: availableParallelism(),
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // Its files share a worker's modules (the others keep vitest's default, a fresh module
          // graph a file): a fresh one cost 0.4 s of imports a file, 3 s for a property test's
          // @fast-check/vitest, and the tests keep no state outside what each one makes.
          isolate: false,
          include: process.env.FUZZ_MEASURE
            ? ["fuzz/measure.run.ts"]
            : ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...SLOW, "test/cost/work.test.ts", "test/interop/**"],
        },
      },
      {
        // Suites that wait on full collections or on the clock: `pnpm test:full` (and CI) only.
        extends: true,
        test: { name: "slow", include: process.env.ENVWIRE_SLOW ? SLOW : [] },
      },
      {
        extends: true,
        plugins: [instrumentPackages()],
        test: { name: "cost", include: ["test/cost/work.test.ts"] },
      },
      {
        // Against real nginx, uWSGI and php-fpm: `pnpm test:interop` only (see test/interop).
        extends: true,
        test: {
          name: "interop",
          include: process.env.ENVWIRE_INTEROP ? ["test/interop/**/*.test.ts"] : [],
          globalSetup: process.env.ENVWIRE_INTEROP ? ["test/interop/setup.ts"] : [],
        },
      },
      {
        extends: true,
        plugins: [instrumentPackages()],
        test: {
          name: "fuzz",
          include: process.env.FUZZ_MEASURE ? ["fuzz/measure.run.ts"] : ["fuzz/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...SLOW],
        },
      },
    ],
  },
});
