// The scenarios of `pnpm bench`'s summary: each envwire operation beside the best peer that
// does the same work on the same bytes, and beside the floor, a `set()` copy of those bytes
// into a buffer that already exists. Each has the goal the project holds it to (#16).
//
// A scenario: { id, title, bytes (what the floor copies), run (envwire), peers ([{ name,
// run }]), goal ({ against: "peer" | "floor" | another scenario's id, ratio, text }), check }.
// A goal against a peer ("peer") is a rate: envwire must do at least `ratio` times the
// peer's operations per second. Against the floor, the peer's time ("peer's time") or
// another scenario it is a cost: envwire's time at most `ratio` times theirs.

import { readFileSync } from "node:fs";
import { Environ } from "@envwire/environ";
import { byteKernels } from "@envwire/environ/codec";
import * as fastcgi from "@envwire/fastcgi-proto";
import * as scgi from "@envwire/scgi-proto";
import * as uwsgi from "@envwire/uwsgi-proto";
import { fastcgiStream, nodeFastcgi } from "./fastcgi-peers.mjs";
import {
  checkSeen,
  corpus,
  envwireDecoder,
  httpParserJsParser,
  llhttpParser,
  REQUESTS,
  requestChunks,
} from "./http-corpus.mjs";

/** What nginx 1.22.1 sent for one GET through its stock params files (captures/README.md). */
export const captured = {
  uwsgi: new Uint8Array(readFileSync(new URL("captures/nginx-uwsgi.bin", import.meta.url))),
  fastcgi: new Uint8Array(readFileSync(new URL("captures/nginx-fastcgi.bin", import.meta.url))),
  scgi: new Uint8Array(readFileSync(new URL("captures/nginx-scgi.bin", import.meta.url))),
};

/** Throws unless `seen` counted something, and a whole number of `per` for each operation. */
function expectWhole(what, count, per) {
  if (count === 0 || count % per !== 0) throw new Error(`${what}: saw ${count}, not a multiple of ${per}`);
}

/** Throws unless `actual` holds exactly the bytes of `expected`. */
function expectSame(what, actual, expected) {
  if (actual.length !== expected.length || actual.some((b, i) => b !== expected[i]))
    throw new Error(`${what}: wrote other bytes than expected`);
}

function httpScenarios() {
  const out = [];
  for (const [how, chunks] of [
    ["pipelined", [corpus]],
    ["one chunk a request", requestChunks],
  ]) {
    const tag = how === "pipelined" ? "pipelined" : "per-request";
    const peers = () => [
      { name: "llhttp", ...llhttpParser(chunks) },
      ...(how === "pipelined" ? [{ name: "http-parser-js", ...httpParserJsParser() }] : []),
    ];
    // The goals of #23: 2× llhttp's rate pipelined, 1.5× one chunk a request, 1.2× with every string read.
    const builtGoal = how === "pipelined" ? 2 : 1.5;
    for (const [mode, what, goal] of [
      ["built", "Environ built", { against: "peer", ratio: builtGoal, text: `≥ ${builtGoal}× llhttp` }],
      [
        "strings",
        "every name and value read (indexed)",
        { against: "peer", ratio: 1.2, text: "≥ 1.2× llhttp" },
      ],
      [
        "iterate",
        "every name and value read with for…of",
        { against: `http-strings-${tag}`, ratio: 1.1, text: "≤ 1.1× the indexed read" },
      ],
      ["get", "six usual names read with get()", undefined],
    ]) {
      // The rows that the kernel (#23) is for have a second row, on the JavaScript fallback
      // (kernels: false); the first runs the realm's kernels (see the title).
      const paths = mode === "built" || mode === "strings" ? [true, false] : [true];
      for (const kernels of paths) {
        const envwire = envwireDecoder(mode, chunks, { kernels });
        const ps = peers();
        const path = paths.length === 1 ? "" : `, ${kernels ? byteKernels().path : "js"} kernels`;
        out.push({
          id: `http-${mode}-${tag}${kernels ? "" : "-js"}`,
          title: `HTTP ${REQUESTS} requests, ${how}: decode + ${what}${path}`,
          bytes: corpus,
          run: envwire.run,
          peers: ps,
          goal,
          check: () => checkSeen([["envwire", envwire], ...ps.map((p) => [p.name, p])]),
        });
      }
    }
  }
  for (const [to, encode, how] of [
    ["uwsgi", "uwsgiInto", "encodeRequestInto"],
    ["FastCGI", "fastcgiInto", "encodeParamsInto"],
    ["uwsgi", "uwsgi", "encodeRequest"],
    ["FastCGI", "fastcgi", "encodeParams"],
  ]) {
    const envwire = envwireDecoder(encode);
    const into = how.endsWith("Into");
    out.push({
      id: `gateway-http-${encode}`,
      title: `HTTP → ${to}, ${REQUESTS} requests: decode, Environ, ${how}${into ? " into a ready buffer" : ""}`,
      bytes: corpus,
      run: envwire.run,
      peers: [],
      goal: into
        ? { against: "http-built-pipelined", ratio: 2, text: "≤ 2× HTTP decode + Environ" }
        : undefined,
      check: () => checkSeen([["envwire", envwire]]),
    });
  }
  return out;
}

