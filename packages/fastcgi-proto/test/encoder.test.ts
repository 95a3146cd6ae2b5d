import { Environ } from "@envwire/environ";
import { sourceByteLength } from "@envwire/environ/codec";
import { describe, expect, it } from "vitest";
import { concat } from "../../../test/support/chunks.js";
import { protocolErrorOf } from "../../../test/support/errors.js";
import {
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodeParams,
  encodeParamsInto,
  encodeRecordHeader,
  encodeStream,
  encodeStreamEnd,
  FcgiErrorCode,
  measureParams,
  paddingFor,
  RecordType,
  RequestDecoder,
} from "../src/index.js";
import { begin, pairs, record, stream } from "./builder.js";
import { decodeRequests } from "./recorder.js";

/** Splits encoded bytes back into [type, id, contentLength, padding] per record. */
function headers(bytes: Uint8Array): number[][] {
  const out: number[][] = [];
  for (let p = 0; p < bytes.length; ) {
    const length = (bytes[p + 4]! << 8) | bytes[p + 5]!;
    out.push([bytes[p + 1]!, (bytes[p + 2]! << 8) | bytes[p + 3]!, length, bytes[p + 6]!]);
    p += 8 + length + bytes[p + 6]!;
  }
  return out;
}

const codeOf = (f: () => unknown) => protocolErrorOf(f)?.[0];

describe("encodeStream", () => {
  it("frames a payload without copying it, padded to 8", () => {
    const payload = new Uint8Array(13).fill(7);
    const parts = encodeStream(RecordType.STDOUT, 3, payload);
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(payload);
    expect(concat(parts)).toEqual(record(6, 3, payload, 3));
    expect(concat(encodeStream(RecordType.STDOUT, 3, payload, { pad: false }))).toEqual(
      record(6, 3, payload),
    );
    expect(encodeStream(RecordType.STDIN, 1, new Uint8Array(0))).toEqual([]);
  });

  it("splits payloads over a record into views of it, aligned so only the last record pads", () => {
    const payload = new Uint8Array(150_000).map((_, i) => i & 0xff);
    const parts = encodeStream(RecordType.STDIN, 1, payload);
    const bytes = concat(parts);
    expect(headers(bytes)).toEqual([
      [5, 1, 65528, 0],
      [5, 1, 65528, 0],
      [5, 1, 18944, 0],
    ]);
    expect(parts.filter((p) => p.length > 8).every((p) => p.buffer === payload.buffer)).toBe(true);
    expect(headers(concat(encodeStream(5, 1, payload, { pad: false })))).toEqual([
      [5, 1, 65535, 0],
      [5, 1, 65535, 0],
      [5, 1, 18930, 0],
    ]);
  });
});

describe("encodeStream's recordSize", () => {
  it("caps each record's content, a multiple of 8 when padding", () => {
    const payload = new Uint8Array(70_000);
    expect(headers(concat(encodeStream(5, 1, payload, { recordSize: 32768 })))).toEqual([
      [5, 1, 32768, 0],
      [5, 1, 32768, 0],
      [5, 1, 4464, 0],
    ]);
    expect(headers(concat(encodeStream(5, 1, payload.subarray(0, 25), { recordSize: 10 })))).toEqual([
      [5, 1, 8, 0],
      [5, 1, 8, 0],
      [5, 1, 8, 0],
      [5, 1, 1, 7],
    ]);
    expect(
      headers(concat(encodeStream(5, 1, payload.subarray(0, 25), { recordSize: 10, pad: false }))),
    ).toEqual([
      [5, 1, 10, 0],
      [5, 1, 10, 0],
      [5, 1, 5, 0],
    ]);
  });

  it("refuses a size no record can have", () => {
    const payload = new Uint8Array(10);
    for (const recordSize of [0, 7, 65536, 1.5, Number.NaN])
      expect(
        codeOf(() => encodeStream(5, 1, payload, { recordSize })),
        String(recordSize),
      ).toBe(FcgiErrorCode.BadField);
    expect(encodeStream(5, 1, payload, { recordSize: 1, pad: false })).toHaveLength(10 * 2);
  });
});

describe("encodeParams", () => {
  it("packs whole pairs into one padded record and ends the stream", () => {
    const env = new Environ([
      ["A", "1"],
      ["BB", "22"],
    ]);
    const content = pairs([...env]);
    expect(encodeParams(1, env)).toEqual(
      concat([record(4, 1, content, paddingFor(content.length)), record(4, 1)]),
    );
    expect(encodeParams(1, new Environ())).toEqual(record(4, 1));
  });

  it("never splits a pair that fits a record, and spreads one that does not", () => {
    const env = new Environ([
      ["SMALL", "x"],
      ["BIG", new Uint8Array(65_515)],
      ["HUGE", new Uint8Array(200_000).fill(9)],
      ["TAIL", "y"],
    ]);
    const bytes = encodeParams(7, env);
    const h = headers(bytes);
    expect(h[0]).toEqual([4, 7, 2 + 5 + 1, 0]); // SMALL alone: BIG does not fit behind it
    expect(h[1]![2]).toBe(5 + 3 + 65_515); // BIG whole in its own record
    expect(h.at(-1)).toEqual([4, 7, 0, 0]);
    const { byId } = decodeRequests([encodeBeginRequest(7), bytes, encodeStreamEnd(RecordType.STDIN, 7)], {
      maxParamsSize: 1 << 20,
    });
    const head = byId.get(7)![1];
    expect(head?.type === "head" && head.vars.map(([k, v]) => [k, v.length])).toEqual([
      ["SMALL", 1],
      ["BIG", 65_515],
      ["HUGE", 200_000],
      ["TAIL", 1],
    ]);
  });

  it("writes 1- and 4-byte lengths at the 127/128 boundary", () => {
    for (const n of [0, 127, 128, 300]) {
      const env = new Environ([["N".repeat(n), "v".repeat(n)]]);
      const content = pairs([...env]);
      expect(encodeParams(1, env, { pad: false })).toEqual(concat([record(4, 1, content), record(4, 1)]));
    }
  });
});

