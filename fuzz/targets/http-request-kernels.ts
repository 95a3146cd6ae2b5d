// http-proto's RequestDecoder on its two paths: the WebAssembly SIMD kernels reading plain
// request lines and field lines, and the JavaScript fallback (kernels: false), must report
// the same events and fields (spans, names), or the same error code at the same offset, for
// every input, whole and cut (the runner's oracle compares those), at the default limits and
// at small ones with bare LF and raw target bytes allowed.
import { isDeepStrictEqual } from "node:util";
import { ProtocolError } from "@envwire/environ";
import { ascii } from "@envwire/environ/fuzz";
import { request } from "@envwire/http-proto/fuzz";
import type { Fields } from "../../packages/http-proto/src/header-fields.js";
import type { HttpDecoderOptions } from "../../packages/http-proto/src/index.js";
import { decodeRequests } from "../../packages/http-proto/test/recorder.js";
import { splitInvariant } from "../oracle.js";

export const { hold } = request;

/** The events, and the fields' internals (which the two paths must share, but which depend on the cuts). */
type Outcome = { events: unknown; fields: unknown } | { error: ProtocolError };

const LIMITS: HttpDecoderOptions = {
  maxHeadSize: 200,
  maxHeaders: 6,
  maxTrailerSize: 40,
  maxStartLineLength: 40,
  allowBareLf: true,
  allowRawTargetBytes: true,
};

function outcomeOf(chunks: readonly Uint8Array[], options: HttpDecoderOptions, kernels: boolean): Outcome {
  try {
    const { events, heads } = decodeRequests(chunks, { ...options, kernels });
    const fields = heads.map((head) => {
      const f = head.headers as Fields;
      return [f.spans, f.names.map((n) => [n.id, n.cgi]), f.kinds, f.traits];
    });
    return { events, fields };
  } catch (e) {
    if (e instanceof ProtocolError) return { error: e };
    throw e;
  }
}

const brief = (o: Outcome) => ("error" in o ? `${o.error.code} at ${o.error.offset}` : "decoded");

function bothPaths(chunks: readonly Uint8Array[], options: HttpDecoderOptions): Outcome {
  const simd = outcomeOf(chunks, options, true);
  const js = outcomeOf(chunks, options, false);
  const same =
    "error" in simd
      ? "error" in js && simd.error.code === js.error.code && simd.error.offset === js.error.offset
      : "events" in js &&
        isDeepStrictEqual(simd.events, js.events) &&
        isDeepStrictEqual(simd.fields, js.fields);
  if (!same)
    throw new Error(`the SIMD kernel and the JavaScript fallback differ: ${brief(simd)} / ${brief(js)}`);
  return simd;
}

export const fuzz: (data: Uint8Array) => string = splitInvariant((chunks) => {
  const limited = bothPaths(chunks, LIMITS);
  const outcome = bothPaths(chunks, {});
  if ("error" in outcome) throw outcome.error;
  return [outcome.events, "error" in limited ? [limited.error.code, limited.error.offset] : limited.events];
});

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
