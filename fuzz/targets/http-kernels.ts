// http-proto's decoders on their two paths: the WebAssembly SIMD kernels reading plain start
// lines and field lines, and the JavaScript fallback (kernels: false), must report the same
// events and fields (spans, names), or the same error code at the same offset, for every
// input, whole and cut (the runner's oracle compares those), at the default limits and at
// small ones with bare LF (and raw target bytes) allowed. http-request-kernels and
// http-response-kernels are this, one for each direction.
import { isDeepStrictEqual } from "node:util";
import { ProtocolError } from "@envwire/environ";
import type { Fields } from "../../packages/http-proto/src/header-fields.js";
import type { HttpDecoderOptions } from "../../packages/http-proto/src/index.js";
import { decodeRequests, decodeResponses } from "../../packages/http-proto/test/recorder.js";
import { splitInvariant } from "../oracle.js";

export type Way = "request" | "response";

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

function outcomeOf(
  way: Way,
  chunks: readonly Uint8Array[],
  options: HttpDecoderOptions,
  kernels: boolean,
): Outcome {
  try {
    const { events, heads } =
      way === "request"
        ? decodeRequests(chunks, { ...options, kernels })
        : decodeResponses(chunks, [], { ...options, kernels });
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

function bothPaths(way: Way, chunks: readonly Uint8Array[], options: HttpDecoderOptions): Outcome {
  const simd = outcomeOf(way, chunks, options, true);
  const js = outcomeOf(way, chunks, options, false);
  const same =
    "error" in simd
      ? "error" in js && simd.error.code === js.error.code && simd.error.offset === js.error.offset
      : "events" in js &&
        isDeepStrictEqual(simd.events, js.events) &&
        isDeepStrictEqual(simd.fields, js.fields);
  if (!same)
    throw new Error(`the SIMD kernels and the JavaScript fallback differ: ${brief(simd)} / ${brief(js)}`);
  return simd;
}

/** The fuzz function of one direction's target. */
export function kernelsFuzz(way: Way): (data: Uint8Array) => string {
  return splitInvariant((chunks) => {
    const limited = bothPaths(way, chunks, LIMITS);
    const outcome = bothPaths(way, chunks, {});
    if ("error" in outcome) throw outcome.error;
    return [outcome.events, "error" in limited ? [limited.error.code, limited.error.offset] : limited.events];
  });
}
