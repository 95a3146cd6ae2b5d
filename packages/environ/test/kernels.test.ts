// The byte kernels: the WebAssembly module matches its WAT source, the realm runs the SIMD
// kernels (Node 20 has SIMD) unless told not to, and both implementations list exactly the
// NULs a naive loop finds, wherever the window lies in the caller's bytes.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { byteKernels, KERNEL_WINDOW } from "../src/codec.js";

const REAL_WEBASSEMBLY = WebAssembly;

const naive = (buf: Uint8Array, from: number, to: number) => {
  const out: number[] = [];
  for (let i = from; i < to; i++) if (buf[i] === 0) out.push(i);
  return out;
};

describe("byte kernels", () => {
  it("ships the module its WAT compiles to", () => {
    const script = resolve(import.meta.dirname, "../../../scripts/build-kernels.mjs");
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });

  it("runs the SIMD kernels unless ENVWIRE_KERNELS=js or the caller asks for JavaScript", () => {
    expect(byteKernels().path).toBe(process.env.ENVWIRE_KERNELS === "js" ? "js" : "simd");
    expect(byteKernels(false).path).toBe("js");
    expect(byteKernels()).toBe(byteKernels()); // (one instance a realm)
  });

  describe("chosen once, at load", () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.unstubAllGlobals();
      vi.resetModules();
    });
    /** The seam as a realm with this environment would load it. */
    const load = async () => {
      vi.resetModules();
      return (await import("../src/kernels.js")).byteKernels();
    };

    it("the JavaScript kernels where ENVWIRE_KERNELS is js", async () => {
      vi.stubEnv("ENVWIRE_KERNELS", "js");
      expect((await load()).path).toBe("js");
      vi.stubEnv("ENVWIRE_KERNELS", "");
      expect((await load()).path).toBe("simd");
    });

    it("the JavaScript kernels where there is no WebAssembly, or it cannot be instantiated (a CSP)", async () => {
      vi.stubGlobal("WebAssembly", undefined);
      expect((await load()).path).toBe("js");
      vi.stubGlobal("WebAssembly", {
        validate: REAL_WEBASSEMBLY.validate,
        Module: REAL_WEBASSEMBLY.Module,
        Instance: class {
          constructor() {
            throw new Error("refused by the Content-Security-Policy");
          }
        },
      });
      expect((await load()).path).toBe("js");
    });
  });

  // Bytes where NULs are common, in a buffer that may sit at an offset in a larger one (a
  // view, as a socket's chunk often is), lengths around and past the 16-byte steps and the
  // window, and a range anywhere in it.
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.array(fc.constantFrom(0, 0, 0x3a, 0x41, 0xff), { maxLength: 600 }).map((a) => Uint8Array.from(a)),
    fc
      .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 32 }))
      .map(([n, k]) => Uint8Array.from({ length: n * 16 }, (_, i) => (i % k === 0 ? 0 : 0x61))),
    fc
      .tuple(
        fc.integer({ min: KERNEL_WINDOW - 40, max: KERNEL_WINDOW + 600 }),
        fc.integer({ min: 1, max: 97 }),
      )
      .map(([n, k]) => Uint8Array.from({ length: n }, (_, i) => (i % k === 0 ? 0 : 0x62))),
  );
  const placed = fc.tuple(bytes, fc.nat({ max: 17 }), fc.nat({ max: 17 })).map(([b, before, after]) => {
    const backing = new Uint8Array(before + b.length + after).fill(0);
    backing.set(b, before);
    return backing.subarray(before, before + b.length);
  });
  const withRange = placed.chain((buf) =>
    fc.tuple(fc.nat({ max: buf.length }), fc.nat({ max: buf.length })).map(([a, b]) => {
      const from = Math.min(a, b);
      return [buf, from, Math.min(Math.max(a, b), from + KERNEL_WINDOW)] as const;
    }),
  );

  for (const simd of [true, false]) {
    test.prop([withRange, fc.nat({ max: 300 })])(
      `${simd ? "the SIMD" : "the JavaScript"} kernels list every NUL of the range, and only those`,
      ([buf, from, to], junkLength) => {
        const kernels = byteKernels(simd);
        // (An earlier, longer scan leaves its bytes behind: none may show through.)
        kernels.listNuls(new Uint8Array(junkLength), 0, junkLength);
        const before = buf.slice();
        const count = kernels.listNuls(buf, from, to);
        expect(Array.from(kernels.offsets.subarray(0, count))).toEqual(naive(buf, from, to));
        expect(buf).toEqual(before);
      },
    );
  }
});

