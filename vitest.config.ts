import { defineConfig } from "vitest/config";
import { instrumentPackages } from "./fuzz/instrument.js";

// Tests import workspace packages by name; the "@envwire/source" condition points them at src/
// so a test run never depends on a stale build. The fuzz project runs the packages instrumented
// for coverage (fuzz/instrument.ts): its runner is guided by what each input reached.
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
