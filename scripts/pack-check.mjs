// Packs every publishable package with `pnpm pack` (as `pnpm publish` would), installs the
// tarballs with npm into a scratch project outside the repo, and uses each one from there:
// proof that `exports`, `files` and the workspace dependency rewrite give users a working package
// (and a `/fuzz` entry, where there is one, fuzz targets that run).
// Each tarball must also carry the root LICENSE and pass publint (every message, suggestions
// included, fails) and @arethetypeswrong/cli, offline on the local file. attw ignores one rule,
// cjs-resolves-to-esm: its bundled TypeScript (5.6) predates require(esm), which Node >= 20.19
// (our engines floor) does, so a require() of these ESM-only packages works (the smoke test below
// does it); every other rule, in every resolution mode (node10, node16 CJS and ESM, bundler), holds.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const root = resolve(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "envwire-pack-"));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"] }).toString();

try {
  const packages = readdirSync(join(root, "packages")).map((dir) => join(root, "packages", dir));
  const tarballs = packages.map((dir) => {
    const out = run("pnpm", ["pack", "--pack-destination", scratch], dir).trim().split("\n");
    return out.at(-1);
  });
  const app = join(scratch, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], app);

  const names = packages.map((dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name);
  const failures = [];
  const license = readFileSync(join(root, "LICENSE"), "utf8");
  for (const [i, name] of names.entries()) {
    const problems = [];
    // pnpm packs the root LICENSE when a package has none; `npm pack` would not: each keeps a copy.
    const own = join(packages[i], "LICENSE");
    if (!existsSync(own) || readFileSync(own, "utf8") !== license)
      problems.push(`${own} is missing or differs from the root LICENSE`);
    if (!existsSync(join(app, "node_modules", name, "LICENSE"))) problems.push("LICENSE not in the tarball");
    // A copy: a small file's Buffer may be a view into a shared pool.
    const tarball = new Uint8Array(readFileSync(tarballs[i])).buffer;
    const lint = await publint({ pack: { tarball }, strict: true });
    for (const m of lint.messages)
      problems.push(`publint ${m.type}: ${formatMessage(m, lint.pkg, { color: false })}`);
    const attw = spawnSync(
      join(root, "node_modules", ".bin", "attw"),
      [tarballs[i], "--ignore-rules", "cjs-resolves-to-esm", "--no-color", "--no-emoji"],
      { encoding: "utf8" },
    );
    if (attw.status !== 0) problems.push(`attw (exit ${attw.status}):${attw.stdout}${attw.stderr}`);
    if (problems.length) failures.push(`${name}:\n  ${problems.join("\n  ")}`);
  }
  // A string, printed as it is (no stack trace): each line says what to fix.
  if (failures.length) throw `pack-check failed:\n${failures.join("\n")}`;
  // Each package is imported by its public name and used through its documented entry points.
  const smoke = `
    import assert from "node:assert/strict";
    import { readFileSync } from "node:fs";
    import { createRequire } from "node:module";
    import { Environ, ProtocolError } from "@envwire/environ";
    const env = new Environ([["REQUEST_METHOD", "GET"], ["HTTP_X_DUP", "a"], ["HTTP_X_DUP", "b"]]);
    assert.equal(env.get("HTTP_X_DUP"), "b");
    assert.ok(new ProtocolError("X", "m", 1) instanceof Error);
    const require = createRequire(import.meta.url);
    for (const name of ${JSON.stringify(names)}) {
      const mod = await import(name);
      const pkg = JSON.parse(readFileSync(require.resolve(name + "/package.json"), "utf8"));
      assert.ok(pkg.exports["."].types, name + " declares types");
      readFileSync(require.resolve(name + "/package.json").replace("package.json", pkg.exports["."].types));
      assert.equal(typeof mod, "object", name);
      // engines says node >= 20.19: require() of an ESM-only package works there.
      assert.deepEqual(Object.keys(require(name)), Object.keys(mod), name + " by require()");
      // A /fuzz entry's targets run their seeds, as a harness outside the repository runs them.
      if (pkg.exports["./fuzz"] === undefined) continue;
      const targets = Object.entries(await import(name + "/fuzz")).filter(([, t]) => typeof t?.fuzz === "function");
      assert.ok(targets.length > 0, name + "/fuzz has targets");
      for (const [key, target] of targets)
        for (const seed of target.seeds) assert.equal(typeof target.fuzz(seed), "string", name + "/fuzz " + key);
    }
    ${readSmokeTests(packages)}
    console.log("pack-check: " + ${names.length} + " packages installed from tarballs and used; LICENSE, publint and attw clean");
  `;
  writeFileSync(join(app, "smoke.mjs"), smoke);
  process.stdout.write(run("node", ["smoke.mjs"], app));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/** A package may add its own checks in test/pack-smoke.mjs (plain JS, run from the scratch project). */
function readSmokeTests(dirs) {
  return dirs
    .map((dir) => {
      try {
        return `{ ${readFileSync(join(dir, "test", "pack-smoke.mjs"), "utf8")} }`;
      } catch {
        return "";
      }
    })
    .join("\n");
}