// fieldLines: a naive reading of the same rules, line by line (kernels.wat's `fields`).
const HASH_SEED = 0x811c9dc5 | 0;
const HASH_PRIME = 0x9e3779b1 | 0;
const MAX_LINES = 1365;

function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let h = HASH_SEED;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h = Math.imul(h ^ (w | 0x20202020), HASH_PRIME);
  }
  for (; i < end; i++) h = Math.imul(h ^ (bytes[i]! | 0x20), HASH_PRIME);
  return h;
}

const asBytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const listOf = (names: string[]) =>
  names.map((name) => {
    const bytes = asBytes(name);
    return { hash: hashOf(bytes, 0, bytes.length), bytes: bytes.map((b) => b | 0x20) };
  });
/** Names the kernel is to recognise (each in a set of its own: see FieldNameList). */
const NAMES = listOf(["host", "accept", "x-a", "content-length", "user-agent", "sec-ch-ua-platform", "te"]);

function naiveFieldLines(
  buf: Uint8Array,
  from: number,
  names: typeof NAMES = NAMES,
  room = MAX_LINES,
): { lines: number[][]; more: boolean } {
  const lines: number[][] = [];
  const isSpace = (c: number | undefined) => c === 0x20 || c === 0x09;
  const isValue = (c: number) => c === 0x09 || (c >= 0x20 && c !== 0x7f);
  let s = from;
  for (;;) {
    if (lines.length === room) return { lines, more: true };
    let p = s;
    while (p < buf.length && buf[p]! > 0x20 && buf[p]! < 0x7f && buf[p] !== 0x3a) p++;
    if (p === s || buf[p] !== 0x3a) return { lines, more: p >= buf.length };
    const colon = p;
    const h = hashOf(buf, s, colon);
    const folded = buf.subarray(s, colon).map((b) => b | 0x20);
    const id = names.findIndex(
      (n) => n.bytes.length === folded.length && n.bytes.every((b, k) => b === folded[k]),
    );
    p++;
    while (isSpace(buf[p])) p++;
    const valueStart = p;
    while (p < buf.length && isValue(buf[p]!)) p++;
    if (buf[p] !== 0x0d || buf[p + 1] !== 0x0a) return { lines, more: p + 1 >= buf.length };
    let valueEnd = p;
    while (valueEnd > valueStart && isSpace(buf[valueEnd - 1])) valueEnd--;
    s = p + 2;
    lines.push([colon, h, valueStart, valueEnd, s, id]);
  }
}