/** A decoder of `Decoder` that counts heads and vars. */
function counting(Decoder, options) {
  const seen = { heads: 0, vars: 0 };
  const decoder = new Decoder(
    {
      onHead({ env }) {
        seen.heads++;
        seen.vars += env.size;
      },
    },
    options,
  );
  return { decoder, seen };
}

/** The Environ a new `Decoder` makes of `bytes`: what the re-encode rows send on. */
function decodedOnce(Decoder, bytes) {
  let env;
  new Decoder({ onHead: (head) => (env = head.env) }).push(bytes);
  return env;
}

function uwsgiScenarios() {
  const packet = captured.uwsgi;
  const { decoder, seen } = counting(uwsgi.RequestDecoder);
  const decoded = decodedOnce(uwsgi.RequestDecoder, packet);
  const vars = decoded.size;
  const encoded = { bytes: 0 };
  const allocated = { bytes: 0 };
  const ready = new Uint8Array(packet.length);
  return [
    {
      id: "uwsgi-decode",
      title: `uwsgi: decode nginx's request packet (${packet.length} bytes, ${vars} vars)`,
      bytes: packet,
      run: () => decoder.push(packet),
      peers: [],
      goal: { against: "floor", ratio: 5, text: "≤ 5× the floor" },
      check: () => expectWhole("uwsgi decode vars", seen.vars, vars),
    },
    {
      id: "uwsgi-reencode",
      title: "uwsgi: encode that decoded Environ again, unchanged, into a ready buffer (encodeRequestInto)",
      bytes: packet,
      run: () => {
        encoded.bytes += uwsgi.encodeRequestInto(decoded, ready, 0);
      },
      peers: [],
      goal: { against: "floor", ratio: 3, text: "≤ 3× the floor" },
      check: () => {
        expectWhole("uwsgi re-encode bytes", encoded.bytes, packet.length);
        expectSame("uwsgi re-encode", ready, packet);
      },
    },
    {
      id: "uwsgi-reencode-alloc",
      title: "uwsgi: the same into a new buffer (encodeRequest)",
      bytes: packet,
      run: () => {
        allocated.bytes += uwsgi.encodeRequest(decoded).length;
      },
      peers: [],
      // #23: allocating, at most 6× the copy (the slab's views: see @envwire/environ's slab.ts).
      goal: { against: "floor", ratio: 6, text: "≤ 6× the floor" },
      check: () => expectWhole("uwsgi re-encode bytes", allocated.bytes, packet.length),
    },
  ];
}

