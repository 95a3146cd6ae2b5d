// How the heads a decoder hands out look in console.log (util.inspect) and JSON.stringify:
// their fields in order, not the scanner's tables or where the target lies in the buffer.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ascii } from "../../../test/support/chunks.js";
import {
  type HttpRequestHead,
  type HttpResponseHead,
  RequestDecoder,
  ResponseDecoder,
} from "../src/index.js";

function requestHead(wire: string): HttpRequestHead {
  const heads: HttpRequestHead[] = [];
  new RequestDecoder({ onHead: (head) => heads.push(head) }, { maxHeaders: 1000 }).push(ascii(wire));
  return heads[0]!;
}

const head = requestHead("GET /a?b=1 HTTP/1.1\r\nHost: h.test\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n");

describe("an HTTP request head", () => {
  it("prints its fields and its header fields in order, repeats kept", () => {
    expect(inspect(head.headers)).toBe("HeaderFields(3) { Host: 'h.test', 'X-Dup': '1', 'X-Dup': '2' }");
    expect(inspect(head, { breakLength: Number.POSITIVE_INFINITY })).toBe(
      "HttpRequestHead { method: 'GET', target: '/a?b=1', targetForm: 'origin', version: 'HTTP/1.1', " +
        "headers: HeaderFields(3) { Host: 'h.test', 'X-Dup': '1', 'X-Dup': '2' }, body: 'none', " +
        "contentLength: 0, transferCodings: [], keepAlive: true, upgrade: false, expectContinue: false }",
    );
  });

  it("is JSON of the same, the header fields as [name, value] pairs", () => {
    expect(JSON.parse(JSON.stringify(head))).toEqual({
      method: "GET",
      target: "/a?b=1",
      targetForm: "origin",
      version: "HTTP/1.1",
      headers: [
        ["Host", "h.test"],
        ["X-Dup", "1"],
        ["X-Dup", "2"],
      ],
      body: "none",
      contentLength: 0,
      transferCodings: [],
      keepAlive: true,
      upgrade: false,
      expectContinue: false,
    });
  });

  it("of 1000 fields is JSON of those 1000, and prints 100 and counts the rest", () => {
    const many = requestHead(`GET / HTTP/1.1\r\nHost: h\r\n${"A: b\r\n".repeat(999)}\r\n`);
    expect(JSON.parse(JSON.stringify(many.headers))).toEqual([["Host", "h"], ...Array(999).fill(["A", "b"])]);
    expect(inspect(many.headers)).toMatch(/^HeaderFields\(1000\) \{\n {2}Host: 'h',\n {2}A: 'b',\n/);
    expect(inspect(many.headers)).toMatch(/ {2}A: 'b',\n {2}\.\.\. 900 more\n\}$/);
  });
});

describe("an HTTP response head", () => {
  it("(a plain object) prints and is JSON with its header fields as pairs", () => {
    const heads: HttpResponseHead[] = [];
    new ResponseDecoder({ onHead: (h) => heads.push(h) }).push(
      ascii("HTTP/1.1 204 No Content\r\nX: 1\r\n\r\n"),
    );
    const response = heads[0]!;
    expect(inspect(response)).toContain("headers: HeaderFields(1) { X: '1' },");
    expect(JSON.parse(JSON.stringify(response))).toMatchObject({ status: 204, headers: [["X", "1"]] });
  });
});
