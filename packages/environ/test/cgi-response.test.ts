import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { ascii, concat, cutsFor, detached, everySplit, splitAt } from "../../../test/support/chunks.js";
import {
  CgiErrorCode,
  CgiResponseDecoder,
  type CgiResponseDecoderOptions,
  type CgiResponseHead,
  encodeCgiResponseHead,
  ProtocolError,
} from "../src/index.js";

function decode(chunks: readonly Uint8Array[], options?: CgiResponseDecoderOptions) {
  let head: CgiResponseHead | undefined;
  const body: Uint8Array[] = [];
  let ended = false;
  const d = new CgiResponseDecoder(
    { onHead: (h) => (head = h), onBody: (b) => body.push(b), onEnd: () => (ended = true) },
    options,
  );
  for (const c of chunks) d.push(c);
  d.end();
  return { head, body: concat(body), ended, bodyChunks: body };
}

function failure(bytes: Uint8Array, options?: CgiResponseDecoderOptions): [string, number][] {
  const seen = new Set<string>();
  for (const [, chunks] of everySplit(bytes)) {
    try {
      decode(detached(chunks), options);
      seen.add("ok");
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      seen.add(JSON.stringify([(e as ProtocolError).code, (e as ProtocolError).offset]));
    }
  }
  return [...seen].map((s) => (s === "ok" ? ["ok", -1] : JSON.parse(s)));
}

describe("CgiResponseDecoder", () => {
  const php = ascii(
    "Status: 404 Not Found\r\nX-Powered-By: PHP/8.2.7\r\nContent-type: text/html; charset=UTF-8\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n<h1>404</h1>",
  );

  it("decodes php-fpm's 404 at every split", () => {
    for (const [how, chunks] of everySplit(php)) {
      const { head, body, ended } = decode(detached(chunks));
      expect(head, how).toEqual({
        status: 404,
        reason: "Not Found",
        headers: [
          ["X-Powered-By", "PHP/8.2.7"],
          ["Content-type", "text/html; charset=UTF-8"],
          ["Set-Cookie", "a=1"],
          ["Set-Cookie", "b=2"],
        ],
        location: undefined,
        redirect: undefined,
      });
      expect(body, how).toEqual(ascii("<h1>404</h1>"));
      expect(ended).toBe(true);
    }
  });

  it("defaults to 200 and accepts LF line ends", () => {
    const { head, body } = decode([ascii("Content-Type: text/plain\n\nhi\n")]);
    expect([head?.status, head?.reason, body]).toEqual([200, "", ascii("hi\n")]);
  });

  it("makes a redirect 302, a local one too (as nginx answers it), and lets Status win", () => {
    expect(decode([ascii("Location: https://example.com/x\r\n\r\n")]).head).toMatchObject({
      status: 302,
      location: "https://example.com/x",
      redirect: "client",
    });
    expect(decode([ascii("Location: /other?q=1\r\n\r\n")]).head).toMatchObject({
      status: 302,
      redirect: "local",
    });
    expect(decode([ascii("Status: 200\r\nLocation: /other\r\n\r\n")]).head).toMatchObject({
      status: 200,
      redirect: "local",
    });
    expect(decode([ascii("Status: 301 Moved\r\nLocation: https://e.x/\r\n\r\n")]).head).toMatchObject({
      status: 301,
      reason: "Moved",
    });
  });

  it("takes a Status without a reason, and trims optional whitespace", () => {
    expect(decode([ascii("status:204\r\nX:\t a b \t\r\n\r\n")]).head).toMatchObject({
      status: 204,
      reason: "",
      headers: [["X", "a b"]],
    });
  });

  it("hands the body on as views into the pushed chunk", () => {
    const { bodyChunks } = decode([php]);
    expect(bodyChunks[0]!.buffer).toBe(php.buffer);
  });

  it("rejects malformed heads with a code and offset", () => {
    expect(failure(ascii("Content-Type: a\r\nBad Header: x\r\n\r\n"))).toEqual([
      [CgiErrorCode.BadHeader, 20],
    ]);
    expect(failure(ascii("X : y\r\n\r\n"))).toEqual([[CgiErrorCode.BadHeader, 1]]);
    expect(failure(ascii("X: a\rb\r\n\r\n"))).toEqual([[CgiErrorCode.BadHeader, 4]]);
    expect(failure(ascii("X: a\u0000\r\n\r\n"))).toEqual([[CgiErrorCode.BadHeader, 4]]);
    expect(failure(ascii("X: a\r\n folded\r\n\r\n"))).toEqual([[CgiErrorCode.BadHeader, 6]]);
    expect(failure(ascii(": v\r\n\r\n"))).toEqual([[CgiErrorCode.BadHeader, 0]]);
    expect(failure(ascii("\r\nbody"))).toEqual([[CgiErrorCode.EmptyHead, 0]]);
    expect(failure(ascii("Status: 20\r\n\r\n"))).toEqual([[CgiErrorCode.BadStatus, 0]]);
    expect(failure(ascii("Status: 200 OK\r\nStatus: 404 No\r\n\r\n"))).toEqual([
      [CgiErrorCode.BadStatus, 16],
    ]);
    expect(failure(ascii("Content-Type: text/plain\r\n"))).toEqual([[CgiErrorCode.TruncatedHead, 26]]);
  });

  it("limits the head's size and field count", () => {
    const big = ascii(`X: ${"v".repeat(100)}\r\n\r\n`);
    expect(failure(big, { maxHeadSize: 50 })).toEqual([[CgiErrorCode.HeadTooLarge, 50]]);
    expect(failure(big, { maxHeadSize: big.length })).toEqual([["ok", -1]]);
    const many = ascii("A: 1\r\nB: 2\r\nC: 3\r\n\r\n");
    expect(failure(many, { maxHeaders: 2 })).toEqual([[CgiErrorCode.HeadTooLarge, 12]]);
  });

  it("stays failed, and refuses use after end()", () => {
    const d = new CgiResponseDecoder({ onHead() {} });
    expect(() => d.push(ascii("bad line\n"))).toThrow(ProtocolError);
    expect(() => d.push(ascii("X: y\n\n"))).toThrow(/CGI_BAD_HEADER/);
    const e = new CgiResponseDecoder({ onHead() {} });
    e.push(ascii("X: y\n\n"));
    e.end();
    expect(() => e.end()).toThrow(/CGI_ENDED/);
  });
});

