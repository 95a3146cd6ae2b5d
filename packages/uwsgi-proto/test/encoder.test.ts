import { Environ } from "@envwire/environ";
import { sourceByteLength } from "@envwire/environ/codec";
import { describe, expect, it } from "vitest";
import { protocolErrorOf } from "../../../test/support/errors.js";
import {
  decodeVars,
  encodePacketHeader,
  encodeRequest,
  encodeRequestInto,
  MAX_DATASIZE,
  measureRequest,
  RequestDecoder,
  UwsgiErrorCode,
} from "../src/index.js";
import { packet, request, varsBlock } from "./builder.js";

describe("encodeRequest", () => {
  const env = new Environ([
    ["REQUEST_METHOD", "GET"],
    ["PATH_INFO", "/"],
    ["HTTP_X_DUP", "a"],
    ["HTTP_X_DUP", "b"],
    ["EMPTY", ""],
  ]);
  const expected = request([...env]);

  it("writes the header and vars exactly as the spec lays them out", () => {
    expect(encodeRequest(env)).toEqual(expected);
    expect(measureRequest(env)).toBe(expected.length);
    expect(encodeRequest(new Environ())).toEqual(Uint8Array.from([0, 0, 0, 0]));
  });

  it("writes the modifiers", () => {
    expect(encodeRequest(env, { modifier1: 5, modifier2: 9 })).toEqual(packet(5, varsBlock([...env]), 9));
  });

  it("writes into a caller's buffer at an offset and touches nothing else", () => {
    const out = new Uint8Array(expected.length + 10).fill(0xaa);
    expect(encodeRequestInto(env, out, 3)).toBe(3 + expected.length);
    expect(out.subarray(3, 3 + expected.length)).toEqual(expected);
    expect([...out.subarray(0, 3), ...out.subarray(3 + expected.length)].every((b) => b === 0xaa)).toBe(true);
  });

  it("refuses a buffer too small before writing anything", () => {
    const out = new Uint8Array(expected.length + 2).fill(0xaa);
    expect(protocolErrorOf(() => encodeRequestInto(env, out, 3))).toEqual(["ENVIRON_BUFFER_TOO_SMALL", 3]);
    expect(out.every((b) => b === 0xaa)).toBe(true);
  });

  it("writes binary values and names from bytes", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const bin = new Environ([["\u00ff\u0000", all]]);
    expect(encodeRequest(bin)).toEqual(packet(0, varsBlock([[Uint8Array.from([0xff, 0]), all]])));
  });

  it("takes a value as large as fits in the packet, and refuses one byte more", () => {
    const fits = new Environ([["K", new Uint8Array(MAX_DATASIZE - 4 - 1)]]);
    expect(encodeRequest(fits).length).toBe(4 + MAX_DATASIZE);
    const over = new Environ([["KK", new Uint8Array(MAX_DATASIZE - 4 - 1)]]);
    expect(protocolErrorOf(() => encodeRequest(over))).toEqual([UwsgiErrorCode.VarsTooLarge, 4]);
  });

  it("refuses a key or value over 65535 bytes, saying where", () => {
    const big = new Environ([
      ["A", "1"],
      ["V", new Uint8Array(65536)],
    ]);
    expect(protocolErrorOf(() => encodeRequest(big))).toEqual([UwsgiErrorCode.VarTooLong, 4 + 6]);
    const bigKey = new Environ([["K".repeat(65536), ""]]);
    expect(protocolErrorOf(() => encodeRequest(bigKey))).toEqual([UwsgiErrorCode.VarTooLong, 4]);
  });

  it("refuses a CONTENT_LENGTH a peer would misread", () => {
    expect(protocolErrorOf(() => encodeRequest(new Environ([["CONTENT_LENGTH", "12a"]])))).toEqual([
      UwsgiErrorCode.BadContentLength,
      4 + 2 + 14 + 2,
    ]);
    const twice = new Environ([
      ["CONTENT_LENGTH", "1"],
      ["CONTENT_LENGTH", "2"],
    ]);
    expect(protocolErrorOf(() => encodeRequest(twice))?.[0]).toBe(UwsgiErrorCode.ConflictingContentLength);
    expect(encodeRequest(new Environ([["CONTENT_LENGTH", ""]])).length).toBe(4 + 18);
  });

  it("refuses modifiers outside a byte", () => {
    for (const m of [-1, 256, 1.5, Number.NaN]) {
      expect(protocolErrorOf(() => encodeRequest(env, { modifier1: m }))?.[0]).toBe(
        UwsgiErrorCode.BadModifier,
      );
      expect(protocolErrorOf(() => encodeRequest(env, { modifier2: m }))?.[0]).toBe(
        UwsgiErrorCode.BadModifier,
      );
    }
  });
});

