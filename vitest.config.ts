import { defineConfig } from "vitest/config";

// Tests import workspace packages by name; the "@envwire/source" condition points them at src/
// so a test run never depends on a stale build.
export default defineConfig({
  resolve: { conditions: ["@envwire/source"] },
  ssr: { resolve: { conditions: ["@envwire/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "fuzz/**/*.test.ts"],
    setupFiles: ["test/support/fast-check-setup.ts"],
    testTimeout: 120_000,
  },
});