describe("fieldLines", () => {
  const line = fc
    .tuple(
      fc.string({
        unit: fc.constantFrom("a", "Z", "-", "_", "~", "!", "(", ":", " ", "\u00e9"),
        maxLength: 24,
      }),
      fc.constantFrom("", " ", "\t", "  "),
      fc.string({
        unit: fc.constantFrom("v", " ", "\t", "\u00ff", "\u007f", "\u0000", "\r", "\n", ":"),
        maxLength: 70,
      }),
      fc.constantFrom("\r\n", "\r\n", "\r\n", "\n", "\r", ""),
    )
    .map(([name, ows, value, end]) => `${name}:${ows}${value}${end}`);
  const plainLine = fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,40}$/),
      fc.stringMatching(/^[ \t]*[!-~]{0,90}[ \t]*$/),
    )
    .map(([name, value]) => `${name}:${value}\r\n`);
  const head = fc
    .tuple(
      fc.array(fc.oneof(plainLine, plainLine, plainLine, line), { maxLength: 40 }),
      fc.constantFrom("\r\n", "", "\r", "x"),
      fc.nat({ max: 4200 }),
    )
    .map(([lines, end, pad]) => {
      const text = `${"P".repeat(pad % 7 === 0 ? pad : 0)}${lines.join("")}${end}`;
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
    });

  test.prop([head, fc.nat({ max: 300 }), fc.nat({ max: 7000 })], { numRuns: 300 })(
    "the SIMD kernels give the lines a naive reading gives, in order, as many as they vouch for",
    (buf, junkLength, fromSeed) => {
      const kernels = byteKernels();
      // (An earlier scan leaves its bytes behind in the module's memory: none may show through.)
      kernels.listNuls(new Uint8Array(junkLength).fill(0x3a), 0, junkLength);
      // From the first field line (past the padding), or from anywhere.
      let from = buf.indexOf(0x50) === 0 ? buf.findIndex((c) => c !== 0x50) : 0;
      if (from < 0 || fromSeed % 5 === 0) from = buf.length === 0 ? 0 : fromSeed % buf.length;
      const before = buf.slice();
      const got = kernels.fieldLines(buf, from, NAMES);
      const count = got >> 1;
      const lines = Array.from({ length: count }, (_, k) =>
        Array.from(kernels.offsets.subarray(k * 6, k * 6 + 6)),
      );
      const expected = naiveFieldLines(buf, from);
      kernels.release();
      expect(buf).toEqual(before);
      if (kernels.path === "js") {
        expect(got).toBe(0);
        return;
      }
      expect(lines).toEqual(expected.lines.slice(0, count));
      // Fewer lines only for want of bytes (a window: a buffer over 4 KiB is read 2 KiB at a
      // time) or room, which it says; and it says so only then.
      if ((got & 1) === 0) expect([count, expected.more]).toEqual([expected.lines.length, false]);
      else expect(expected.more || buf.length > 4096).toBe(true);
    },
  );

  it("reads a long head a window at a time, each call from where the last stopped", () => {
    const text = `${"a:b\r\n".repeat(1500)}X-Long: ${"v".repeat(3000)}\r\n\r\n`;
    const buf = Uint8Array.from(text, (c) => c.charCodeAt(0));
    const kernels = byteKernels();
    if (kernels.path === "js") return;
    const expected = naiveFieldLines(buf, 0, NAMES, Number.POSITIVE_INFINITY).lines;
    const lines: number[][] = [];
    let from = 0;
    for (;;) {
      const got = kernels.fieldLines(buf, from, NAMES);
      for (let k = 0; k < got >> 1; k++) lines.push(Array.from(kernels.offsets.subarray(k * 6, k * 6 + 6)));
      if ((got & 1) === 0 || got >> 1 === 0) break;
      from = lines.at(-1)![4]!;
    }
    kernels.release();
    // Every short line; the long one is longer than a window, left to the caller.
    expect(lines).toEqual(expected.slice(0, 1500));
  });

  it("recognises the names of the list it is given, the last one given", () => {
    const kernels = byteKernels();
    if (kernels.path === "js") return;
    const buf = asBytes("HOST: a\r\nTe: b\r\nX-A: c\r\nhost-x: d\r\n\r\n");
    const ids = (names: typeof NAMES) => {
      const got = kernels.fieldLines(buf, 0, names);
      kernels.release();
      return Array.from({ length: got >> 1 }, (_, k) => kernels.offsets[k * 6 + 5]);
    };
    expect(ids(NAMES)).toEqual([0, 6, 2, -1]);
    expect(ids(listOf(["x-a", "host-x"]))).toEqual([-1, -1, 0, 1]);
    expect(ids(NAMES)).toEqual([0, 6, 2, -1]);
  });
});

/**
 * A start line read by a kernel (`read`) at `pad`, after `pad` other bytes (a pipelined chunk;
 * past 4 KiB, a window) and after a scan that left `junkLength` bytes in the module's memory
 * (none may show through): the buffer, and the kernel's first `count` numbers, or null when
 * it did not vouch for the line (undefined for the JavaScript kernels, which never do).
 */
