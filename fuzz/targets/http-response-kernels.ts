// http-proto's ResponseDecoder on its two paths, the WebAssembly SIMD kernels and the
// JavaScript fallback (see http-kernels.ts): the same events, fields and errors on every input.
import { ascii } from "@envwire/environ/fuzz";
import { response } from "@envwire/http-proto/fuzz";
import { kernelsFuzz } from "./http-kernels.js";

export const { hold } = response;

export const fuzz: (data: Uint8Array) => string = kernelsFuzz("response");

// Besides http-response's: status lines the kernel reads (a reason or none, a tab in it,
// bytes past 0x7F, codes up to 999) and leaves (a code below 100 or not three digits, a
// control byte or DEL in the reason, another version, a bare LF), before field lines of
// every kind.
const line = (statusLine: string) => ascii(`${statusLine}\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok`);
export const seeds: Uint8Array[] = [
  ...response.seeds,
  line("HTTP/1.1 200 OK"),
  line("HTTP/1.0 404 Not\tFound \u00e9"),
  line("HTTP/1.1 204"),
  line("HTTP/1.1 999 "),
  line("HTTP/1.1 099 Low"),
  line("HTTP/1.1 20x OK"),
  line("HTTP/1.1 200 O\u007fK"),
  line("HTTP/1.1 200 O\u0001K"),
  line("HTTP/2.0 200 OK"),
  ascii("HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
  line(`HTTP/1.1 200 ${"r".repeat(60)}`),
];

export const dictionary: Uint8Array[] = [
  ...response.dictionary,
  ascii("HTTP/1.1 "),
  ascii("\u007f"),
  ascii("\t"),
];
