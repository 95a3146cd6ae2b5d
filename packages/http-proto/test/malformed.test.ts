// Request smuggling and malformed input: each case must fail with its code, at the same
// offset however the bytes are split, and never be read some other way.
import { ProtocolError } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit } from "../../../test/support/chunks.js";
import {
  HttpErrorCode as E,
  type HttpDecoderOptions,
  type HttpRequestHead,
  ResponseDecoder,
} from "../src/index.js";
import { decodeRequests, decodeResponses, errorOf } from "./recorder.js";

/** A head from "\n"-separated lines (an HTTP/1.1 request gets the Host it must have, unless it has one), then a body. */
const h = (head: string, body = "") => {
  const lines = head.split("\n");
  if (/ HTTP\/1\.1$/.test(lines[0]!) && !lines.some((l) => /^host:/i.test(l))) lines.splice(1, 0, "Host: h");
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
};
const chunked = (body: string) => h("POST / HTTP/1.1\nTransfer-Encoding: chunked", body);

const requests: [name: string, raw: string, code: string, options?: HttpDecoderOptions][] = [
  [
    "Content-Length and Transfer-Encoding",
    h("POST / HTTP/1.1\nContent-Length: 5\nTransfer-Encoding: chunked"),
    E.ConflictingFraming,
  ],
  [
    "Transfer-Encoding then Content-Length",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked\nContent-Length: 5"),
    E.ConflictingFraming,
  ],
  [
    "two Content-Lengths that disagree",
    h("POST / HTTP/1.1\nContent-Length: 5\nContent-Length: 6"),
    E.BadContentLength,
  ],
  ["a Content-Length list that disagrees", h("POST / HTTP/1.1\nContent-Length: 1, 2"), E.BadContentLength],
  ["Content-Length with a sign", h("POST / HTTP/1.1\nContent-Length: +5"), E.BadContentLength],
  ["negative Content-Length", h("POST / HTTP/1.1\nContent-Length: -1"), E.BadContentLength],
  ["Content-Length with inner space", h("POST / HTTP/1.1\nContent-Length: 5 5"), E.BadContentLength],
  ["hex Content-Length", h("POST / HTTP/1.1\nContent-Length: 0x10"), E.BadContentLength],
  ["empty Content-Length", h("POST / HTTP/1.1\nContent-Length:"), E.BadContentLength],
  ["Content-Length past 2^53", h("POST / HTTP/1.1\nContent-Length: 99999999999999999"), E.BadContentLength],
  ["chunked not last", h("POST / HTTP/1.1\nTransfer-Encoding: chunked, gzip"), E.BadTransferEncoding],
  ["no chunked in a request", h("POST / HTTP/1.1\nTransfer-Encoding: gzip"), E.BadTransferEncoding],
  [
    "chunked twice",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked\nTransfer-Encoding: chunked"),
    E.BadTransferEncoding,
  ],
  ["Transfer-Encoding in HTTP/1.0", h("POST / HTTP/1.0\nTransfer-Encoding: chunked"), E.BadTransferEncoding],
  [
    "a coding that only looks like chunked",
    h("POST / HTTP/1.1\nTransfer-Encoding: xchunked"),
    E.BadTransferEncoding,
  ],
  ["chunked with parameters", h("POST / HTTP/1.1\nTransfer-Encoding: chunked;q=1"), E.BadTransferEncoding],
  [
    "a coding that is not a token",
    h("POST / HTTP/1.1\nTransfer-Encoding: gz@ip, chunked"),
    E.BadTransferEncoding,
  ],
  [
    "a vertical tab in Transfer-Encoding",
    h("POST / HTTP/1.1\nTransfer-Encoding: \u000bchunked"),
    E.BadHeaderValue,
  ],
  ["space before the colon", h("POST / HTTP/1.1\nTransfer-Encoding : chunked"), E.BadHeaderName],
  ["tab before the colon", h("POST / HTTP/1.1\nTransfer-Encoding\t: chunked"), E.BadHeaderName],
  ["obs-fold", h("POST / HTTP/1.1\nTransfer-Encoding: gzip\n chunked"), E.ObsFold],
  ["bare LF after a field", "GET / HTTP/1.1\r\nHost: h\n\r\n", E.BareLf],
  ["bare LF after the request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", E.BareLf],
  ["bare CR in a value", h("GET / HTTP/1.1\nX: a\rb"), E.BareCr],
  ["bare CR in the request line", h("GET /\r HTTP/1.1"), E.BareCr],
  ["NUL in a value", h("GET / HTTP/1.1\nX: a\u0000b"), E.BadHeaderValue],
  ["NUL in a name", h("GET / HTTP/1.1\nX\u0000Y: a"), E.BadHeaderName],
  ["a field line with no colon", h("GET / HTTP/1.1\nNoColon"), E.BadHeaderName],
  ["an empty field name", h("GET / HTTP/1.1\n: value"), E.BadHeaderName],
  ["a chunk size that is not hex", h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "g\r\n"), E.BadChunk],
  [
    "a chunk size past 2^52",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "fffffffffffffff\r\n"),
    E.ChunkSizeOverflow,
  ],
  [
    "space before a chunk size",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", " 5\r\nhello\r\n0\r\n\r\n"),
    E.BadChunk,
  ],
  [
    "whitespace alone after a chunk size",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "5 \r\nhello\r\n0\r\n\r\n"),
    E.BadChunk,
  ],
  ["a negative chunk size", h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "-5\r\n"), E.BadChunk],
  [
    "chunk data longer than its size",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "5\r\nhelloX\r\n0\r\n\r\n"),
    E.BadChunk,
  ],
  [
    "a bare LF after a chunk size",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "5\nhello\r\n0\r\n\r\n"),
    E.BareLf,
  ],
  [
    "a CR without LF after a chunk size",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "5\rhello\r\n0\r\n\r\n"),
    E.BareCr,
  ],
  [
    "a control byte in a chunk extension",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "5;a\u0001\r\nhello\r\n0\r\n\r\n"),
    E.BadChunk,
  ],
  [
    "a chunk extension too long",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", `5;${"a".repeat(40)}\r\nhello\r\n0\r\n\r\n`),
    E.ChunkExtensionTooLong,
    { maxChunkExtensionLength: 32 },
  ],
  [
    "obs-fold in trailers",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "0\r\nX: a\r\n b\r\n\r\n"),
    E.ObsFold,
  ],
  [
    "trailers too large",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", `0\r\nX: ${"a".repeat(64)}\r\n\r\n`),
    E.TrailersTooLarge,
    { maxTrailerSize: 32 },
  ],
  ["a method with a separator", h("GE(T / HTTP/1.1"), E.BadMethod],
  ["a lower-case version", h("GET / http/1.1"), E.BadStartLine],
  ["HTTP/2.0 over HTTP/1", h("GET / HTTP/2.0"), E.BadVersion],
  ["HTTP/1.2", h("GET / HTTP/1.2"), E.BadVersion],
  ["two spaces after the method", h("GET  / HTTP/1.1"), E.BadStartLine],
  ["a request line with no version", h("GET /"), E.BadStartLine],
  ["a non-ASCII byte in the target", h("GET /caf\u00e9 HTTP/1.1"), E.BadTarget],
  ["DEL in the target", h("GET /a\u007f HTTP/1.1"), E.BadTarget],
  [
    "DEL in the target, raw bytes allowed",
    h("GET /a\u007f HTTP/1.1"),
    E.BadTarget,
    { allowRawTargetBytes: true },
  ],
  [
    "a control byte in the target, raw bytes allowed",
    h("GET /a\u0001 HTTP/1.1"),
    E.BadTarget,
    { allowRawTargetBytes: true },
  ],
  [
    "a raw byte in an absolute-form authority",
    h("GET http://h\u00e9.test/ HTTP/1.1"),
    E.BadTarget,
    { allowRawTargetBytes: true },
  ],
  ["CONNECT to a path", h("CONNECT /x HTTP/1.1"), E.BadTarget],
  // The authority a proxy routes by, RFC 3986 §3.2 (found by the differential fuzz target).
  ["CONNECT without a port", h("CONNECT h.test HTTP/1.1"), E.BadTarget],
  ["CONNECT with an empty port", h("CONNECT h.test: HTTP/1.1"), E.BadTarget],
  ["CONNECT with a port that is not digits", h("CONNECT h.test:4%2F43 HTTP/1.1"), E.BadTarget],
  ["CONNECT with userinfo", h("CONNECT u@h.test:443 HTTP/1.1"), E.BadTarget],
  ["CONNECT to a host with a stray byte", h('CONNECT "h.test:443 HTTP/1.1'), E.BadTarget],
  ["an absolute-form port that is not digits", h("GET http://h.test:+1/p HTTP/1.1"), E.BadTarget],
  ["an absolute-form host with a stray byte", h("GET http://h|x.test/p HTTP/1.1"), E.BadTarget],
  ["an absolute-form target with no host", h("GET http://u@/p HTTP/1.1"), E.BadTarget],
  ["a fragment right after an absolute-form authority", h("GET http://h.test#f HTTP/1.1"), E.BadTarget],
  ["an absolute-form IP literal never closed", h("GET http://[::1/p HTTP/1.1"), E.BadTarget],
  ["an absolute-form host with a bad escape", h("GET http://%4/p HTTP/1.1"), E.BadTarget],
  ["* for anything but OPTIONS", h("GET * HTTP/1.1"), E.BadTarget],
  ["a target that is no form at all", h("GET x/y HTTP/1.1"), E.BadTarget],
  ["too many fields", h("GET / HTTP/1.1\nA: 1\nB: 2\nC: 3"), E.TooManyHeaders, { maxHeaders: 2 }],
  ["two Host fields", h("GET / HTTP/1.1\nHost: a.test\nX: 1\nhost: b.test"), E.DuplicateHost],
  ["two Host fields that agree", h("GET / HTTP/1.1\nHost: a.test\nHost: a.test"), E.DuplicateHost],
  // Host is uri-host [":" port] (RFC 9110 §7.2): nothing an application could read as a path or userinfo.
  ["a Host with a slash", h("GET / HTTP/1.1\nHost: a/../b"), E.BadHost],
  ["a Host with userinfo", h("GET / HTTP/1.1\nHost: x@evil.test"), E.BadHost],
  ["a Host with a space", h("GET / HTTP/1.1\nHost: a b"), E.BadHost],
  ["a Host with a backslash", h("GET / HTTP/1.0\nHost: a\\b"), E.BadHost],
  ["a Host whose port is not digits", h("GET / HTTP/1.1\nHost: a.test:8o"), E.BadHost],
  ["a Host with an open IP literal", h("GET / HTTP/1.1\nHost: [::1"), E.BadHost],
  ["a head too large", h(`GET / HTTP/1.1\nX: ${"v".repeat(100)}`), E.HeadTooLarge, { maxHeadSize: 64 }],
  [
    // (Found by the fuzzer: whole, this was a bare CR; gathered up to the limit, the limit.)
    "a CR as the last byte a head may hold, then no LF",
    `GET / HTTP/1.1\r\nX: ${"v".repeat(44)}\rZ\r\n\r\n`,
    E.HeadTooLarge,
    { maxHeadSize: 64 },
  ],
  [
    "a request line too long",
    h(`GET /${"p".repeat(100)} HTTP/1.1`),
    E.StartLineTooLong,
    { maxStartLineLength: 50 },
  ],
  [
    "a body over the limit",
    h("POST / HTTP/1.1\nContent-Length: 100", "x".repeat(100)),
    E.BodyTooLarge,
    { maxBodySize: 10 },
  ],
  [
    "chunks over the body limit",
    h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "8\r\n12345678\r\n8\r\n"),
    E.BodyTooLarge,
    { maxBodySize: 10 },
  ],
  ["a body cut short", h("POST / HTTP/1.1\nContent-Length: 10", "12345"), E.Truncated],
  ["a chunked body cut short", h("POST / HTTP/1.1\nTransfer-Encoding: chunked", "5\r\nhel"), E.Truncated],
  ["a head cut short", "GET / HTTP/1.1\r\nHost: h\r\n", E.Truncated],
  // (Found by the differential fuzz target: JavaScript's trim() strips U+00A0, an obs-text byte, too.)
  [
    "a Content-Length after a no-break space",
    h("POST / HTTP/1.1\nContent-Length: \u00a05", "x".repeat(5)),
    E.BadContentLength,
  ],
  [
    "a Content-Length list with a no-break space",
    h("POST / HTTP/1.1\nContent-Length: 5,\u00a05", "x".repeat(5)),
    E.BadContentLength,
  ],
  [
    "chunked after a no-break space",
    h("POST / HTTP/1.1\nTransfer-Encoding: \u00a0chunked", "0\r\n\r\n"),
    E.BadTransferEncoding,
  ],
  [
    "chunked before a NEL",
    h("POST / HTTP/1.1\nTransfer-Encoding: gzip, chunked\u0085", "0\r\n\r\n"),
    E.BadTransferEncoding,
  ],
  // (Found by the differential fuzz target: empty elements were dropped as in a list field.)
  [
    "an empty Content-Length beside another",
    h("POST / HTTP/1.1\nContent-Length:\nContent-Length: 2", "hi"),
    E.BadContentLength,
  ],
  [
    "a Content-Length list with an empty element",
    h("POST / HTTP/1.1\nContent-Length: 2,,2", "hi"),
    E.BadContentLength,
  ],
  [
    "a Content-Length list ending in a comma",
    h("POST / HTTP/1.1\nContent-Length: 2,", "hi"),
    E.BadContentLength,
  ],
  // Chunk extensions off the grammar of RFC 9112 §7.1.1.
  ["a chunk extension with no name", chunked("2;\r\nhi\r\n0\r\n\r\n"), E.BadChunk],
  ["a chunk extension with only a value", chunked("2;=v\r\nhi\r\n0\r\n\r\n"), E.BadChunk],
  ["a chunk extension with an empty value", chunked("2;a=\r\nhi\r\n0\r\n\r\n"), E.BadChunk],
  ["a quoted extension value never closed", chunked('5;a="abc\r\nhello\r\n0\r\n\r\n'), E.BadChunk],
  ["a chunk extension value that is no token", chunked("2;a=b@c\r\nhi\r\n0\r\n\r\n"), E.BadChunk],
  ["two words as a chunk extension value", chunked("2;a=b c\r\nhi\r\n0\r\n\r\n"), E.BadChunk],
  ["two words as a chunk extension name", chunked("2;a b\r\nhi\r\n0\r\n\r\n"), E.BadChunk],
  ["whitespace at the end of a chunk line", chunked("2;a \r\nhi\r\n0\r\n\r\n"), E.BadChunk],
  ["a chunk extension after a quoted value with no ;", chunked('2;a="b"c\r\nhi\r\n0\r\n\r\n'), E.BadChunk],
  ["an escaped control byte in a quoted value", chunked('2;a="\\\u0001"\r\nhi\r\n0\r\n\r\n'), E.BadChunk],
  ["an empty chunk extension on the last chunk", chunked("2\r\nhi\r\n0;\r\n\r\n"), E.BadChunk],
  // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host.
  ["an HTTP/1.1 request without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", E.MissingHost],
  ["an absolute-form HTTP/1.1 request without Host", "GET http://a.test/ HTTP/1.1\r\n\r\n", E.MissingHost],
  ["a second request without Host", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\n\r\n", E.MissingHost],
];