function fastcgiScenarios() {
  const request = captured.fastcgi;
  const seen = { heads: 0, params: 0 };
  const decoder = new fastcgi.RequestDecoder({
    onHead({ env }) {
      seen.heads++;
      seen.params += env.size;
    },
    onEnd(id) {
      decoder.completeRequest(id);
    },
  });
  const decoded = decodedOnce(fastcgi.RequestDecoder, request);
  const params = decoded.size;
  const paramsRecords = fastcgi.encodeParams(1, decoded);
  const encoded = { bytes: 0 };
  const allocated = { bytes: 0 };
  const ready = new Uint8Array(paramsRecords.length);
  const fs = fastcgiStream(request);
  const nf = nodeFastcgi(request);
  return [
    {
      id: "fastcgi-decode",
      title: `FastCGI: decode nginx's request (${request.length} bytes: BEGIN, ${params} PARAMS, empty PARAMS, empty STDIN)`,
      bytes: request,
      run: () => decoder.push(request),
      peers: [fs, nf],
      goal: { against: "floor", ratio: 8, text: "≤ 8× the floor" },
      check: () => {
        expectWhole("FastCGI decode params", seen.params, params);
        fs.check();
        nf.check();
      },
    },
    {
      id: "fastcgi-reencode",
      title: `FastCGI: encode that decoded Environ as PARAMS again (${paramsRecords.length} bytes), unchanged, into a ready buffer (encodeParamsInto)`,
      bytes: paramsRecords,
      run: () => {
        encoded.bytes += fastcgi.encodeParamsInto(1, decoded, ready, 0);
      },
      peers: [],
      goal: { against: "floor", ratio: 3, text: "≤ 3× the floor" },
      check: () => {
        expectWhole("FastCGI re-encode bytes", encoded.bytes, paramsRecords.length);
        // (Against the pair by pair encoding of a copy, which has no block to copy.)
        expectSame("FastCGI re-encode", ready, fastcgi.encodeParams(1, new Environ(decoded)));
      },
    },
    {
      id: "fastcgi-reencode-alloc",
      title: "FastCGI: the same into a new buffer (encodeParams)",
      bytes: paramsRecords,
      run: () => {
        allocated.bytes += fastcgi.encodeParams(1, decoded).length;
      },
      peers: [],
      // #23: allocating, at most 6× the copy (the slab's views: see @envwire/environ's slab.ts).
      goal: { against: "floor", ratio: 6, text: "≤ 6× the floor" },
      check: () => expectWhole("FastCGI re-encode bytes", allocated.bytes, paramsRecords.length),
    },
  ];
}

function scgiScenarios() {
  const request = captured.scgi;
  const decoded = decodedOnce(scgi.RequestDecoder, request);
  const vars = decoded.size;
  // The same vars as uwsgi carries them, for the comparison #12 asks for (#23: at most 1.2×).
  const asUwsgi = uwsgi.encodeRequest(new Environ(decoded));
  // Each path's row: the WebAssembly SIMD kernel (where this realm runs it: see the title),
  // and the JavaScript fallback that runs where it does not (kernels: false).
  return [
    ["scgi-decode", byteKernels().path, true],
    ["scgi-decode-js", "js", false],
  ].map(([id, path, kernels]) => {
    const { decoder, seen } = counting(scgi.RequestDecoder, { kernels });
    const u = counting(uwsgi.RequestDecoder);
    return {
      id,
      title: `SCGI: decode nginx's request (${request.length} bytes, ${vars} vars), ${path} kernels`,
      bytes: request,
      run: () => decoder.push(request),
      peers: [{ name: "uwsgi decode, same vars", run: () => u.decoder.push(asUwsgi) }],
      goal: { against: "peer's time", ratio: 1.2, text: "≤ 1.2× uwsgi's decode" },
      check: () => {
        expectWhole("SCGI decode vars", seen.vars, vars);
        expectWhole("uwsgi decode vars", u.seen.vars, vars);
      },
    };
  });
}

/** Every scenario of the summary, made anew (each with decoders of its own). */
export function scenarios() {
  return [...httpScenarios(), ...uwsgiScenarios(), ...fastcgiScenarios(), ...scgiScenarios()];
}
