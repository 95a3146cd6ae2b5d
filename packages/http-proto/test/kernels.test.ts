// The decoders give the same heads (every field's spans, names and what was noted of them),
// events and errors (code and offset) with the WebAssembly kernel reading plain field lines
// as with the JavaScript fallback (kernels: false), on any bytes, however cut.

import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { ascii, concat, cutsFor, everySplit, splitAt } from "../../../test/support/chunks.js";
import { protocolErrorOf } from "../../../test/support/errors.js";
import type { Fields } from "../src/header-fields.js";
import type { HttpDecoderOptions } from "../src/index.js";
import { decodeRequests, decodeResponses, type Recording } from "./recorder.js";

/** Everything a head's fields hold, beside what the recorder keeps. */
function fieldsOf({ heads }: Recording) {
  return heads.map((head) => {
    const f = head.headers as Fields;
    return {
      spans: f.spans,
      names: f.names.map((n) => [n.id, n.cgi, n.kind]),
      kinds: f.kinds,
      traits: f.traits,
    };
  });
}

type Way = "request" | "response";

/** What decoding `chunks` comes to: the events and fields, or the ProtocolError's code and offset. */
function outcome(way: Way, chunks: readonly Uint8Array[], options: HttpDecoderOptions, kernels: boolean) {
  let result: unknown;
  const error = protocolErrorOf(() => {
    const r =
      way === "request"
        ? decodeRequests(chunks, { ...options, kernels })
        : decodeResponses(chunks, [], { ...options, kernels });
    result = { events: r.events, fields: fieldsOf(r) };
  });
  return error ?? result;
}

function expectSamePaths(way: Way, chunks: readonly Uint8Array[], options: HttpDecoderOptions = {}) {
  expect(outcome(way, chunks, options, true)).toEqual(outcome(way, chunks, options, false));
}

// Field lines as peers, fuzzers and broken proxies send them: mostly plain (well-known names,
// names a decoder learns, framing fields), some not (a name with a space, a non-token or a
// byte past 0x7E, a value with a control byte, NUL, DEL or 0xFF, a bare CR or LF, obs-fold,
// no colon), values short and past 16 and 64 bytes.
const knownName = fc.constantFrom(
  "Host",
  "accept",
  "User-Agent",
  "Cookie",
  "X-Learned-1",
  "x-learned-2",
  "X_Under",
);
const plainLine = fc
  .tuple(
    fc.oneof(knownName, fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}$/)),
    fc.constantFrom("", " ", "\t", "  "),
    fc.oneof(
      fc.stringMatching(/^[!-~][ -~]{0,20}$/),
      fc.integer({ min: 10, max: 200 }).map((n) => "v".repeat(n)),
    ),
    fc.constantFrom("", " ", "\t "),
  )
  .map(([name, ows, value, trail]) => `${name}:${ows}${value}${trail}\r\n`);
// A line that is not plain in one place: its name, its value (one odd byte among plain ones,
// anywhere, past 16 and 64 bytes too) or its end.
const oddByte = fc.constantFrom("\u0000", "\u0001", "\u007f", "\u00ff", "\r", "\n", " ", "(", ":", "\u00e9");
const oddLine = fc.oneof(
  fc
    .tuple(fc.stringMatching(/^[A-Za-z-]{0,12}$/), oddByte, fc.stringMatching(/^[A-Za-z-]{0,12}$/))
    .map(([a, odd, b]) => `${a}${odd}${b}: v\r\n`),
  fc
    .tuple(
      fc.stringMatching(/^[!-~ \t]{0,80}$/),
      fc.constantFrom("\u0000", "\u0001", "\u007f", "\r", "\n", "\u001f"),
      fc.stringMatching(/^[ -~]{0,20}$/),
    )
    .map(([a, odd, b]) => `X-Odd: ${a}${odd}${b}\r\n`),
  fc.constantFrom("X: v\n", "X: v\r", "X: v\r\n ", " X: v\r\n", "X v\r\n", ": v\r\n", "X:\r\r\n"),
);
const framing = fc.constantFrom(
  "Content-Length: 3\r\n",
  "Transfer-Encoding: chunked\r\n",
  "Connection: close\r\n",
);
const lines = fc.array(
  fc.oneof({ weight: 6, arbitrary: plainLine }, { weight: 1, arbitrary: oddLine }, framing),
  {
    maxLength: 14,
  },
);
const body = (head: string) =>
  /content-length: 3/i.test(head)
    ? "abc"
    : /chunked/i.test(head)
      ? "3\r\nabc\r\n0\r\nX-T: 1\r\nY:  2 \r\n\r\n"
      : "";