function startLine(
  line: Uint8Array,
  pad: number,
  junkLength: number,
  count: number,
  read: (kernels: ReturnType<typeof byteKernels>, buf: Uint8Array) => boolean,
): { buf: Uint8Array; got: number[] | null | undefined } {
  const kernels = byteKernels();
  kernels.listNuls(new Uint8Array(junkLength).fill(0x20), 0, junkLength);
  const buf = new Uint8Array(pad + line.length);
  buf.fill(0x41, 0, pad);
  buf.set(line, pad);
  const before = buf.slice();
  const vouched = read(kernels, buf);
  const numbers = Array.from(kernels.offsets.subarray(0, count));
  kernels.release();
  expect(buf).toEqual(before);
  if (kernels.path === "js") {
    expect(vouched).toBe(false);
    return { buf, got: undefined };
  }
  return { buf, got: vouched ? numbers : null };
}

// requestLine: a naive reading of the same rules (kernels.wat's `requestLine`), by regular
// expression: the seven numbers of a plain line, or null.
const PLAIN_REQUEST_LINE = /^([A-Z]+) ([!-~]+) HTTP\/1\.([01])\r\n/;
const PLAIN_REQUEST_LINE_RAW = /^([A-Z]+) ([!-~\u0080-\u00ff]+) HTTP\/1\.([01])\r\n/;

function naiveRequestLine(buf: Uint8Array, from: number, raw: boolean): number[] | null {
  const text = String.fromCharCode(...buf.subarray(from));
  const match = (raw ? PLAIN_REQUEST_LINE_RAW : PLAIN_REQUEST_LINE).exec(text);
  if (match === null) return null;
  const [line, method, target, minor] = match as unknown as [string, string, string, string];
  const targetStart = from + method.length + 1;
  const hash = target.indexOf("#");
  const parts = hash < 0 ? target : target.slice(0, hash);
  const question = parts.indexOf("?");
  const path = question < 0 ? parts : parts.slice(0, question);
  return [
    targetStart - 1,
    targetStart + target.length,
    question < 0 ? -1 : targetStart + question + 1,
    hash < 0 ? -1 : targetStart + hash,
    path.includes("%") ? 1 : 0,
    Number(minor),
    from + line.length,
  ];
}

describe("requestLine", () => {
  // Mostly plain lines (a third of them with an odd byte somewhere in the target, an odd
  // method, separator, version or end), so that both answers come often.
  const targetByte = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom("/", "a", "Z", "9", "-", ".", "~", "=", "&", "+", ":", "@") },
    { weight: 3, arbitrary: fc.constantFrom("?", "%", "#") },
  );
  const oddTargetByte = fc.constantFrom(
    "\u0000",
    " ",
    "\t",
    "\u007f",
    "\u0080",
    "\u00e9",
    "\u00ff",
    "\r",
    "\n",
  );
  const target = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: targetByte, minLength: 1, maxLength: 60 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.string({ unit: targetByte, maxLength: 30 }),
          oddTargetByte,
          fc.string({ unit: targetByte, maxLength: 30 }),
        )
        .map(([a, odd, b]) => a + odd + b),
    },
  );
  const pick = (plain: string[], odd: string[]) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...plain) },
      { weight: 1, arbitrary: fc.constantFrom(...odd) },
    );
  const requestLine = fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: fc.stringMatching(/^[A-Z]{1,20}$/) },
        { weight: 1, arbitrary: fc.constantFrom("M-SEARCH", "get", "GET\u0000", "") },
      ),
      pick([" "], ["  ", "\t", ""]),
      target,
      pick(
        [" HTTP/1.1", " HTTP/1.0"],
        [" HTTP/2.0", " HTTP/1.2", " HTTP/1.10", " http/1.1", "HTTP/1.1", " HTTP/1.1 ", ""],
      ),
      pick(["\r\n", "\r\nHost: h\r\n\r\n"], ["\n", "\r", "", "\r\r\n"]),
    )
    .map(([method, sp, target, version, end]) => asBytes(`${method}${sp}${target}${version}${end}`));

  test.prop([requestLine, fc.boolean(), fc.nat({ max: 5000 }), fc.nat({ max: 300 })], { numRuns: 500 })(
    "the SIMD kernels vouch for the lines a naive reading finds plain, with the same numbers, and no other",
    (line, raw, pad, junkLength) => {
      const { buf, got } = startLine(line, pad, junkLength, 7, (kernels, buf) =>
        kernels.requestLine(buf, pad, raw),
      );
      if (got !== undefined) expect(got).toEqual(naiveRequestLine(buf, pad, raw));
    },
  );

  it("leaves a line longer than its window to the caller, and reads the fields on from its copy", () => {
    const kernels = byteKernels();
    if (kernels.path === "js") return;
    const long = asBytes(`GET /${"p".repeat(2100)} HTTP/1.1\r\nHost: h\r\n\r\n`.repeat(2));
    expect(kernels.requestLine(long, 0, false)).toBe(false);
    const head = asBytes("GET /a?b HTTP/1.0\r\nHost: h\r\n\r\n");
    expect(kernels.requestLine(head, 0, false)).toBe(true);
    expect(kernels.offsets[6]).toBe(19);
    expect(kernels.fieldLines(head, 19, NAMES) >> 1).toBe(1);
    expect(Array.from(kernels.offsets.subarray(0, 6))).toEqual(naiveFieldLines(head, 19).lines[0]);
    kernels.release();
  });
});

