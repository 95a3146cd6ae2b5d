// Each package's fuzz targets (its `/fuzz` entry), as an outside harness such as Jazzer.js
// takes them: fuzz(data) and what starts it. (fuzz/ runs the same objects: fuzz/targets.)
import { cgiResponse, cgiResponseLimits, type FuzzTarget } from "@envwire/environ/fuzz";
import * as fastcgi from "@envwire/fastcgi-proto/fuzz";
import * as http from "@envwire/http-proto/fuzz";
import * as scgi from "@envwire/scgi-proto/fuzz";
import * as uwsgi from "@envwire/uwsgi-proto/fuzz";
import { describe, expect, it } from "vitest";
import { targets as runnerTargets } from "../fuzz/targets/index.js";

describe("the packages' fuzz targets", () => {
  const targets: Record<string, FuzzTarget> = {
    cgiResponse,
    cgiResponseLimits,
    ...Object.fromEntries(Object.entries(uwsgi).map(([k, t]) => [`uwsgi.${k}`, t])),
    ...Object.fromEntries(Object.entries(scgi).map(([k, t]) => [`scgi.${k}`, t])),
    ...Object.fromEntries(Object.entries(fastcgi).map(([k, t]) => [`fastcgi.${k}`, t])),
    ...Object.fromEntries(Object.entries(http).map(([k, t]) => [`http.${k}`, t])),
  };

  it("are what the repository's runner runs, by the same functions", () => {
    // (The runner has targets of its own besides, differential ones: llhttp, the kernels.)
    const run = new Set<unknown>(Object.values(runnerTargets).map((target) => target.fuzz));
    for (const [name, target] of Object.entries(targets)) expect(run.has(target.fuzz), name).toBe(true);
  });

  it("are Jazzer.js's fuzz(data), with seeds that decode, a dictionary and hold", () => {
    expect(Object.keys(targets)).toHaveLength(14);
    for (const [name, target] of Object.entries(targets)) {
      expect(target.seeds.length, name).toBeGreaterThan(0);
      expect(target.dictionary.length, name).toBeGreaterThan(0);
      const outcomes = target.seeds.map((seed) => target.fuzz(seed));
      if (!name.endsWith("Limits")) expect(outcomes, name).toContain("ok");
      expect(target.fuzz(new Uint8Array(0)), name).toMatch(/^(ok|[A-Z]+_[A-Z_]+)$/);
      expect(target.hold(target.seeds[0]!), name).toBeDefined();
    }
  });
});
