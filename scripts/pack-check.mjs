// Packs every publishable package with `pnpm pack` (as `pnpm publish` would), installs the
// tarballs with npm into a scratch project outside the repo, and uses each one from there:
// proof that `exports`, `files` and the workspace dependency rewrite give users a working package.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

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
    }
    ${readSmokeTests(packages)}
    console.log("pack-check: " + ${names.length} + " packages installed from tarballs and used");
  `;
  writeFileSync(join(app, "smoke.mjs"), smoke);
  process.stdout.write(run("node", ["smoke.mjs"], app));
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
