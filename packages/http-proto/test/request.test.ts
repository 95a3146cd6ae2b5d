import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit } from "../../../test/support/chunks.js";
import { type HttpRequestHead, RequestDecoder } from "../src/index.js";
import { decodeRequests } from "./recorder.js";

const get = ascii(
  "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n",
);
const post = ascii(
  "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nChecksum: abc\r\n\r\n",
);

describe("RequestDecoder", () => {
  it("decodes a GET at every split, keeping repeated fields", () => {
    for (const [how, chunks] of everySplit(get)) {
      const { events } = decodeRequests(detached(chunks));
      expect(events, how).toEqual([
        {
          type: "head",
          head: {
            method: "GET",
            target: "/a/b?x=1",
            targetForm: "origin",
            version: "HTTP/1.1",
            headers: [
              ["Host", "example.com"],
              ["Accept", "*/*"],
              ["X-Dup", "1"],
              ["X-Dup", "2"],
            ],
            body: "none",
            contentLength: 0,
            transferCodings: [],
            keepAlive: true,
            upgrade: false,
            expectContinue: false,
          },
        },
        { type: "end" },
      ]);
    }
  });

  it("de-chunks a body, skips extensions and surfaces trailers, at every split", () => {
    for (const [how, chunks] of everySplit(post)) {
      const { events } = decodeRequests(detached(chunks));
      expect(events.slice(1), how).toEqual([
        { type: "body", bytes: ascii("hello world") },
        { type: "trailers", fields: [["Checksum", "abc"]] },
        { type: "end" },
      ]);
    }
  });

  it("reads pipelined requests, with a Content-Length body between them", () => {
    const withBody = ascii("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
    const all = concat([get, withBody, post, get]);
    for (const [how, chunks] of everySplit(all)) {
      const types = decodeRequests(detached(chunks)).events.map((e) => e.type);
      expect(types, how).toEqual([
        "head",
        "end",
        "head",
        "body",
        "end",
        "head",
        "body",
        "trailers",
        "end",
        "head",
        "end",
      ]);
    }
  });

  it("keeps header values and bodies as views into the chunk", () => {
    const bytes = ascii("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
    const bodies: Uint8Array[] = [];
    let head: HttpRequestHead | undefined;
    const d = new RequestDecoder({ onHead: (h) => (head = h), onBody: (b) => bodies.push(b) });
    d.push(bytes);
    expect(head!.headers.valueBytesAt(1).buffer).toBe(bytes.buffer);
    expect(bodies[0]!.buffer).toBe(bytes.buffer);
    expect(bodies[0]).toEqual(ascii("abc"));
  });

  it("knows every target form", () => {
    const form = (line: string) =>
      (decodeRequests([ascii(`${line}\r\nHost: h\r\n\r\n`)]).heads[0] as { targetForm: string }).targetForm;
    expect(form("GET / HTTP/1.1")).toBe("origin");
    expect(form("GET http://example.com/x HTTP/1.1")).toBe("absolute");
    expect(form("OPTIONS * HTTP/1.1")).toBe("asterisk");
    expect(form("CONNECT example.com:443 HTTP/1.1")).toBe("authority");
  });

  it("keeps HTTP/1.0 apart: close by default, keep-alive on request", () => {
    const h10 = (fields: string) => decodeRequests([ascii(`GET / HTTP/1.0\r\n${fields}\r\n`)]).heads[0]!;
    expect(h10("").keepAlive).toBe(false);
    expect(h10("Connection: keep-alive\r\n").keepAlive).toBe(true);
    expect(
      decodeRequests([ascii("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")]).heads[0]!.keepAlive,
    ).toBe(false);
  });

  it("takes a Connection option only as a whole list element, and an upgrade only to a named protocol", () => {
    // (Found by the differential fuzz target, beside llhttp.)
    const head = (fields: string) =>
      decodeRequests([ascii(`GET / HTTP/1.1\r\nHost: h\r\n${fields}\r\n`)]).heads[0]!;
    expect(head("Connection: Upgrade h\r\nUpgrade: websocket\r\n").upgrade).toBe(false);
    expect(head("Connection: close h\r\n").keepAlive).toBe(true);
    expect(head("Connection: keep-alive , close \t\r\n").keepAlive).toBe(false);
    expect(head("Connection: x,, Upgrade\r\nUpgrade: websocket\r\n").upgrade).toBe(true);
    expect(head("Connection: Upgrade\r\nUpgrade:\r\n").upgrade).toBe(false);
  });

  it("surfaces Expect: 100-continue", () => {
    const { heads } = decodeRequests([
      ascii("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx"),
    ]);
    expect((heads[0] as { expectContinue: boolean }).expectContinue).toBe(true);
  });

  it("hands the bytes after an Upgrade or CONNECT head to onTunnel", () => {
    const ws = ascii(
      "GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
    );
    for (const [how, chunks] of everySplit(ws)) {
      const { events } = decodeRequests(detached(chunks));
      expect(events.slice(1), how).toEqual([
        { type: "end" },
        { type: "tunnel", bytes: ascii("\x81\x05hello") },
      ]);
    }
    const connect = decodeRequests([ascii("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n\x16\x03\x01")]);
    expect(connect.events.at(-1)).toEqual({ type: "tunnel", bytes: ascii("\x16\x03\x01") });
  });

  it("skips empty lines before a request line", () => {
    expect(decodeRequests([ascii("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")]).heads).toHaveLength(1);
  });
});
