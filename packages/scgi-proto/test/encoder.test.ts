import { Environ, type ProtocolError } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii } from "../../../test/support/chunks.js";
import { ScgiErrorCode as E, encodeRequest, encodeRequestInto, measureRequest } from "../src/index.js";
import { request } from "./builder.js";
import { errorOf } from "./recorder.js";

describe("encodeRequest", () => {
  it("moves CONTENT_LENGTH first and adds SCGI=1 second, every other entry in its order", () => {
    const env = new Environ([
      ["REQUEST_METHOD", "POST"],
      ["CONTENT_LENGTH", "5"],
      ["A", ""],
      ["A", "x"],
    ]);
    expect(encodeRequest(env)).toEqual(
      request([
        ["CONTENT_LENGTH", "5"],
        ["SCGI", "1"],
        ["REQUEST_METHOD", "POST"],
        ["A", ""],
        ["A", "x"],
      ]),
    );
  });

  it('adds CONTENT_LENGTH "0" when there is none or it is empty, and writes agreeing repeats once', () => {
    const zero = request([
      ["CONTENT_LENGTH", "0"],
      ["SCGI", "1"],
      ["REQUEST_METHOD", "GET"],
    ]);
    expect(encodeRequest(new Environ([["REQUEST_METHOD", "GET"]]))).toEqual(zero);
    expect(
      encodeRequest(
        new Environ([
          ["CONTENT_LENGTH", ""],
          ["REQUEST_METHOD", "GET"],
        ]),
      ),
    ).toEqual(zero);
    const twice = new Environ([
      ["CONTENT_LENGTH", "7"],
      ["SCGI", "1"],
      ["CONTENT_LENGTH", "7"],
    ]);
    expect(encodeRequest(twice)).toEqual(
      request([
        ["CONTENT_LENGTH", "7"],
        ["SCGI", "1"],
      ]),
    );
  });

  it("writes values that are bytes as they are", () => {
    const env = new Environ([["PATH_INFO", Uint8Array.from([0x2f, 0xc3, 0xa9])]]);
    expect(encodeRequest(env)).toEqual(
      request([
        ["CONTENT_LENGTH", "0"],
        ["SCGI", "1"],
        ["PATH_INFO", Uint8Array.from([0x2f, 0xc3, 0xa9])],
      ]),
    );
  });

  it("refuses what a peer would misread", () => {
    const code = (pairs: [string, string | Uint8Array][]) =>
      (errorOf(() => encodeRequest(new Environ(pairs))) as ProtocolError | undefined)?.code;
    expect(code([["A\u0000B", "x"]])).toBe(E.NulInVar);
    expect(code([["A", "x\u0000y"]])).toBe(E.NulInVar);
    expect(code([["A", Uint8Array.from([0x61, 0])]])).toBe(E.NulInVar);
    expect(code([["", "x"]])).toBe(E.EmptyName);
    expect(
      code([
        ["CONTENT_LENGTH", "1"],
        ["CONTENT_LENGTH", "2"],
      ]),
    ).toBe(E.ConflictingContentLength);
    expect(code([["CONTENT_LENGTH", "-1"]])).toBe(E.BadContentLength);
    expect(code([["CONTENT_LENGTH", " 1"]])).toBe(E.BadContentLength);
    expect(code([["SCGI", "2"]])).toBe(E.BadVersion);
  });

  it("reports a NUL at its offset in the output", () => {
    const e = errorOf(() => encodeRequest(new Environ([["AB", "x\u0000"]]))) as ProtocolError;
    // 32:CONTENT_LENGTH\0 0\0 SCGI\0 1\0 AB\0 x\0
    expect(e).toMatchObject({ code: E.NulInVar, offset: 3 + 17 + 7 + 3 + 1 });
  });
});

describe("encodeRequestInto and measureRequest", () => {
  const env = new Environ([
    ["REQUEST_METHOD", "GET"],
    ["PATH_INFO", "/x"],
  ]);
  const expected = encodeRequest(env);

  it("measure what encodeRequest writes, and write the same at an offset", () => {
    expect(measureRequest(env)).toBe(expected.length);
    const out = new Uint8Array(expected.length + 10).fill(0xee);
    expect(encodeRequestInto(env, out, 4)).toBe(4 + expected.length);
    expect(out.subarray(4, 4 + expected.length)).toEqual(expected);
    expect([...out.subarray(0, 4), ...out.subarray(4 + expected.length)]).toEqual(new Array(10).fill(0xee));
  });

  it("refuse a buffer too small before writing anything", () => {
    const out = new Uint8Array(expected.length).fill(0xee);
    expect(errorOf(() => encodeRequestInto(env, out, 1))).toMatchObject({ code: "ENVIRON_BUFFER_TOO_SMALL" });
    expect(out.every((b) => b === 0xee)).toBe(true);
  });

  it("write a length prefix of as many digits as the block needs", () => {
    for (const size of [1, 80, 1000, 20000]) {
      const bytes = encodeRequest(new Environ([["V", "v".repeat(size)]]));
      const colon = bytes.indexOf(0x3a);
      expect(Number(new TextDecoder().decode(bytes.subarray(0, colon)))).toBe(bytes.length - colon - 2);
      expect(bytes.at(-1)).toBe(ascii(",")[0]);
    }
  });
});
