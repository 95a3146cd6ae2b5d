import { describe, expect, it } from "vitest";
import { ascii, concat } from "../../../test/support/chunks.js";
import { protocolErrorOf } from "../../../test/support/errors.js";
import {
  encodeChunk,
  encodeLastChunk,
  encodeRequestHead,
  encodeResponseHead,
  HttpErrorCode,
} from "../src/index.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

const codeOf = (f: () => unknown) => protocolErrorOf(f)?.[0];

describe("encoders", () => {
  it("write request and response heads", () => {
    expect(text(encodeRequestHead({ method: "GET", target: "/x?y", headers: [["Host", "h"]] }))).toBe(
      "GET /x?y HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    expect(text(encodeResponseHead({ status: 404 }))).toBe("HTTP/1.1 404 Not Found\r\n\r\n");
    expect(text(encodeResponseHead({ status: 299, version: "HTTP/1.0", headers: [["A", "b"]] }))).toBe(
      "HTTP/1.0 299 \r\nA: b\r\n\r\n",
    );
  });

  it("frame chunks without copying the payload", () => {
    const payload = ascii("hello world, this is a chunk");
    const parts = encodeChunk(payload);
    expect(parts[1]).toBe(payload);
    expect(text(concat([...parts, encodeLastChunk([["Checksum", "x"]])]))).toBe(
      "1c\r\nhello world, this is a chunk\r\n0\r\nChecksum: x\r\n\r\n",
    );
    expect(encodeChunk(new Uint8Array(0))).toEqual([]);
  });

  it("refuse what a peer would split or misread", () => {
    expect(codeOf(() => encodeRequestHead({ method: "GET /x", target: "/" }))).toBe(HttpErrorCode.BadField);
    expect(codeOf(() => encodeRequestHead({ method: "GET", target: "/a b" }))).toBe(HttpErrorCode.BadField);
    expect(codeOf(() => encodeRequestHead({ method: "GET", target: "" }))).toBe(HttpErrorCode.BadField);
    expect(
      codeOf(() => encodeRequestHead({ method: "GET", target: "/", headers: [["X", "a\r\nInjected: 1"]] })),
    ).toBe(HttpErrorCode.BadField);
    expect(
      codeOf(() => encodeRequestHead({ method: "GET", target: "/", headers: [["Bad Name", "v"]] })),
    ).toBe(HttpErrorCode.BadField);
    expect(codeOf(() => encodeResponseHead({ status: 1000 }))).toBe(HttpErrorCode.BadField);
    expect(codeOf(() => encodeResponseHead({ status: 200, reason: "O\nK" }))).toBe(HttpErrorCode.BadField);
    expect(codeOf(() => encodeLastChunk([["X", "\u0000"]]))).toBe(HttpErrorCode.BadField);
  });
});
