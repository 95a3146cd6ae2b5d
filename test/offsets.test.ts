/**
 * `decoder.offset` inside a callback is the stream offset just past the bytes that made the
 * event (the head's last byte, the body piece's last byte), not where the chunk began: a
 * caller that reads it in onHead learns where the body starts, in the first head as in any.
 */
import { CgiResponseDecoder, Environ } from "@envwire/environ";
import * as fcgi from "@envwire/fastcgi-proto";
import * as http from "@envwire/http-proto";
import * as scgi from "@envwire/scgi-proto";
import * as uwsgi from "@envwire/uwsgi-proto";
import { describe, expect, it } from "vitest";
import { concat } from "./support/chunks.js";

const text = (s: string) => new TextEncoder().encode(s);

/** A handler that notes `decoder().offset` at each event, as `event@offset`. */
function noting(decoder: () => { offset: number }) {
  const seen: string[] = [];
  const note = (event: string) => () => seen.push(`${event}@${decoder().offset}`);
  return {
    seen,
    handler: {
      onHead: note("head"),
      onBody: note("body"),
      onEnd: note("end"),
      onBegin: note("begin"),
      onTrailers: note("trailers"),
    },
  };
}

describe("decoder.offset inside callbacks", () => {
  it("http: past the head, past each body piece, past the message", () => {
    const first = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n";
    const second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    const chunk = text(`${first}abc${second}`);
    const { seen, handler } = noting(() => decoder);
    const decoder = new http.RequestDecoder(handler);
    decoder.push(chunk);
    const a = first.length;
    const b = a + 3 + second.length;
    expect(seen).toEqual([`head@${a}`, `body@${a + 3}`, `end@${a + 3}`, `head@${b}`, `end@${b}`]);
    expect(decoder.offset).toBe(chunk.length);
  });

  it("http: a chunked body, its trailers", () => {
    const head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const chunk = text(`${head}3\r\nabc\r\n0\r\nT: 1\r\n\r\n`);
    const { seen, handler } = noting(() => decoder);
    const decoder = new http.RequestDecoder(handler);
    decoder.push(chunk);
    const h = head.length;
    expect(seen).toEqual([`head@${h}`, `body@${h + 6}`, `trailers@${chunk.length}`, `end@${chunk.length}`]);
  });

  it("uwsgi: past the vars block, past the body", () => {
    const packet = uwsgi.encodeRequest(new Environ({ CONTENT_LENGTH: "2", REQUEST_METHOD: "POST" }));
    const chunk = concat([packet, text("hi")]);
    const { seen, handler } = noting(() => decoder);
    const decoder = new uwsgi.RequestDecoder(handler);
    decoder.push(chunk);
    expect(seen).toEqual([`head@${packet.length}`, `body@${chunk.length}`, `end@${chunk.length}`]);
  });

  it("scgi: past the netstring, past the body", () => {
    const request = scgi.encodeRequest(new Environ({ CONTENT_LENGTH: "2" }));
    const chunk = concat([request, text("hi")]);
    const { seen, handler } = noting(() => decoder);
    const decoder = new scgi.RequestDecoder(handler);
    decoder.push(chunk);
    expect(seen).toEqual([`head@${request.length}`, `body@${chunk.length}`, `end@${chunk.length}`]);
  });

  it("fastcgi: past each record that made the event", () => {
    const begin = fcgi.encodeBeginRequest(1);
    const params = fcgi.encodeParams(1, new Environ({ REQUEST_METHOD: "POST" }), { pad: false });
    const stdin = concat(fcgi.encodeStream(fcgi.RecordType.STDIN, 1, text("hi"), { pad: false }));
    const end = fcgi.encodeStreamEnd(fcgi.RecordType.STDIN, 1);
    const chunk = concat([begin, params, stdin, end]);
    const { seen, handler } = noting(() => decoder);
    const decoder = new fcgi.RequestDecoder(handler);
    decoder.push(chunk);
    const p = begin.length + params.length;
    expect(seen).toEqual([
      `begin@${begin.length}`,
      `head@${p}`,
      `body@${p + stdin.length}`,
      `end@${chunk.length}`,
    ]);
  });

  it("cgi response: past the empty line, past the body piece", () => {
    const head = "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n";
    const chunk = text(`${head}body`);
    const { seen, handler } = noting(() => decoder);
    const decoder = new CgiResponseDecoder(handler);
    decoder.push(chunk);
    expect(seen).toEqual([`head@${head.length}`, `body@${chunk.length}`]);
  });
});
