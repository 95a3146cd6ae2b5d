// Every ```ts block in the READMEs runs as a test (msgpack's readme.test.ts idea), so the
// documentation cannot rot. A line `expr; // literal` or `console.log(expr); // literal`
// whose comment parses as a JS expression becomes an assertion that expr equals it;
// comments in prose stay comments.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const cache = join(root, "node_modules", ".readme-examples");
mkdirSync(cache, { recursive: true });

const readmes = [
  "README.md",
  ...readdirSync(join(root, "packages")).map((p) => join("packages", p, "README.md")),
].filter((p) => {
  try {
    readFileSync(join(root, p));
    return true;
  } catch {
    return false;
  }
});

function parsesAsExpression(s: string): boolean {
  try {
    new Function(`return (${s});`);
    return true;
  } catch {
    return false;
  }
}

function toChecks(code: string): string {
  return code
    .split("\n")
    .map((line) => {
      const m = /^(\s*)(?:console\.log\((.*)\)|(?!const |let |import |export )(.*?));\s*\/\/\s*(.+)$/.exec(
        line,
      );
      if (!m) return line;
      const [, indent, logged, bare, expected] = m;
      const expr = logged ?? bare!;
      // expr may be TypeScript (`(e as ProtocolError).code`); the comment must be JavaScript.
      if (!expected || !expr.trim() || !parsesAsExpression(expected)) return line;
      return `${indent}__check(${expr}, ${expected}, ${JSON.stringify(line.trim())});`;
    })
    .join("\n");
}

(globalThis as Record<string, unknown>).__check = (actual: unknown, expected: unknown, line: string) => {
  expect(actual, line).toEqual(expected);
};

for (const readme of readmes) {
  const text = readFileSync(join(root, readme), "utf8");
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  describe(readme, () => {
    blocks.forEach((code, n) => {
      it(`example ${n + 1} runs and prints what it says`, async () => {
        const file = join(cache, `${readme.replaceAll("/", "_")}.${n}.ts`);
        writeFileSync(
          file,
          `declare const __check: (a: unknown, e: unknown, l: string) => void;\n${toChecks(code)}\nexport {};\n`,
        );
        // Whatever an example prints without a checked comment would reach the test report.
        const printed: unknown[][] = [];
        const log = console.log;
        console.log = (...args: unknown[]) => printed.push(args);
        try {
          await import(/* @vite-ignore */ file);
        } finally {
          console.log = log;
        }
        expect(printed, "printed by the example without a `// value` to check").toEqual([]);
      });
    });
  });
}
