// Runs under Node, Bun and Deno alike (plain JavaScript, no node: imports; `pnpm
// smoke:runtimes` runs it under each, Bun and Deno from their npm packages): decodes SCGI
// requests with the realm's byte kernels and with the JavaScript fallback (kernels: false),
// whole and one byte at a time, and fails unless every way gives the same heads. Run `pnpm
// build` first: it imports the packages' dist/, as users get them.
import { Environ } from "@envwire/environ";
import { byteKernels } from "@envwire/environ/codec";
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
console.log(
  `runtime-smoke: ${runtime}: ${requests.length} SCGI requests decoded alike by the ${byteKernels().path} kernels and the JavaScript fallback`,
);
