// The HTTP benchmarks' corpus and parsers, shared by http.bench.mjs (mitata) and
// http-interleaved.mjs: 8 pipelined browser-like requests, and each parser set up to
// decode them all, counting what it sees: in one chunk, or (`requestChunks`) one chunk a
// request, as a connection that does not pipeline delivers them.

import { createRequire } from "node:module";
import { valueByteLength } from "@envwire/environ/codec";
import { encodeParams, encodeParamsInto } from "@envwire/fastcgi-proto";
import { RequestDecoder, requestToEnviron } from "@envwire/http-proto";
import { encodeRequest, encodeRequestInto } from "@envwire/uwsgi-proto";
import httpParserJs from "http-parser-js";
import { do_not_optimize } from "mitata";

const require = createRequire(import.meta.url);
const { HTTPParser: Llhttp } = require("node:_http_common");

const browser = (path, extra = "") =>
  `GET ${path} HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n` +
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n" +
  "Accept-Encoding: gzip, deflate, br, zstd\r\nConnection: keep-alive\r\nCookie: session=5f2b8c1e9a7d4e3f; theme=dark\r\n" +
  `Upgrade-Insecure-Requests: 1\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n${extra}\r\n`;
const corpusRequests = [
  browser("/"),
  browser("/articles/2024/envwire-benchmarks?page=2&sort=desc", "Referer: https://www.example.com/\r\n"),
  browser("/static/app.3f9a1c.js", 'If-None-Match: "a1b2c3"\r\n'),
  browser("/static/style.css"),
  "POST /api/v1/events HTTP/1.1\r\nHost: www.example.com\r\nContent-Type: application/json\r\nContent-Length: 27\r\n" +
    'Origin: https://www.example.com\r\n\r\n{"event":"click","id":1234}',
  browser("/images/logo.svg"),
  "GET /health HTTP/1.1\r\nHost: internal\r\n\r\n",
  browser("/search?q=zero+copy+parsers&lang=en"),
];
export const corpus = new TextEncoder().encode(corpusRequests.join(""));
export const requestChunks = corpusRequests.map((text) => new TextEncoder().encode(text));
export const REQUESTS = 8;

/** What an application commonly asks its Environ for, by name. */
const USUAL_NAMES = [
  "REQUEST_METHOD",
  "PATH_INFO",
  "QUERY_STRING",
  "HTTP_HOST",
  "CONTENT_TYPE",
  "HTTP_COOKIE",
];

/**
 * envwire's RequestDecoder over the corpus. `mode`: "head" (the heads only), "built" (an
 * Environ made, no value read), "bytes" (every value's byte length read), "strings" (every
 * name and value read as a string), "iterate" (the same with for…of), "get" (the
 * usual names read with get()), "uwsgi" or "fastcgi" (each request sent on, as a
 * gateway does: a uwsgi packet, or FastCGI PARAMS records, made from its Environ), or
 * "uwsgiInto" or "fastcgiInto" (the same written into a buffer made once).
 */
export function envwireDecoder(mode, chunks = [corpus], options = undefined) {
  const seen = { requests: 0, bytes: 0 };
  const app = APPS[mode](seen);
  const decoder = new RequestDecoder(
    {
      onHead(head) {
        seen.requests++;
        app(head);
      },
      onBody(chunk) {
        seen.bytes += chunk.length;
      },
    },
    options,
  );
  return {
    run: () => {
      for (const chunk of chunks) decoder.push(chunk);
    },
    seen,
  };
}

const connection = { remoteAddr: "127.0.0.1", remotePort: 40000 };

/**
 * What each mode's application does with a head: a function literal each, so that each has
 * the engine's feedback of its own, as a server's one handler would (one function serving
 * every mode would be timed polymorphic in all of them).
 */
const APPS = {
  head: () => () => {},
  built: (seen) => (head) => {
    seen.bytes += requestToEnviron(head, connection).size;
  },
  bytes: (seen) => (head) => {
    const env = requestToEnviron(head, connection);
    for (let i = 0; i < env.size; i++) seen.bytes += valueByteLength(env, i);
  },
  strings: (seen) => (head) => {
    const env = requestToEnviron(head, connection);
    for (let i = 0; i < env.size; i++) seen.bytes += env.nameAt(i).length + env.valueAt(i).length;
  },
  iterate: (seen) => (head) => {
    for (const [name, value] of requestToEnviron(head, connection)) seen.bytes += name.length + value.length;
  },
  get: (seen) => (head) => {
    const env = requestToEnviron(head, connection);
    for (const name of USUAL_NAMES) seen.bytes += env.get(name)?.length ?? 0;
  },
  uwsgi: (seen) => (head) => {
    seen.bytes += encodeRequest(requestToEnviron(head, connection)).length;
  },
  fastcgi: (seen) => (head) => {
    seen.bytes += encodeParams(1, requestToEnviron(head, connection)).length;
  },
  // (The same, written into a buffer the gateway keeps, as it would before a socket write.)
  uwsgiInto: (seen) => (head) => {
    seen.bytes += encodeRequestInto(requestToEnviron(head, connection), output, 0);
  },
  fastcgiInto: (seen) => (head) => {
    seen.bytes += encodeParamsInto(1, requestToEnviron(head, connection), output, 0);
  },
};
const output = new Uint8Array(65536);

/** Node's built-in llhttp, through HTTPParser from _http_common (headers come as strings). */
export function llhttpParser(chunks = [corpus]) {
  const buffers = chunks.map((chunk) => Buffer.from(chunk));
  const seen = { requests: 0 };
  const parser = new Llhttp();
  parser.initialize(Llhttp.REQUEST, {});
  parser[Llhttp.kOnHeadersComplete] = (_maj, _min, headers, _method, url) => {
    seen.requests++;
    do_not_optimize(headers);
    do_not_optimize(url);
  };
  parser[Llhttp.kOnBody] = (b) => do_not_optimize(b);
  parser[Llhttp.kOnMessageComplete] = () => {};
  return {
    run: () => {
      for (const buffer of buffers) parser.execute(buffer);
    },
    seen,
  };
}

export function httpParserJsParser() {
  const corpusBuffer = Buffer.from(corpus);
  const { HTTPParser } = httpParserJs;
  const seen = { requests: 0 };
  const parser = new HTTPParser(HTTPParser.REQUEST);
  parser[HTTPParser.kOnHeadersComplete] = (info) => {
    seen.requests++;
    do_not_optimize(info);
  };
  parser[HTTPParser.kOnBody] = (b) => do_not_optimize(b);
  parser[HTTPParser.kOnMessageComplete] = () => {};
  return { run: () => parser.execute(corpusBuffer), seen };
}

/** Throws unless every parser saw whole runs of the corpus' requests. */
export function checkSeen(parsers) {
  for (const [name, p] of parsers) {
    if (p.seen.requests % REQUESTS !== 0 || p.seen.requests === 0)
      throw new Error(`${name} saw ${p.seen.requests} requests`);
  }
}
