// http-proto's RequestDecoder on its two paths, the WebAssembly SIMD kernels and the
// JavaScript fallback (see http-kernels.ts): the same events, fields and errors on every input.
import { ascii } from "@envwire/environ/fuzz";
import { request } from "@envwire/http-proto/fuzz";
import { kernelsFuzz } from "./http-kernels.js";

export const { hold } = request;

export const fuzz: (data: Uint8Array) => string = kernelsFuzz("request");

// Besides http-request's: heads whose lines end where the kernel's 16-byte steps fall, with
// values past 16 and 64 bytes, names it hashes a word at a time and not, and lines it leaves
// to the loop (a control byte, DEL, a byte past 0x7E, obs-fold, bare LF); request lines the
// kernel reads (a target's "?", "%" and "#" in every order) and leaves (a method not all
// capitals, a byte past 0x7E in the target, another version, a bare LF).
const head = (lines: string) => ascii(`GET /k HTTP/1.1\r\nHost: h\r\n${lines}\r\n`);
const line = (requestLine: string) => ascii(`${requestLine}\r\nHost: h\r\n\r\n`);
export const seeds: Uint8Array[] = [
  ...request.seeds,
  head(`Accept: ${"a".repeat(13)}\r\nX-Abc: ${"v".repeat(70)}\r\nCookie: c=1 \r\n`),
  head("User-Agent:\tx\t\r\nX-Y:\r\nZ: 1\r\n"),
  head("X: a\u007fb\r\nY: c\r\n"),
  head("X-\u00e9: a\r\nY: c\r\n"),
  head("X: a\r\n folded\r\n"),
  head("X: a\nY: b\n"),
  line("GET /a%20b?c=%41?d#e?f%g HTTP/1.1"),
  line("OPTIONS /#?% HTTP/1.0"),
  line("PROPFIND /p?%?# HTTP/1.1"),
  line(`GET /${"x".repeat(60)} HTTP/1.1`),
  line("M-SEARCH * HTTP/1.1"),
  line("get / HTTP/1.1"),
  line("GET /caf\u00e9 HTTP/1.1"),
  line("GET / HTTP/1.2"),
  ascii("GET / HTTP/1.1\nHost: h\n\n"),
  ascii(
    `POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\nY:2\r\n\r\n`,
  ),
];

export const dictionary: Uint8Array[] = [
  ...request.dictionary,
  ascii("\u007f"),
  ascii("\u00ff"),
  ascii("\r\n "),
];
