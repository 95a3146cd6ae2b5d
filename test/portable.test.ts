// The codec packages run unchanged in Node, Deno, Bun and browsers: no module of theirs
// imports node:* but @envwire/environ/node (src/node.ts), which only its own subpath loads.
// (environ builds with Node's types for that one file: this keeps the rest honest.)
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const packages = resolve(import.meta.dirname, "..", "packages");
const codecs = ["environ", "uwsgi-proto", "fastcgi-proto", "http-proto", "scgi-proto"];

it("imports node:* only from @envwire/environ/node", () => {
  const offenders: string[] = [];
  for (const pkg of codecs) {
    const src = join(packages, pkg, "src");
    for (const file of readdirSync(src, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts") || (pkg === "environ" && file === "node.ts")) continue;
      const text = readFileSync(join(src, file), "utf8");
      if (/(?:from\s+|import\s*\(\s*)["']node:/.test(text)) offenders.push(`${pkg}/src/${file}`);
    }
  }
  expect(offenders).toEqual([]);
});