describe("encodeCgiResponseHead", () => {
  it("writes Status, the fields and the blank line", () => {
    const bytes = encodeCgiResponseHead({
      status: 404,
      reason: "Not Found",
      headers: [["Content-Type", "text/html"]],
    });
    expect(bytes).toEqual(ascii("Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n"));
    expect(encodeCgiResponseHead({ headers: [["Location", "/x"]] })).toEqual(ascii("Location: /x\r\n\r\n"));
  });

  it("refuses what a peer would misread", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ProtocolError).code;
      }
    };
    expect(code(() => encodeCgiResponseHead({ headers: [["X", "a\r\nInjected: 1"]] }))).toBe(
      CgiErrorCode.BadHeader,
    );
    expect(code(() => encodeCgiResponseHead({ headers: [["Bad Name", "v"]] }))).toBe(CgiErrorCode.BadHeader);
    expect(code(() => encodeCgiResponseHead({ status: 99 }))).toBe(CgiErrorCode.BadStatus);
    expect(code(() => encodeCgiResponseHead({ status: 200, reason: "O\nK" }))).toBe(CgiErrorCode.BadStatus);
  });
});

const tchar = fc.constantFrom(..."abcXYZ019!#$%&'*+-.^_`|~");
const vchar = fc
  .integer({ min: 0x21, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c));
const fieldValue = fc.oneof(
  fc.constant(""),
  fc
    .tuple(vchar, fc.string({ unit: fc.oneof(vchar, fc.constant(" ")), maxLength: 30 }), vchar)
    .map(([a, m, b]) => a + m + b),
);
const fieldName = fc
  .string({ unit: tchar, minLength: 1, maxLength: 12 })
  .filter((n) => !/^(status|location)$/i.test(n));
test.prop([
  fc.option(fc.tuple(fc.integer({ min: 100, max: 999 }), fc.string({ unit: vchar, maxLength: 10 }))),
  fc.array(fc.tuple(fieldName, fieldValue), { minLength: 1, maxLength: 10 }),
  fc.uint8Array({ maxLength: 50 }),
  fc.nat(),
])("decode(encode(head)) == head, under any split", (status, headers, body, seed) => {
  const head = encodeCgiResponseHead(
    status ? { status: status[0], reason: status[1], headers } : { headers },
  );
  const bytes = concat([head, body]);
  const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
  const got = decode(splitAt(bytes, cuts));
  expect(got.head?.headers).toEqual(headers);
  expect(got.head?.status).toBe(status ? status[0] : 200);
  expect(got.head?.reason).toBe(status ? status[1] : "");
  expect(got.body).toEqual(body);
});

test.prop([fc.uint8Array({ maxLength: 200 }), fc.nat(200)])(
  "only ever throws ProtocolError",
  (bytes, cut) => {
    try {
      decode(splitAt(bytes, [cut]), { maxHeadSize: 100 });
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
    }
  },
);