describe("malformed requests", () => {
  it("has at least 40 cases", () => expect(requests.length).toBeGreaterThanOrEqual(40));

  for (const [name, raw, code, options] of requests) {
    it(`${name}: ${code}`, () => {
      const bytes = ascii(raw);
      const seen = new Set<string>();
      for (const [, chunks] of everySplit(bytes)) {
        const err = errorOf(() => decodeRequests(detached(chunks), options));
        expect(err).toBeInstanceOf(ProtocolError);
        seen.add(`${(err as ProtocolError).code}@${(err as ProtocolError).offset}`);
      }
      expect([...seen]).toHaveLength(1);
      expect([...seen][0]!.split("@")[0]).toBe(code);
    });
  }

  it("accepts what is ambiguous-looking but well-defined", () => {
    const ok = (raw: string) => errorOf(() => decodeRequests([ascii(raw)]));
    expect(ok(h("POST / HTTP/1.1\nContent-Length: 3\nContent-Length: 3", "abc"))).toBeUndefined();
    expect(ok(h("POST / HTTP/1.1\nContent-Length: 3, 3", "abc"))).toBeUndefined();
    expect(ok(h("POST / HTTP/1.1\nTransfer-Encoding: gzip, chunked", "0\r\n\r\n"))).toBeUndefined();
    expect(ok(h("POST / HTTP/1.1\nTransfer-Encoding: CHUNKED", "0\r\n\r\n"))).toBeUndefined();
    expect(ok(h("GET / HTTP/1.1\nX: \u00e9 obs-text"))).toBeUndefined();
  });

  it("takes chunk extensions as the grammar has them, and skips them", () => {
    const body = (raw: string) => {
      const { events } = decodeRequests([ascii(chunked(raw))]);
      return new TextDecoder().decode(concat(events.flatMap((e) => (e.type === "body" ? [e.bytes] : []))));
    };
    expect(body("2;a\r\nhi\r\n0\r\n\r\n")).toBe("hi");
    expect(body('2 ; a = b ;c;d="q \\" ;"\t;e\r\nhi\r\n0;f=1\r\n\r\n')).toBe("hi");
    expect(body('2;a="\u00e9\\\u00e9"\r\nhi\r\n0\r\n\r\n')).toBe("hi");
    expect(body("2;name=val;n2=v2\r\nhi\r\n0\r\n\r\n")).toBe("hi");
  });

  it("takes authorities as RFC 3986 has them", () => {
    for (const target of [
      "CONNECT [::1]:443",
      "CONNECT h.test:443",
      "GET http://u:p%41@h.test:81/p?q",
      "GET http://[v1.x]/",
    ]) {
      expect(decodeRequests([ascii(h(`${target} HTTP/1.1`))]).heads, target).toHaveLength(1);
    }
  });

  it("ends cleanly after a stray empty line, and not inside a start line", () => {
    for (const raw of ["\r\n", "GET / HTTP/1.1\r\nHost: h\r\n\r\n\r\n", "\r"])
      expect(decodeRequests([ascii(raw)]).heads.length, JSON.stringify(raw)).toBeLessThanOrEqual(1);
    expect(errorOf(() => decodeRequests([ascii("\r\nG")]))).toMatchObject({ code: E.Truncated });
  });

  it("takes an HTTP/1.1 request without Host when told to, and HTTP/1.0 ones always", () => {
    const { heads } = decodeRequests([ascii("GET / HTTP/1.1\r\n\r\n")], { allowMissingHost: true });
    expect(heads).toHaveLength(1);
    expect(decodeRequests([ascii("GET / HTTP/1.0\r\n\r\n")]).heads).toHaveLength(1);
  });

  it("reports a missing Host at the empty line that ends the head", () => {
    const raw = "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n";
    expect(errorOf(() => decodeRequests([ascii(raw)]))).toMatchObject({
      code: E.MissingHost,
      offset: raw.length - 2,
    });
  });

  it("takes raw bytes 0x80-0xFF in a target only when told to, as nginx passes them on", () => {
    // "/é" in UTF-8, as a client sent it and nginx's proxy_pass forwards it.
    const raw = concat([
      ascii("GET /caf"),
      Uint8Array.of(0xc3, 0xa9),
      ascii("?q=\u00ff HTTP/1.1\r\nHost: h\r\n\r\n"),
    ]);
    for (const [how, chunks] of everySplit(raw)) {
      const { heads } = decodeRequests(detached(chunks), { allowRawTargetBytes: true });
      expect(
        heads.map((head) => (head as HttpRequestHead).target),
        how,
      ).toEqual(["/caf\u00c3\u00a9?q=\u00ff"]);
    }
    expect(errorOf(() => decodeRequests([raw]))).toMatchObject({ code: E.BadTarget, offset: 8 });
  });

  it("takes bare LF only when told to", () => {
    const raw = ascii("GET / HTTP/1.1\nHost: h\n\n");
    expect(decodeRequests([raw], { allowBareLf: true }).heads).toHaveLength(1);
  });
});

