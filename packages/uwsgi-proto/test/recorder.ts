// The fuzz target's recorder (src/fuzz/recorder.ts), for the tests, and what a decode throws.

import { decode } from "../src/fuzz/recorder.js";
import type { UwsgiRequestDecoderOptions } from "../src/index.js";

export { decode, type Event, type Recording } from "../src/fuzz/recorder.js";

/** The ProtocolError (or anything else) that decoding throws, or undefined. */
export function decodeError(chunks: readonly Uint8Array[], options?: UwsgiRequestDecoderOptions): unknown {
  try {
    decode(chunks, options);
  } catch (e) {
    return e;
  }
  return undefined;
}