describe("encodePacketHeader", () => {
  it("frames a raw payload", () => {
    expect(encodePacketHeader(72, 0x1234, 1)).toEqual(Uint8Array.from([72, 0x34, 0x12, 1]));
    expect(protocolErrorOf(() => encodePacketHeader(0, 65536))?.[0]).toBe(UwsgiErrorCode.VarsTooLarge);
    expect(protocolErrorOf(() => encodePacketHeader(300, 1))?.[0]).toBe(UwsgiErrorCode.BadModifier);
  });
});

describe("encodeRequest of a decoded Environ", () => {
  const pairs: [string, string][] = [
    ["REQUEST_METHOD", "GET"],
    ["CONTENT_LENGTH", "0"],
    ["PATH_INFO", "/a"],
    ["HTTP_X_DUP", "1"],
    ["HTTP_X_DUP", "2"],
  ];
  const wire = request(pairs);
  /** The Environ decoded from `wire` pushed in the given pieces. */
  const decode = (...cuts: number[]): Environ => {
    let env: Environ | undefined;
    const decoder = new RequestDecoder({ onHead: (head) => (env = head.env) });
    let at = 0;
    for (const cut of [...cuts, wire.length]) {
      decoder.push(wire.subarray(at, cut));
      at = cut;
    }
    return env!;
  };

  it("sends a block that came whole in one chunk on as one copy of it, and the same bytes", () => {
    const env = decode();
    expect(sourceByteLength(env, "uwsgi vars")).toBe(wire.length - 4);
    expect(encodeRequest(env)).toEqual(wire);
    const out = new Uint8Array(wire.length + 2);
    expect(encodeRequestInto(env, out, 1)).toBe(wire.length + 1);
    expect(out.subarray(1, -1)).toEqual(wire);
  });

  it("writes a block cut by a chunk entry by entry, to the same bytes", () => {
    for (const cut of [2, 4, 9, 20, wire.length - 1]) {
      const env = decode(cut);
      expect(sourceByteLength(env, "uwsgi vars")).toBe(cut <= 4 ? wire.length - 4 : -1);
      expect(encodeRequest(env)).toEqual(wire);
    }
  });

  it("refuses vars decoded from a payload larger than a packet holds, as it refuses any", () => {
    const big = Uint8Array.from(
      varsBlock([
        ["A", "a".repeat(60000)],
        ["B", "b".repeat(9990)],
      ]),
    );
    const env = decodeVars(big);
    expect(env.size).toBe(2);
    expect(sourceByteLength(env, "uwsgi vars")).toBe(-1);
    expect(protocolErrorOf(() => encodeRequest(env))?.[0]).toBe(UwsgiErrorCode.VarsTooLarge);
    const fits = varsBlock([["A", "a".repeat(100)]]);
    expect(encodeRequest(decodeVars(Uint8Array.from(fits)))).toEqual(packet(0, fits));
  });

  it("writes what the Environ holds once anything has changed", () => {
    const changes: [string, (env: Environ) => unknown, [string, string][]][] = [
      ["set", (env) => env.set("PATH_INFO", "/b"), pairs.map(([k, v]) => [k, k === "PATH_INFO" ? "/b" : v])],
      ["append", (env) => env.append("X", "y"), [...pairs, ["X", "y"]]],
      ["delete", (env) => env.delete("HTTP_X_DUP"), pairs.filter(([k]) => k !== "HTTP_X_DUP")],
      ["detach", (env) => env.detach(), pairs],
    ];
    for (const [what, change, expected] of changes) {
      const env = decode();
      change(env);
      expect(sourceByteLength(env, "uwsgi vars"), what).toBe(-1);
      expect(encodeRequest(env), what).toEqual(request(expected));
    }
  });
});
