// How an Environ looks where users look: console.log (util.inspect) and JSON.stringify.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Environ } from "../src/index.js";

const env = new Environ([
  ["REQUEST_METHOD", "GET"],
  ["HTTP_X_DUP", "a"],
  ["HTTP_X_DUP", "b"],
]);

describe("an Environ in util.inspect", () => {
  it("shows its entries in wire order, repeats kept, on one line when they fit", () => {
    expect(inspect(env)).toBe("Environ(3) { REQUEST_METHOD: 'GET', HTTP_X_DUP: 'a', HTTP_X_DUP: 'b' }");
    expect(inspect(new Environ())).toBe("Environ(0) {}");
  });

  it("one entry a line when they do not; a name that is not an identifier quoted", () => {
    const long = new Environ([
      ["HTTP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64)"],
      ["HTTP_X-ODD", "it's"],
    ]);
    expect(inspect(long)).toBe(
      "Environ(2) {\n  HTTP_USER_AGENT: 'Mozilla/5.0 (X11; Linux x86_64)',\n  'HTTP_X-ODD': \"it's\"\n}",
    );
    // Nested, the lines are indented with the rest; past the depth, a placeholder.
    expect(inspect({ env: long })).toContain("{\n  env: Environ(2) {\n    HTTP_USER_AGENT:");
    expect(inspect({ a: { b: { env } } }, { depth: 1 })).toBe("{ a: { b: [Object] } }");
    expect(inspect({ a: { env } }, { depth: 1 })).toBe("{ a: { env: [Environ] } }");
  });

  it("counts what is past maxArrayLength instead of printing it", () => {
    const many = new Environ();
    for (let i = 0; i < 103; i++) many.append(`V${i}`, "");
    const printed = inspect(many);
    expect(printed).toMatch(/^Environ\(103\) \{\n {2}V0: '',\n/);
    expect(printed).toContain("  V99: '',\n  ... 3 more\n}");
    expect(printed).not.toContain("V100");
  });
});

describe("an Environ in JSON", () => {
  it("is its [name, value] pairs, which new Environ takes back", () => {
    const json = JSON.stringify(env);
    expect(json).toBe('[["REQUEST_METHOD","GET"],["HTTP_X_DUP","a"],["HTTP_X_DUP","b"]]');
    const bytes = new Environ([["V", Uint8Array.of(0xe9, 0x00, 0xff)]]);
    expect(new Environ(JSON.parse(JSON.stringify(bytes))).equals(bytes)).toBe(true);
    expect(new Environ(JSON.parse(json)).equals(env)).toBe(true);
  });
});