// statusLine: the same, for a status line (kernels.wat's `statusLine`).
const PLAIN_STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: ([\t\u0020-\u007e\u0080-\u00ff]*))?\r\n/;

function naiveStatusLine(buf: Uint8Array, from: number): number[] | null {
  const match = PLAIN_STATUS_LINE.exec(String.fromCharCode(...buf.subarray(from)));
  if (match === null) return null;
  const [line, minor, code, reason] = match as unknown as [string, string, string, string | undefined];
  const reasonStart = from + (reason === undefined ? 12 : 13);
  return [Number(minor), Number(code), reasonStart, reasonStart + (reason?.length ?? 0), from + line.length];
}

describe("statusLine", () => {
  const pick = (plain: string[], odd: string[]) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...plain) },
      { weight: 1, arbitrary: fc.constantFrom(...odd) },
    );
  const reason = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.string({
        unit: fc.constantFrom("O", "k", " ", "\t", "\u00e9", "\u00ff", "-"),
        maxLength: 40,
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 20 }), fc.constantFrom("\u0000", "\u0001", "\u007f", "\r", "\n"))
        .map(([a, odd]) => a.replace(/[^ -~]/g, "x") + odd),
    },
  );
  const statusLine = fc
    .tuple(
      pick(["HTTP/1.1 ", "HTTP/1.0 "], ["HTTP/2.0 ", "HTTP/1.2 ", "HTTP/1.1  ", "http/1.1 ", "HTTP/1.1"]),
      pick(["200", "404", "100", "999", "301"], ["099", "000", "20", "2x0", "2000"]),
      fc.option(reason, { nil: undefined }),
      pick(["\r\n", "\r\nX: y\r\n\r\n"], ["\n", "\r", "", "\r\r\n"]),
    )
    .map(([version, code, text, end]) =>
      asBytes(`${version}${code}${text === undefined ? "" : ` ${text}`}${end}`),
    );

  test.prop([statusLine, fc.nat({ max: 5000 }), fc.nat({ max: 300 })], { numRuns: 500 })(
    "the SIMD kernels vouch for the lines a naive reading finds plain, with the same numbers, and no other",
    (line, pad, junkLength) => {
      const { buf, got } = startLine(line, pad, junkLength, 5, (kernels, buf) =>
        kernels.statusLine(buf, pad),
      );
      if (got !== undefined) expect(got).toEqual(naiveStatusLine(buf, pad));
    },
  );
});
