/**
 * A Vite plugin for the fuzz and cost projects: instruments the packages' sources (after
 * TypeScript is stripped) with istanbul-lib-instrument, so that their statement, branch and
 * function counters live in this process, in globalThis[COVERAGE_VARIABLE]: for the fuzz
 * runner's coverage guidance (fuzz/coverage.ts) and the cost suite's count of work done
 * (test/cost). Pure JavaScript: no native code, so it works where Jazzer.js cannot.
 */
import { createInstrumenter } from "istanbul-lib-instrument";
import type { Plugin } from "vitest/config";

export const COVERAGE_VARIABLE = "__envwireFuzzCoverage";

/** The packages' own sources: what the fuzz targets are about (not tests, not fuzz/ itself). */
const SOURCES = /\/packages\/[^/]+\/src\/[^/]+\.ts$/;

export function instrumentPackages(): Plugin {
  const instrumenter = createInstrumenter({
    coverageVariable: COVERAGE_VARIABLE,
    esModules: true,
    compact: true,
    produceSourceMap: false,
  });
  return {
    name: "envwire:fuzz-coverage",
    enforce: "post",
    transform(code, id) {
      const file = id.split("?")[0]!;
      if (!SOURCES.test(file)) return undefined;
      return { code: instrumenter.instrumentSync(code, file), map: null };
    },
  };
}
