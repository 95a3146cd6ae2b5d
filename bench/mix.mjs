// The traffic `pnpm bench` drives every codec through before its after-mix rows, so that they
// time code that has seen what a server sees, not only the benchmark's own corpus: HTTP
// requests of many shapes (methods, targets, 0–40 headers, Content-Length and chunked bodies,
// trailers, HTTP/1.0), pipelined or one a chunk, cut at random places, a few percent
// malformed; one short-lived decoder per connection; each Environ read the ways applications
// read one and sent on as uwsgi, FastCGI, SCGI or HTTP; those packets decoded again under
// random cuts, some mutated; HTTP and CGI responses likewise. Seeded: every run sees the same.

import { CgiResponseDecoder, Environ, ProtocolError } from "@envwire/environ";
import * as fastcgi from "@envwire/fastcgi-proto";
import * as http from "@envwire/http-proto";
import * as scgi from "@envwire/scgi-proto";
import * as uwsgi from "@envwire/uwsgi-proto";
import { concat } from "./fixtures.mjs";

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const text = new TextEncoder();
const METHODS = ["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"];
const PATHS = [
  "/",
  "/index.html",
  "/api/v1/items",
  "/static/app.js",
  "/search",
  "/a/b/c/d.json",
  "/%7Euser/x",
];
const HEADERS = [
  ["User-Agent", ["curl/8.5.0", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"]],
  ["Accept", ["*/*", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "application/json"]],
  ["Accept-Encoding", ["gzip", "gzip, deflate, br"]],
  ["Accept-Language", ["en-US,en;q=0.5", "de"]],
  ["Cookie", ["a=1", `session=5f2b8c1e9a7d4e3f; theme=dark; tracking=${"x".repeat(120)}`]],
  ["Referer", ["https://www.example.com/", "https://example.org/a?b=c"]],
  ["Cache-Control", ["no-cache", "max-age=0"]],
  ["Connection", ["keep-alive", "close"]],
  ["If-None-Match", ['"a1b2c3"', 'W/"xyz"']],
  ["X-Forwarded-For", ["203.0.113.5", "198.51.100.1, 10.0.0.2"]],
  ["X-Request-Id", ["0f8a9b", "c0ffee-1234-5678"]],
  ["Authorization", ["Bearer abc.def.ghi", "Basic dXNlcjpwYXNz"]],
  ["Origin", ["https://www.example.com"]],
  ["Sec-Fetch-Mode", ["navigate", "cors"]],
  ["Content-Type", ["application/json", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"]],
];
const USUAL = ["REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "HTTP_HOST", "CONTENT_TYPE", "HTTP_COOKIE"];

/** The traffic's sinks: a value counted here cannot be optimised away. */
const sink = { n: 0 };

export function driveMix({ connections, seed = 16 }) {
  const rnd = generator(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => rnd() < p;
  const caseOf = (name) => (chance(0.2) ? name.toLowerCase() : chance(0.05) ? name.toUpperCase() : name);

  function httpRequest() {
    const method = pick(METHODS);
    const version = chance(0.1) ? "HTTP/1.0" : "HTTP/1.1";
    const query = chance(0.4) ? `?q=${int(1e6)}&page=${int(20)}` : "";
    const lines = [`${method} ${pick(PATHS)}${query} ${version}`, `${caseOf("Host")}: www.example.com`];
    const count = chance(0.1) ? int(40) : int(12);
    for (let i = 0; i < count; i++) {
      const [name, values] = chance(0.15)
        ? [`X-Custom-${int(50)}`, ["v", `value-${int(1e9)}`]]
        : pick(HEADERS);
      lines.push(`${caseOf(name)}: ${pick(values)}`);
    }
    let body = "";
    const kind = method === "POST" || method === "PUT" || method === "PATCH" ? int(3) : chance(0.05) ? 1 : 0;
    if (kind === 1) {
      body = "k=v&".repeat(int(200));
      lines.push(`Content-Length: ${body.length}`);
    } else if (kind === 2 && version === "HTTP/1.1") {
      lines.push("Transfer-Encoding: chunked");
      const parts = [];
      for (let i = int(4); i > 0; i--) {
        const data = "d".repeat(1 + int(300));
        parts.push(`${data.length.toString(16)}${chance(0.1) ? ";ext=1" : ""}\r\n${data}\r\n`);
      }
      body = `${parts.join("")}0\r\n${chance(0.1) ? "X-Trailer: t\r\n" : ""}\r\n`;
    }
    return `${lines.join("\r\n")}\r\n\r\n${body}`;
  }

  /** Bytes with one byte changed at random, now and then. */
  const maybeBroken = (bytes, p) => {
    if (!chance(p) || bytes.length === 0) return bytes;
    const copy = bytes.slice();
    copy[int(copy.length)] = pick([0, 10, 13, 32, 58, 0x7f, 0xff, int(256)]);
    return copy;
  };

  /** `bytes` pushed into `decoder` in random pieces (or whole); a ProtocolError ends it. */
  function feed(decoder, bytes, end = true) {
    try {
      for (let at = 0; at < bytes.length; ) {
        const n = chance(0.5)
          ? bytes.length - at
          : 1 + int(Math.min(bytes.length - at, chance(0.3) ? 8 : 512));
        decoder.push(bytes.subarray(at, at + n));
        at += n;
      }
      if (end) decoder.end();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      sink.n++;
    }
  }

  /** The ways applications read an Environ, and the ways a gateway sends one on. */
  function use(env) {
    switch (int(9)) {
      case 0:
        for (const name of USUAL) sink.n += env.get(name)?.length ?? 0;
        break;
      case 1:
        for (const [name, value] of env) sink.n += name.length + value.length;
        break;
      case 2:
        for (let i = 0; i < env.size; i++) sink.n += env.nameAt(i).length + env.valueAt(i).length;
        break;
      case 3:
        sink.n += Object.keys(env.toObject()).length + (env.getBytes("HTTP_HOST")?.length ?? 0);
        break;
      case 4:
        feed(uwsgiDecoder(), maybeBroken(uwsgi.encodeRequest(env), 0.05), chance(0.5));
        break;
      case 5:
        feed(fastcgiDecoder(), maybeBroken(fastcgiRequest(env), 0.05), chance(0.5));
        break;
      case 6:
        feed(scgiDecoder(), maybeBroken(scgiRequest(env), 0.05), chance(0.5));
        break;
      case 7:
        sink.n += http.encodeEnvironRequest(env).length;
        break;
      default:
        env.set("HTTP_X_ADDED", "1");
        env.delete("HTTP_COOKIE");
        sink.n += env.size + (env.has("PATH_INFO") ? 1 : 0);
    }
  }

  const uwsgiDecoder = () => new uwsgi.RequestDecoder({ onHead: ({ env }) => serve(env), onBody: count });
  // (Both of SCGI's paths see traffic, turn about: the summary times each. Not drawn from rnd,
  // so that the rest of the traffic stays what it was.)
  let scgiDecoders = 0;
  const scgiDecoder = () =>
    new scgi.RequestDecoder(
      { onHead: ({ env }) => serve(env), onBody: count },
      { kernels: scgiDecoders++ % 2 === 0 },
    );
  const fastcgiDecoder = () => {
    const d = new fastcgi.RequestDecoder({
      onHead: ({ env }) => serve(env),
      onBody: (_, chunk) => count(chunk),
      onEnd: (id) => d.completeRequest(id),
    });
    return d;
  };
  const count = (chunk) => {
    sink.n += chunk.length;
  };
  /** What an application server does with a decoded Environ: reads it, or passes it on. */
  function serve(env) {
    if (chance(0.7)) for (let i = 0; i < env.size; i++) sink.n += env.valueAt(i).length;
    else for (const [name, value] of env) sink.n += name.length + value.length;
    if (chance(0.3)) sink.n += uwsgi.encodeRequest(env).length + fastcgi.encodeParams(1, env).length;
  }

  /** An SCGI request for `env`: CONTENT_LENGTH first, as the format wants, and no body. */
  function scgiRequest(env) {
    const copy = new Environ(env);
    copy.set("CONTENT_LENGTH", "0");
    return scgi.encodeRequest(copy);
  }

  function fastcgiRequest(env) {
    const copy = new Environ(env);
    copy.set("CONTENT_LENGTH", "0");
    return concat([
      fastcgi.encodeBeginRequest(1, fastcgi.Role.RESPONDER, true),
      fastcgi.encodeParams(1, copy),
      fastcgi.encodeStreamEnd(fastcgi.RecordType.PARAMS, 1),
      fastcgi.encodeStreamEnd(fastcgi.RecordType.STDIN, 1),
    ]);
  }

  // (Both of HTTP's paths see traffic too, turn about, as SCGI's do.)
  let httpDecoders = 0;
  function httpConnection() {
    const options = chance(0.3) ? { maxHeaders: 32 + int(64) } : {};
    options.kernels = httpDecoders++ % 2 === 0;
    const decoder = new http.RequestDecoder(
      {
        onHead(head) {
          const env = http.requestToEnviron(head, {
            remoteAddr: chance(0.5) ? "127.0.0.1" : "::1",
            remotePort: 30000 + int(30000),
            https: chance(0.3),
            dropHopByHop: chance(0.3),
          });
          use(env);
        },
        onBody: count,
        onTrailers: (trailers) => {
          sink.n += trailers.size;
        },
      },
      options,
    );
    const pipelined = chance(0.4);
    const requests = 1 + int(pipelined ? 8 : 3);
    const bytes = [];
    for (let i = 0; i < requests; i++) bytes.push(maybeBroken(text.encode(httpRequest()), 0.04));
    if (pipelined) feed(decoder, concat(bytes), chance(0.8));
    else for (const b of bytes) feed(decoder, b, false);
  }

  function httpResponse() {
    const decoder = new http.ResponseDecoder({ onHead: (head) => (sink.n += head.status), onBody: count });
    const status = pick([200, 200, 200, 204, 304, 404, 500, 301]);
    const body = status === 204 || status === 304 ? "" : "r".repeat(int(2000));
    const framing = int(3);
    const head = [
      `HTTP/1.1 ${status} X`,
      "Content-Type: text/html",
      `Date: Wed, 02 Dec 2026 00:00:0${int(10)} GMT`,
    ];
    let payload = body;
    if (framing === 0) head.push(`Content-Length: ${body.length}`);
    if (framing === 1) {
      head.push("Transfer-Encoding: chunked");
      payload = body.length > 0 ? `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n` : "0\r\n\r\n";
    }
    if (chance(0.3)) decoder.expectResponseTo(chance(0.5) ? "HEAD" : "GET");
    feed(decoder, maybeBroken(text.encode(`${head.join("\r\n")}\r\n\r\n${payload}`), 0.04), framing === 2);
  }

  function cgiResponse() {
    const decoder = new CgiResponseDecoder({ onHead: (head) => (sink.n += head.status), onBody: count });
    const lines = [
      chance(0.5) ? "Status: 200 OK" : `Status: ${pick([201, 302, 404])} X`,
      "Content-Type: text/plain",
    ];
    if (chance(0.3)) lines.push("Location: /next");
    for (let i = int(6); i > 0; i--) lines.push(`X-H-${i}: ${"v".repeat(int(50))}`);
    feed(
      decoder,
      maybeBroken(
        text.encode(`${lines.join(chance(0.2) ? "\n" : "\r\n")}\r\n\r\n${"b".repeat(int(500))}`),
        0.04,
      ),
    );
  }

  for (let c = 0; c < connections; c++) {
    const r = rnd();
    if (r < 0.7) httpConnection();
    else if (r < 0.85) httpResponse();
    else cgiResponse();
  }
  return sink.n;
}
