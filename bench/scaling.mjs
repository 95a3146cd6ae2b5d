// Scaling rows of `pnpm bench`: one operation at growing sizes, so that the cost per unit
// (per header, per var, per byte) shows whether it stays flat, as linear cost must.
// A row: { family, unit, n, per (units an operation handles; n unless given), bytes (what
// the floor copies), run, check }.

import { Environ } from "@envwire/environ";
import * as http from "@envwire/http-proto";
import * as uwsgi from "@envwire/uwsgi-proto";
import { chunked } from "./fixtures.mjs";
import { corpus, REQUESTS } from "./http-corpus.mjs";

const text = new TextEncoder();
const LIMITS = { maxHeaders: 2000, maxHeadSize: 1 << 20, maxBodySize: 1 << 21 };

/**
 * An HTTP decoder that builds each request's Environ and counts requests and body bytes;
 * `same`: every request it is given is the same one, which must come out with the same vars.
 */
function httpDecoder(same = true) {
  const seen = { requests: 0, vars: 0, body: 0, varsEach: -1 };
  const decoder = new http.RequestDecoder(
    {
      onHead(head) {
        seen.requests++;
        const vars = http.requestToEnviron(head).size;
        if (same && seen.varsEach >= 0 && vars !== seen.varsEach)
          throw new Error("scaling: a request's vars changed");
        seen.varsEach = vars;
        seen.vars += vars;
      },
      onBody(chunk) {
        seen.body += chunk.length;
      },
    },
    LIMITS,
  );
  return { decoder, seen };
}

function expect(what, ok) {
  if (!ok) throw new Error(`scaling: ${what}`);
}

function headerRows() {
  return [1, 10, 100, 1000].map((n) => {
    const lines = ["GET /items?page=2 HTTP/1.1", "Host: www.example.com"];
    for (let i = 1; i < n; i++) lines.push(`X-Header-${i}: value-${i}-abcdefghijklmnop`);
    const bytes = text.encode(`${lines.join("\r\n")}\r\n\r\n`);
    const { decoder, seen } = httpDecoder();
    return {
      family: "HTTP request: decode + Environ, by header count",
      unit: "header",
      n,
      bytes,
      run: () => decoder.push(bytes),
      check: () => expect("HTTP header rows lost a header", seen.requests > 0 && seen.varsEach >= n + 2),
    };
  });
}

function varRows() {
  return [1, 10, 100, 1000].map((n) => {
    const env = new Environ([["REQUEST_METHOD", "GET"]]);
    for (let i = 1; i < n; i++) env.append(`HTTP_X_HEADER_${i}`, `value-${i}-abcdefghijklmnop`);
    const bytes = uwsgi.encodeRequest(env);
    const seen = { vars: 0 };
    const decoder = new uwsgi.RequestDecoder(
      { onHead: ({ env }) => (seen.vars += env.size) },
      { maxVars: 2000 },
    );
    return {
      family: "uwsgi request: decode, by var count",
      unit: "var",
      n,
      bytes,
      run: () => decoder.push(bytes),
      check: () => expect("uwsgi var rows miscounted", seen.vars > 0 && seen.vars % n === 0),
    };
  });
}

function bodyRows(framing) {
  return [0, 1024, 65536, 1 << 20].map((n) => {
    const head =
      framing === "length"
        ? `POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: ${n}\r\n\r\n`
        : "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    const body = "b".repeat(n);
    let framed = body;
    if (framing === "chunked") {
      const parts = [];
      for (let at = 0; at < n; at += 16384) {
        const piece = body.slice(at, at + 16384);
        parts.push(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      }
      framed = `${parts.join("")}0\r\n\r\n`;
    }
    const bytes = text.encode(head + framed);
    const { decoder, seen } = httpDecoder();
    return {
      family: `HTTP request: decode, by ${framing === "length" ? "Content-Length" : "chunked (16 KiB chunks)"} body size`,
      unit: "byte",
      n,
      bytes,
      run: () => decoder.push(bytes),
      check: () => expect("HTTP body rows lost bytes", seen.requests > 0 && seen.body === seen.requests * n),
    };
  });
}

function pushSizeRows() {
  return [1, 16, 256, 4096, corpus.length].map((size) => {
    const chunks = chunked(corpus, size);
    const { decoder, seen } = httpDecoder(false);
    return {
      family: `HTTP corpus (${corpus.length} bytes): decode + Environ, by size of the chunks pushed`,
      unit: "byte",
      n: size,
      per: corpus.length,
      bytes: corpus,
      run: () => {
        for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]);
      },
      check: () =>
        expect("HTTP chunk rows lost a request", seen.requests > 0 && seen.requests % REQUESTS === 0),
    };
  });
}

/** Every scaling row, made anew. */
export function scalingRows() {
  return [...headerRows(), ...varRows(), ...bodyRows("length"), ...bodyRows("chunked"), ...pushSizeRows()];
}
