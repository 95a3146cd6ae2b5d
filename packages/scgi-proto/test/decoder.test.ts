// Every malformed request fails with its code at one offset however the bytes are split, and
// well-formed ones decode the same at every split: whole, at every cut, byte by byte.
import { ProtocolError } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit } from "../../../test/support/chunks.js";
import { ScgiErrorCode as E, RequestDecoder, type ScgiRequestDecoderOptions } from "../src/index.js";
import { block, netstring, request } from "./builder.js";
import { decode, errorOf } from "./recorder.js";

const ok: [string, string][] = [
  ["CONTENT_LENGTH", "0"],
  ["SCGI", "1"],
];
const raw = (s: string) => ascii(s);
const at = (bytes: Uint8Array, needle: string) => Buffer.from(bytes).indexOf(needle);

/** 200 entries: their 400 NULs are more than the decoder lists at once (a batch is 256). */
const many: [string, string][] = [
  ...ok,
  ...Array.from({ length: 200 }, (_, i): [string, string] => [`HTTP_X_${i}`, "v"]),
];
const manyBlock = block(many);
const manyPrefix = `${manyBlock.length + 6}:`.length; // (the length of a block 6 bytes longer: one more entry)

/** [name, bytes, code, offset, options?] */
const cases: [string, Uint8Array, string, number, ScgiRequestDecoderOptions?][] = [
  ["a length that starts with a letter", raw("x0:"), E.BadLength, 0],
  ["a length with a letter in it", raw("1x:"), E.BadLength, 1],
  ["no length before the colon", raw(":,"), E.BadLength, 0],
  ["a leading zero", raw("07:"), E.BadLength, 1],
  ["a leading zero before a longer length", raw("0023:"), E.BadLength, 1],
  ["a length with a sign", raw("+5:"), E.BadLength, 0],
  ["a length with a space", raw("5 :"), E.BadLength, 1],
  ["no colon: a comma after the length", raw("24,"), E.BadLength, 2],
  ["a length over the limit", raw("65537:"), E.HeadersTooLarge, 4],
  ["a length over a small limit", raw("101:"), E.HeadersTooLarge, 2, { maxHeadersSize: 100 }],
  [
    "more headers than maxHeaders",
    request([
      ["CONTENT_LENGTH", "0"],
      ["SCGI", "1"],
      ["A", "b"],
    ]),
    E.TooManyHeaders,
    27,
    { maxHeaders: 2 },
  ],
  ["an overflowing length", raw("99999999999999999999:"), E.HeadersTooLarge, 4],
  ["an empty block", raw("0:,"), E.ContentLengthNotFirst, 2],
  [
    "no comma after the block",
    Uint8Array.from([...netstring(block(ok)).slice(0, -1), 0x3b]),
    E.MissingComma,
    27,
  ],
  [
    "SCGI first",
    request([
      ["SCGI", "1"],
      ["CONTENT_LENGTH", "0"],
    ]),
    E.ContentLengthNotFirst,
    3,
  ],
  [
    "no CONTENT_LENGTH",
    request([
      ["SCGI", "1"],
      ["A", "b"],
    ]),
    E.ContentLengthNotFirst,
    3,
  ],
  [
    "a lower-case content_length",
    request([
      ["content_length", "0"],
      ["SCGI", "1"],
    ]),
    E.ContentLengthNotFirst,
    3,
  ],
  [
    "CONTENT_LENGTH not digits",
    request([
      ["CONTENT_LENGTH", "1a"],
      ["SCGI", "1"],
    ]),
    E.BadContentLength,
    18,
  ],
  [
    "CONTENT_LENGTH empty",
    request([
      ["CONTENT_LENGTH", ""],
      ["SCGI", "1"],
    ]),
    E.BadContentLength,
    18,
  ],
  [
    "CONTENT_LENGTH negative",
    request([
      ["CONTENT_LENGTH", "-1"],
      ["SCGI", "1"],
    ]),
    E.BadContentLength,
    18,
  ],
  [
    "CONTENT_LENGTH with a space",
    request([
      ["CONTENT_LENGTH", " 1"],
      ["SCGI", "1"],
    ]),
    E.BadContentLength,
    18,
  ],
  [
    "CONTENT_LENGTH past 2^53",
    request([
      ["CONTENT_LENGTH", "9007199254740993"],
      ["SCGI", "1"],
    ]),
    E.BadContentLength,
    18,
  ],
  [
    "two CONTENT_LENGTHs that disagree",
    request(
      [
        ["CONTENT_LENGTH", "1"],
        ["SCGI", "1"],
        ["CONTENT_LENGTH", "2"],
      ],
      "x",
    ),
    E.ConflictingContentLength,
    42,
  ],
  [
    "CONTENT_LENGTH over the limit",
    request(
      [
        ["CONTENT_LENGTH", "11"],
        ["SCGI", "1"],
      ],
      "x".repeat(11),
    ),
    E.BodyTooLarge,
    18,
    { maxBodySize: 10 },
  ],
  [
    "no SCGI",
    request([
      ["CONTENT_LENGTH", "0"],
      ["A", "b"],
    ]),
    E.MissingScgi,
    24,
  ],
  [
    "SCGI 2",
    request([
      ["CONTENT_LENGTH", "0"],
      ["SCGI", "2"],
    ]),
    E.BadVersion,
    25,
  ],
  [
    "SCGI 10",
    request([
      ["CONTENT_LENGTH", "0"],
      ["SCGI", "10"],
    ]),
    E.BadVersion,
    25,
  ],
  [
    "an empty name",
    request([
      ["CONTENT_LENGTH", "0"],
      ["SCGI", "1"],
      ["", "x"],
    ]),
    E.EmptyName,
    27,
  ],
  [
    "an empty name first",
    request([
      ["", "0"],
      ["SCGI", "1"],
    ]),
    E.EmptyName,
    3,
  ],
  ["a name without its NUL", Uint8Array.from(netstring([...block(ok), ...ascii("NAME")])), E.MissingNul, 31],
  [
    "a value without its NUL",
    Uint8Array.from(netstring([...block(ok), ...ascii("NAME"), 0, ...ascii("va")])),
    E.MissingNul,
    34,
  ],
  [
    "a name and no value: an odd number of strings",
    Uint8Array.from(netstring([...block(ok), ...ascii("NAME"), 0])),
    E.OddStrings,
    32,
  ],
  [
    "an empty name after 200 entries",
    request([...many, ["", "xyzw"]]),
    E.EmptyName,
    manyPrefix + manyBlock.length,
  ],
  [
    "a name and no value after 200 entries",
    Uint8Array.from(netstring([...manyBlock, ...ascii("NAME"), 0])),
    E.OddStrings,
    manyPrefix + manyBlock.length + 5,
  ],
  ["a stream cut in the length", raw("2"), E.TruncatedHeaders, 1],
  ["a stream cut in the block", request(ok).subarray(0, 10), E.TruncatedHeaders, 10],
  ["a stream cut before the comma", request(ok).subarray(0, 24), E.TruncatedHeaders, 24],
  [
    "a stream cut in the body",
    request(
      [
        ["CONTENT_LENGTH", "5"],
        ["SCGI", "1"],
      ],
      "hel",
    ),
    E.TruncatedBody,
    31,
  ],
];