describe("malformed responses", () => {
  const cases: [string, string, string][] = [
    ["a status of two digits", "HTTP/1.1 20 OK\r\n\r\n", E.BadStatus],
    ["a status with letters", "HTTP/1.1 2x0 OK\r\n\r\n", E.BadStatus],
    ["a status below 100", "HTTP/1.1 099 Low\r\n\r\n", E.BadStatus],
    ["no space after the status", "HTTP/1.1 200OK\r\n\r\n", E.BadStatus],
    ["HTTP/0.9", "HTTP/0.9 200 OK\r\n\r\n", E.BadVersion],
    [
      "Content-Length and Transfer-Encoding",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      E.ConflictingFraming,
    ],
    ["a control byte in the reason", "HTTP/1.1 200 O\u0001K\r\n\r\n", E.BadStartLine],
  ];
  for (const [name, raw, code] of cases) {
    it(`${name}: ${code}`, () => {
      expect(errorOf(() => decodeResponses([ascii(raw)]))).toMatchObject({ code });
    });
  }

  it("reports a body read until close at its first byte past maxBodySize, however it is cut", () => {
    // (Found by the fuzzer: the offset was where the chunk holding that byte ended.)
    const head = "HTTP/1.1 200 OK\r\n\r\n";
    const bytes = ascii(head + "x".repeat(20));
    const seen = new Set<string>();
    for (const [, chunks] of everySplit(bytes)) {
      const err = errorOf(() => decodeResponses(detached(chunks), [], { maxBodySize: 10 }));
      expect(err).toBeInstanceOf(ProtocolError);
      seen.add(`${(err as ProtocolError).code}@${(err as ProtocolError).offset}`);
    }
    expect([...seen]).toEqual([`${E.BodyTooLarge}@${head.length + 10}`]);
  });
});