// Request lines: mostly plain (which the kernel reads), some not in one place (which it
// leaves to the loop): the method, the target (its "?", "%" and "#" too), the version, the end.
const targetPart = fc.constantFrom(
  "/",
  "/p",
  "a",
  "%20",
  "?",
  "?q=1",
  "#f",
  "%",
  "~",
  ":80",
  "http://h.test",
);
const oddInTarget = fc.constantFrom("\u0000", "\t", "\u007f", "\u0080", "\u00ff", "\r", "\n", "  ");
const requestLine = fc
  .tuple(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom("GET", "POST", "OPTIONS", "CONNECT", "PROPFIND") },
      { weight: 1, arbitrary: fc.constantFrom("M-SEARCH", "get", "G\u00e9T", "") },
    ),
    fc.oneof(
      { weight: 4, arbitrary: fc.array(targetPart, { minLength: 1, maxLength: 6 }).map((ps) => ps.join("")) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.array(targetPart, { maxLength: 3 }), oddInTarget, fc.array(targetPart, { maxLength: 3 }))
          .map(([a, odd, b]) => a.join("") + odd + b.join("")),
      },
      { weight: 1, arbitrary: fc.constantFrom("*", "h.test:443", `/${"l".repeat(70)}`) },
    ),
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(" HTTP/1.1\r\n", " HTTP/1.0\r\n") },
      {
        weight: 1,
        arbitrary: fc.constantFrom(" HTTP/1.1\n", " HTTP/2.0\r\n", " HTTP/1.2\r\n", " HTTP/1.1 \r\n", "\r\n"),
      },
    ),
  )
  .map(([method, target, end]) => `${method} ${target}${end}`)
  // (A Host after it, most times: without one an HTTP/1.1 request is an error, whatever its line.)
  .chain((line) => fc.constantFrom(`${line}Host: h\r\n`, `${line}Host: h\r\n`, line));

// Status lines: mostly plain, some not in one place (the version, the code, the reason, the end).
const statusLine = fc
  .tuple(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom("HTTP/1.1 ", "HTTP/1.0 ") },
      { weight: 1, arbitrary: fc.constantFrom("HTTP/2.0 ", "HTTP/1.1  ", "HTTP/1.1", "HTTP/1.") },
    ),
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom("200", "404", "100", "999", "302") },
      { weight: 1, arbitrary: fc.constantFrom("099", "20", "2000", "2x0", "") },
    ),
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.constantFrom(
          " OK",
          " Not Found",
          "",
          " ",
          " A\tB",
          " \u00e9t\u00e9",
          ` ${"r".repeat(40)}`,
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom(" O\u0000K", " O\u007fK", " O\rK", "x", " O\u0001") },
    ),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant("\r\n") },
      { weight: 1, arbitrary: fc.constantFrom("\n", "\r", "\r\r\n") },
    ),
  )
  .map((parts) => parts.join(""));

const message = (way: Way) =>
  fc
    .tuple(lines, fc.constantFrom("\r\n", "\r\n", "\n", ""), requestLine, statusLine)
    .map(([ls, end, line, status]) => {
      const start = way === "request" ? line : status;
      const head = `${start}${ls.join("")}${end}`;
      return head + body(head);
    });
const wire = (way: Way) =>
  fc.array(message(way), { minLength: 1, maxLength: 3 }).map((ms) => ascii(ms.join("")));