describe("malformed requests", () => {
  for (const [name, bytes, code, offset, options] of cases) {
    it(`${name}: ${code} at ${offset}, at every split`, () => {
      const seen = new Set<string>();
      for (const [, chunks] of everySplit(bytes)) {
        const e = errorOf(() => decode(detached(chunks), options));
        expect(e).toBeInstanceOf(ProtocolError);
        seen.add(`${(e as ProtocolError).code}@${(e as ProtocolError).offset}`);
      }
      expect([...seen]).toEqual([`${code}@${offset}`]);
    });
  }

  it("stays failed after an error, and after end() says it was ended", () => {
    const d = new RequestDecoder({ onHead() {} });
    const first = errorOf(() => d.push(raw("x")));
    expect(errorOf(() => d.push(request(ok)))).toBe(first);
    const ended = new RequestDecoder({ onHead() {} });
    ended.end();
    expect(errorOf(() => ended.push(request(ok)))).toMatchObject({ code: E.Ended, offset: 0 });
  });
});

describe("well-formed requests", () => {
  const post = request(
    [
      ["CONTENT_LENGTH", "5"],
      ["SCGI", "1"],
      ["REQUEST_METHOD", "POST"],
      ["HTTP_X_DUP", "a"],
      ["HTTP_X_DUP", "b"],
      ["EMPTY", ""],
      ["HTTP_X_BIN", Uint8Array.from([0xe9, 0xff, 0x01])],
    ],
    "hello",
  );

  it("decodes at every split, keeping duplicates, empty values and bytes past ASCII", () => {
    for (const [how, chunks] of everySplit(post)) {
      expect(decode(detached(chunks)).events, how).toEqual([
        {
          type: "head",
          contentLength: 5,
          headers: [
            ["CONTENT_LENGTH", "5"],
            ["SCGI", "1"],
            ["REQUEST_METHOD", "POST"],
            ["HTTP_X_DUP", "a"],
            ["HTTP_X_DUP", "b"],
            ["EMPTY", ""],
            ["HTTP_X_BIN", "\u00e9\u00ff\u0001"],
          ],
        },
        { type: "body", bytes: ascii("hello") },
        { type: "end" },
      ]);
    }
  });

  it("reads a block of more NULs than one batch alike whole and at every split", () => {
    const bytes = request(many);
    const whole = decode([bytes]).events;
    expect(whole[0]).toEqual({ type: "head", contentLength: 0, headers: many });
    for (const [how, chunks] of everySplit(bytes))
      expect(decode(detached(chunks)).events, how).toEqual(whole);
  });

  it("reads requests back to back, where the caller keeps the connection", () => {
    const get = request(ok);
    const all = concat([get, post, get]);
    for (const [how, chunks] of everySplit(all)) {
      const types = decode(detached(chunks)).events.map((e) => e.type);
      expect(types, how).toEqual(["head", "end", "head", "body", "end", "head", "end"]);
    }
  });

  it("keeps values as views into the chunk, and copies only an entry a chunk cuts", () => {
    const bytes = post.slice();
    const { heads } = decode([bytes]);
    expect(heads[0]!.env.getBytes("REQUEST_METHOD")!.buffer).toBe(bytes.buffer);
    const cut = at(bytes, "POST") + 2;
    const pieces = [bytes.slice(0, cut), bytes.slice(cut)];
    const env = decode(pieces).heads[0]!.env;
    expect(env.getBytes("SCGI")!.buffer).toBe(pieces[0]!.buffer);
    expect(env.getBytes("HTTP_X_DUP")!.buffer).toBe(pieces[1]!.buffer);
    expect(env.get("REQUEST_METHOD")).toBe("POST");
    expect(env.getBytes("REQUEST_METHOD")!.buffer).not.toBe(pieces[0]!.buffer);
  });

  it("takes CONTENT_LENGTH twice when they agree, and an SCGI anywhere", () => {
    const twice = request(
      [
        ["CONTENT_LENGTH", "1"],
        ["A", "b"],
        ["CONTENT_LENGTH", "1"],
        ["SCGI", "1"],
      ],
      "x",
    );
    expect(decode([twice]).events.map((e) => e.type)).toEqual(["head", "body", "end"]);
  });

  it("counts its offset, and takes a long block pushed one byte at a time", () => {
    const big = request([
      ...ok,
      ...Array.from({ length: 500 }, (_, i) => [`HTTP_X_${i}`, "v".repeat(i % 50)] as const),
    ]);
    const values: string[] = [];
    const d = new RequestDecoder({ onHead: ({ env }) => values.push(...[...env].map(([, v]) => v)) });
    for (let i = 0; i < big.length; i++) d.push(big.slice(i, i + 1));
    expect(d.offset).toBe(big.length);
    d.end();
    expect(values).toEqual(["0", "1", ...Array.from({ length: 500 }, (_, i) => "v".repeat(i % 50))]);
  });
});
