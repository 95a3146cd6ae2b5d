import { configDefaults, defineConfig } from "vitest/config";
import { instrumentPackages } from "./test/support/instrument.js";

// Tests import workspace packages by name; the "@envwire/source" condition points them at src/
// so a test run never depends on a stale build. The cost and fuzz projects run the packages
// instrumented (test/support/instrument.ts): the cost suite counts the statements a decode
// runs, and the fuzz runner is guided by what each input reached.
export default defineConfig({
  resolve: { conditions: ["@envwire/source"] },
  ssr: { resolve: { conditions: ["@envwire/source"] } },
  test: {
    setupFiles: ["test/support/fast-check-setup.ts"],
    testTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: process.env.FUZZ_MEASURE
            ? ["fuzz/measure.run.ts"]
            : ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/cost/work.test.ts", "test/interop/**"],
        },
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
        },
      },
    ],
  },
});