const options = fc.record(
  {
    allowBareLf: fc.boolean(),
    maxHeaders: fc.integer({ min: 1, max: 20 }),
    maxHeadSize: fc.integer({ min: 30, max: 600 }),
    maxTrailerSize: fc.integer({ min: 10, max: 100 }),
    maxStartLineLength: fc.integer({ min: 8, max: 80 }),
    allowRawTargetBytes: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe("HTTP decoders: the SIMD kernel and the JavaScript fallback agree", () => {
  for (const way of ["request", "response"] as const) {
    test.prop([wire(way), options], { numRuns: 40 })(
      `on any ${way}s, whole, at every cut and byte by byte`,
      (bytes, opts) => {
        for (const [, chunks] of everySplit(bytes)) expectSamePaths(way, chunks, opts);
      },
    );

    test.prop([fc.array(wire(way), { minLength: 1, maxLength: 6 }), options, fc.nat()], { numRuns: 150 })(
      `on ${way}s back to back, in random pieces`,
      (parts, opts, seed) => {
        const bytes = concat(parts);
        expectSamePaths(
          way,
          splitAt(bytes, fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!),
          opts,
        );
      },
    );
  }

  test.prop([fc.array(requestLine, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.nat()], {
    numRuns: 300,
  })(
    "on request lines of every kind, back to back, whole and in random pieces",
    (lines, allowRawTargetBytes, seed) => {
      const bytes = ascii(lines.map((line) => `${line}\r\n`).join(""));
      const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
      expectSamePaths("request", [bytes], { allowRawTargetBytes });
      expectSamePaths("request", splitAt(bytes, cuts), { allowRawTargetBytes });
    },
  );

  test.prop([fc.array(statusLine, { minLength: 1, maxLength: 4 }), fc.nat()], { numRuns: 300 })(
    "on status lines of every kind, back to back, whole and in random pieces",
    (lines, seed) => {
      const bytes = ascii(lines.map((line) => `${line}Content-Length: 1\r\n\r\nx`).join(""));
      const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
      expectSamePaths("response", [bytes]);
      expectSamePaths("response", splitAt(bytes, cuts));
    },
  );

  // The kernel copies a chunk of up to 4 KiB whole, once a push, and reads a longer one a
  // window of 2 KiB at a time: heads that straddle those edges, and lines longer than a window.
  it("on heads beside and across the kernel's windows, in chunks of every size", () => {
    const filler = (n: number) => `X-Fill: ${"f".repeat(n)}\r\n`;
    for (const pad of [2000, 2030, 2040, 2045, 4050, 4080, 4090]) {
      const requests = [
        `GET /a HTTP/1.1\r\nHost: h\r\n${filler(pad)}Accept: */*\r\n\r\n`,
        `GET /b HTTP/1.1\r\nHost: h\r\n${"A: b\r\n".repeat(500)}\r\n`,
        `GET /c HTTP/1.1\r\nHost: h\r\n${filler(5000)}Bad Name: x\r\n\r\n`,
        `GET /d HTTP/1.1\r\nHost: h\r\n${filler(pad)}X: a\u0000b\r\n\r\n`,
      ];
      for (const r of requests) {
        const bytes = ascii(r + r);
        const opts = { maxHeadSize: 16384, maxHeaders: 1000 };
        for (const size of [1, 7, 100, 2047, 2048, 4095, 4096, 4097, bytes.length]) {
          const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, k) =>
            bytes.subarray(k * size, (k + 1) * size),
          );
          expectSamePaths("request", chunks, opts);
        }
      }
    }
  });

  it("reports the first wrong line's error at its offset, after plain lines, whoever read them", () => {
    const head = "GET / HTTP/1.1\r\nHost: h\r\nAccept: x\r\n";
    const cases: [string, string, number][] = [
      ["X: a\u0001b\r\n\r\n", "HTTP_BAD_HEADER_VALUE", 4],
      ["X(: a\r\n\r\n", "HTTP_BAD_HEADER_NAME", 1],
      [" folded\r\n\r\n", "HTTP_OBS_FOLD", 0],
      ["X: a\nY: b\r\n\r\n", "HTTP_BARE_LF", 4],
      ["X: a\rY: b\r\n\r\n", "HTTP_BARE_CR", 4],
      ["X : a\r\n\r\n", "HTTP_BAD_HEADER_NAME", 1],
      ["X: a\u007fb\r\n\r\n", "HTTP_BAD_HEADER_VALUE", 4],
      ["X: a\u0000\r\n\r\n", "HTTP_BAD_HEADER_VALUE", 4],
      ["X\u00ff: a\r\n\r\n", "HTTP_BAD_HEADER_NAME", 1],
    ];
    for (const [tail, code, at] of cases) {
      const bytes = ascii(head + tail);
      for (const kernels of [true, false])
        expect(
          outcome("request", [bytes], {}, kernels),
          `${JSON.stringify(tail)}, kernels: ${kernels}`,
        ).toEqual([code, head.length + at]);
    }
  });
});
