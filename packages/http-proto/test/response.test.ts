import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit } from "../../../test/support/chunks.js";
import { decodeResponses, errorOf } from "./recorder.js";

const types = (r: { events: { type: string }[] }) => r.events.map((e) => e.type);

describe("ResponseDecoder", () => {
  it("reads a Content-Length response at every split", () => {
    const bytes = ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
    for (const [how, chunks] of everySplit(bytes)) {
      const r = decodeResponses(detached(chunks));
      expect(r.events[0], how).toMatchObject({
        type: "head",
        head: { status: 200, reason: "OK", body: "length", keepAlive: true },
      });
      expect(r.events.slice(1), how).toEqual([{ type: "body", bytes: ascii("hello") }, { type: "end" }]);
    }
  });

  it("reads a body until the connection closes when nothing frames it", () => {
    const bytes = ascii("HTTP/1.1 200 OK\r\n\r\nall of it");
    for (const [how, chunks] of everySplit(bytes)) {
      const r = decodeResponses(detached(chunks));
      expect(r.events.slice(1), how).toEqual([{ type: "body", bytes: ascii("all of it") }, { type: "end" }]);
      expect(r.heads[0]!.keepAlive).toBe(false);
    }
  });

  it("knows which responses have no body: HEAD, 1xx, 204, 304", () => {
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    expect(types(decodeResponses([ascii(head)], ["HEAD"]))).toEqual(["head", "end"]);
    const pipelined = concat([
      ascii(head),
      ascii("HTTP/1.1 204 No Content\r\n\r\n"),
      ascii("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"),
    ]);
    expect(types(decodeResponses([pipelined], ["HEAD", "GET", "GET"]))).toEqual([
      "head",
      "end",
      "head",
      "end",
      "head",
      "end",
    ]);
  });

  it("reads interim 1xx responses before the final one, for the same request", () => {
    const bytes = ascii(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    );
    const r = decodeResponses([bytes], ["POST", "GET"]);
    expect(r.heads.map((h) => (h as { status: number }).status)).toEqual([100, 103, 200]);
    expect(types(r)).toEqual(["head", "end", "head", "end", "head", "body", "end"]);
  });

  it("opens a tunnel after 101 and after a 2xx to CONNECT", () => {
    const up = ascii(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00",
    );
    for (const [how, chunks] of everySplit(up)) {
      expect(decodeResponses(detached(chunks)).events.slice(1), how).toEqual([
        { type: "end" },
        { type: "tunnel", bytes: ascii("\x81\x00") },
      ]);
    }
    const connect = decodeResponses([ascii("HTTP/1.1 200 Connection Established\r\n\r\nTLS")], ["CONNECT"]);
    expect(connect.events.slice(1)).toEqual([{ type: "end" }, { type: "tunnel", bytes: ascii("TLS") }]);
  });

  it("reads chunked responses and a response whose last coding is not chunked until close", () => {
    const chunked = ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    expect(decodeResponses([chunked]).events.slice(1)).toEqual([
      { type: "body", bytes: ascii("abc") },
      { type: "end" },
    ]);
    const gzip = decodeResponses([ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz")]);
    expect(gzip.heads[0]).toMatchObject({ body: "close", transferCodings: ["gzip"], keepAlive: false });
  });

  it("reads a response whose Transfer-Encoding does not end in chunked until close, at every split", () => {
    // RFC 9112 §6.3 (4): not an error in a response (a request keeps it).
    for (const te of ["chunked, deflate", "chunked\r\nTransfer-Encoding: identity", "gzip, chunked, br"]) {
      const bytes = ascii(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
      for (const [how, chunks] of everySplit(bytes)) {
        const r = decodeResponses(detached(chunks));
        expect(r.heads[0], how).toMatchObject({ body: "close", keepAlive: false });
        expect(r.events.slice(1), how).toEqual([
          { type: "body", bytes: ascii("5\r\nhello\r\n0\r\n\r\n") },
          { type: "end" },
        ]);
      }
    }
    const codings = decodeResponses([
      ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, deflate\r\n\r\n"),
    ]);
    expect(codings.heads[0]!.transferCodings).toEqual(["chunked", "deflate"]);
    const twice = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n";
    expect(errorOf(() => decodeResponses([ascii(twice)]))).toMatchObject({
      code: "HTTP_BAD_TRANSFER_ENCODING",
    });
  });

  it("skips a few empty lines before a status line (a stray CR LF after a body), at every split", () => {
    const bytes = ascii(
      "HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\n\r\n" +
        "HTTP/1.1 204 No Content\r\n\r\n",
    );
    for (const [how, chunks] of everySplit(bytes)) {
      const r = decodeResponses(detached(chunks), ["POST", "GET"]);
      expect(
        r.heads.map((h) => (h as { status: number }).status),
        how,
      ).toEqual([100, 200, 204]);
      expect(types(r), how).toEqual(["head", "end", "head", "body", "end", "head", "end"]);
    }
    // Bounded: the ninth empty line is where a status line must be.
    const many = `${"\r\n".repeat(9)}HTTP/1.1 204 No Content\r\n\r\n`;
    expect(errorOf(() => decodeResponses([ascii(many)]))).toMatchObject({
      code: "HTTP_BAD_START_LINE",
      offset: 16,
    });
    expect(decodeResponses([ascii(many.slice(2))]).heads).toHaveLength(1);
  });

  it("takes a status line without a reason", () => {
    expect(decodeResponses([ascii("HTTP/1.1 204\r\n\r\n")]).heads[0]).toMatchObject({
      status: 204,
      reason: "",
    });
  });

  it("reports a response cut short", () => {
    expect(
      errorOf(() => decodeResponses([ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel")])),
    ).toMatchObject({
      code: "HTTP_TRUNCATED",
      offset: 41,
    });
  });
});