describe("messages that say what is wrong", () => {
  it("a space inside a field name is not called whitespace before its colon", () => {
    const e = errorOf(() => decodeRequests([ascii("GET / HTTP/1.1\r\nHost: h\r\nBad Header: y\r\n\r\n")]));
    expect(e).toMatchObject({ code: E.BadHeaderName, offset: 28 });
    expect((e as Error).message).toMatch(/inside a name or before its colon/);
  });
});

describe("a stray body where a response should start", () => {
  it("fails as its first bytes arrive, with the code and offset the whole line gives", () => {
    // After a response to HEAD that came with a body anyway (uWSGI sends one): the next
    // response's start is that body.
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n";
    const stray = '{"environ": {}}\n';
    const decoder = new ResponseDecoder({ onHead() {} });
    decoder.expectResponseTo("HEAD");
    expect(errorOf(() => decoder.push(ascii(head + stray.slice(0, 2))))).toMatchObject({
      code: E.BadStartLine,
      offset: head.length,
    });
    for (const [how, chunks] of everySplit(ascii(head + stray))) {
      const d = new ResponseDecoder({ onHead() {} });
      d.expectResponseTo("HEAD");
      const e = errorOf(() => {
        for (const chunk of detached(chunks)) d.push(chunk);
      });
      expect(e, how).toMatchObject({ code: E.BadStartLine, offset: head.length });
    }
  });
});
