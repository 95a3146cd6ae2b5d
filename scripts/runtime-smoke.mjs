// Runs under Node, Bun and Deno alike (plain JavaScript, no node: imports; `pnpm
// smoke:runtimes` runs it under each, Bun and Deno from their npm packages): decodes SCGI
// requests and HTTP requests and responses with the realm's byte kernels and with the JavaScript fallback
// (kernels: false), whole and one byte at a time, and fails unless every way gives the same
// heads (HTTP: and the same error at the same offset for a bad one). Run `pnpm build` first:
// it imports the packages' dist/, as users get them.
import { Environ } from "@envwire/environ";
import { byteKernels } from "@envwire/environ/codec";
import * as http from "@envwire/http-proto";
import { encodeRequest, RequestDecoder } from "@envwire/scgi-proto";

const runtime =
  globalThis.Bun !== undefined
    ? `Bun ${globalThis.Bun.version}`
    : globalThis.Deno !== undefined
      ? `Deno ${globalThis.Deno.version.deno}`
      : `Node ${globalThis.process.version}`;

function decode(chunks, kernels) {
  const heads = [];
  const decoder = new RequestDecoder(
    { onHead: ({ env, contentLength }) => heads.push(JSON.stringify([contentLength, [...env]])) },
    { kernels },
  );
  for (const chunk of chunks) decoder.push(chunk);
  decoder.end();
  return heads.join("\n");
}

// Blocks of a few vars, and of many (past 16, 64 and 256 bytes, and past the kernels' window).
const requests = [3, 40, 900].map((vars) => {
  const env = new Environ([["REQUEST_METHOD", "GET"]]);
  for (let i = 0; i < vars; i++) env.append(`HTTP_X_${i}`, "v".repeat(i % 37));
  return encodeRequest(env);
});
const wire = new Uint8Array(requests.reduce((n, r) => n + r.length, 0));
let at = 0;
for (const r of requests) {
  wire.set(r, at);
  at += r.length;
}

const expected = decode([wire], false);
const ways = {
  "kernels, whole": decode([wire], true),
  "kernels, byte by byte": decode(
    Array.from(wire, (_, i) => wire.subarray(i, i + 1)),
    true,
  ),
  "fallback, byte by byte": decode(
    Array.from(wire, (_, i) => wire.subarray(i, i + 1)),
    false,
  ),
};
for (const [way, heads] of Object.entries(ways)) {
  if (heads !== expected) throw new Error(`runtime-smoke (${runtime}): ${way} decoded other heads`);
}
if (expected.split("\n").length !== requests.length)
  throw new Error(`runtime-smoke (${runtime}): heads missing`);

// HTTP: pipelined requests with few and many fields (past 2 KiB and 4 KiB, where the kernel
// reads a chunk whole or a window at a time), then a bad field line after plain ones.
function decodeHttp(chunks, kernels) {
  const heads = [];
  const decoder = new http.RequestDecoder(
    {
      onHead: (head) =>
        heads.push(
          JSON.stringify([head.method, head.target, [...head.headers], [...http.requestToEnviron(head)]]),
        ),
    },
    { kernels, maxHeaders: 1000, maxHeadSize: 65536 },
  );
  try {
    for (const chunk of chunks) decoder.push(chunk);
    decoder.end();
  } catch (e) {
    heads.push(`${e.code} at ${e.offset}`);
  }
  return heads.join("\n");
}
const httpText = [3, 60, 300]
  .map((fields) => {
    let head = `GET /r/${fields}?q=1 HTTP/1.1\r\nHost: h.test\r\n`;
    for (let i = 0; i < fields; i++) head += `X-Field-${i}:  ${"v".repeat(i % 41)} \r\n`;
    return `${head}\r\n`;
  })
  .join("");
const httpWire = Uint8Array.from(`${httpText}GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: x\u007fy\r\n\r\n`, (c) =>
  c.charCodeAt(0),
);
const httpExpected = decodeHttp([httpWire], false);
const byteByByte = Array.from(httpWire, (_, i) => httpWire.subarray(i, i + 1));
for (const [way, heads] of Object.entries({
  "kernels, whole": decodeHttp([httpWire], true),
  "kernels, byte by byte": decodeHttp(byteByByte, true),
  "fallback, byte by byte": decodeHttp(byteByByte, false),
})) {
  if (heads !== httpExpected) throw new Error(`runtime-smoke (${runtime}): HTTP ${way} decoded other heads`);
}
if (
  !httpExpected.endsWith(`HTTP_BAD_HEADER_VALUE at ${httpText.length + 35}`) ||
  httpExpected.split("\n").length !== 4
)
  throw new Error(`runtime-smoke (${runtime}): HTTP heads or the error missing`);

// HTTP responses: status lines with a reason, with none and with a tab in it, then a bad one.
function decodeResponses(chunks, kernels) {
  const heads = [];
  const decoder = new http.ResponseDecoder(
    { onHead: (head) => heads.push(JSON.stringify([head.status, head.reason, [...head.headers]])) },
    { kernels },
  );
  try {
    for (const chunk of chunks) decoder.push(chunk);
  } catch (e) {
    heads.push(`${e.code} at ${e.offset}`);
  }
  return heads.join("\n");
}
const responseWire = Uint8Array.from(
  ["HTTP/1.1 200 OK", "HTTP/1.0 204", "HTTP/1.1 404 Not\tFound", "HTTP/1.1 200 O\u0001K"]
    .map((line) => `${line}\r\nContent-Length: 0\r\nX-A: b\r\n\r\n`)
    .join(""),
  (c) => c.charCodeAt(0),
);
const responsesExpected = decodeResponses([responseWire], false);
const responseBytes = Array.from(responseWire, (_, i) => responseWire.subarray(i, i + 1));
for (const [way, heads] of Object.entries({
  "kernels, whole": decodeResponses([responseWire], true),
  "kernels, byte by byte": decodeResponses(responseBytes, true),
})) {
  if (heads !== responsesExpected)
    throw new Error(`runtime-smoke (${runtime}): HTTP responses ${way} decoded other heads`);
}
if (!/HTTP_BAD_START_LINE at \d+$/.test(responsesExpected) || responsesExpected.split("\n").length !== 4)
  throw new Error(`runtime-smoke (${runtime}): HTTP responses or the error missing`);

console.log(
  `runtime-smoke: ${runtime}: ${requests.length} SCGI and 3 HTTP requests and 3 responses (and a bad one each) decoded alike by the ${byteKernels().path} kernels and the JavaScript fallback`,
);