describe("management records", () => {
  it("puts GET_VALUES_RESULT in one record", () => {
    expect(encodeGetValuesResult({ FCGI_MAX_CONNS: "1" })).toEqual(
      record(10, 0, pairs([["FCGI_MAX_CONNS", "1"]]), 7),
    );
    expect(encodeGetValues([])).toEqual(record(9, 0));
    expect(codeOf(() => encodeGetValuesResult({ X: "v".repeat(70_000) }))).toBe(FcgiErrorCode.TooLong);
  });
});

describe("validation", () => {
  it("refuses fields out of range", () => {
    expect(codeOf(() => encodeBeginRequest(0))).toBe(FcgiErrorCode.BadField);
    expect(codeOf(() => encodeBeginRequest(65536))).toBe(FcgiErrorCode.BadField);
    expect(codeOf(() => encodeEndRequest(1, 2 ** 32))).toBe(FcgiErrorCode.BadField);
    expect(codeOf(() => encodeEndRequest(1, 0, 256))).toBe(FcgiErrorCode.BadField);
    expect(codeOf(() => encodeRecordHeader(6, 1, 65536))).toBe(FcgiErrorCode.BadField);
    expect(codeOf(() => encodeRecordHeader(256, 1, 0))).toBe(FcgiErrorCode.BadField);
    expect(codeOf(() => encodeStream(6, 0, new Uint8Array(1)))).toBe(FcgiErrorCode.BadField);
    expect(codeOf(() => encodeParams(1.5, new Environ()))).toBe(FcgiErrorCode.BadField);
  });
});

describe("encodeParams of a decoded Environ", () => {
  const list: [string, string][] = [
    ["SCRIPT_FILENAME", "/var/www/index.php"],
    ["REQUEST_METHOD", "GET"],
    ["HTTP_COOKIE", "c".repeat(200)],
    ["X", ""],
  ];
  const block = pairs(list);
  /** The Environ a RequestDecoder makes of a request whose PARAMS stream is `params`. */
  const decode = (params: Uint8Array): Environ => {
    let env: Environ | undefined;
    new RequestDecoder({ onHead: (head) => (env = head.env) }).push(
      concat([begin(1), params, stream(RecordType.STDIN, 1, new Uint8Array(0))]),
    );
    return env!;
  };
  const expected = (padded: boolean, entries = list) => {
    const content = pairs(entries);
    return concat([
      record(RecordType.PARAMS, 1, content, padded ? paddingFor(content.length) : 0),
      record(RecordType.PARAMS, 1),
    ]);
  };

  it("sends pairs that came in one record on as one copy of them, and the same bytes", () => {
    const env = decode(stream(RecordType.PARAMS, 1, block));
    expect(sourceByteLength(env, "fastcgi pairs")).toBe(block.length);
    expect(encodeParams(1, env)).toEqual(expected(true));
    expect(encodeParams(1, env, { pad: false })).toEqual(expected(false));
  });

  it("writes pairs pair by pair when they came in several records, or with lengths written long", () => {
    const split = decode(stream(RecordType.PARAMS, 1, block, [30]));
    expect(sourceByteLength(split, "fastcgi pairs")).toBe(-1);
    expect(encodeParams(1, split)).toEqual(expected(true));
    // "X" = "" with its lengths in four bytes each: valid, but not what the encoder writes.
    const long = concat([pairs(list.slice(0, 3)), Uint8Array.from([0x80, 0, 0, 1, 0x80, 0, 0, 0, 0x58])]);
    const env = decode(stream(RecordType.PARAMS, 1, long));
    expect(sourceByteLength(env, "fastcgi pairs")).toBe(-1);
    expect(encodeParams(1, env)).toEqual(expected(true));
  });

  it("writes what the Environ holds once anything has changed", () => {
    const env = decode(stream(RecordType.PARAMS, 1, block));
    env.set("REQUEST_METHOD", "POST");
    expect(sourceByteLength(env, "fastcgi pairs")).toBe(-1);
    expect(encodeParams(1, env)).toEqual(
      expected(
        true,
        list.map(([k, v]) => [k, k === "REQUEST_METHOD" ? "POST" : v]),
      ),
    );
  });
});

describe("encodeParamsInto", () => {
  const env = new Environ([
    ["REQUEST_METHOD", "GET"],
    ["HTTP_COOKIE", "c".repeat(300)],
  ]);

  it("writes what encodeParams makes into a caller's buffer at an offset, and touches nothing else", () => {
    for (const pad of [true, false]) {
      const expected = encodeParams(7, env, { pad });
      expect(measureParams(env, { pad })).toBe(expected.length);
      const out = new Uint8Array(expected.length + 5).fill(0xaa);
      expect(encodeParamsInto(7, env, out, 2, { pad })).toBe(2 + expected.length);
      expect(out.subarray(2, 2 + expected.length)).toEqual(expected);
      expect([...out.subarray(0, 2), ...out.subarray(2 + expected.length)].every((b) => b === 0xaa)).toBe(
        true,
      );
    }
  });

  it("writes nothing into a buffer too small, and says so", () => {
    const out = new Uint8Array(measureParams(env) - 1);
    expect(protocolErrorOf(() => encodeParamsInto(1, env, out, 0))?.[0]).toBe("ENVIRON_BUFFER_TOO_SMALL");
    expect(out.every((b) => b === 0)).toBe(true);
  });
});
