/**
 * Request encoding: the header block as a netstring, measured first and then written straight
 * from the Environ's bytes into one exactly-sized buffer (or the caller's). The body is not
 * framed in SCGI: send its CONTENT_LENGTH bytes as they are after the netstring.
 */
import type { Environ } from "@envwire/environ";
import { ByteWriter, checkEnviron, checkOutput } from "@envwire/environ/codec";
import { type BlockPlan, planBlock, writeBlock } from "./headers.js";

const COLON = 0x3a;
const COMMA = 0x2c;

/** Bytes of the netstring for a block of `plan.size`: its length's digits, ":", the block, ",". */
function netstringSize(plan: BlockPlan): number {
  return String(plan.size).length + plan.size + 2;
}

function write(plan: BlockPlan, env: Environ, w: ByteWriter): number {
  w.latin1(String(plan.size));
  w.u8(COLON);
  writeBlock(env, plan, w);
  w.u8(COMMA);
  return w.finish();
}

/**
 * The request's netstring in one new, exactly-sized Uint8Array: CONTENT_LENGTH first (moved
 * there, or added as "0"; an empty one is sent as "0"), SCGI=1 second unless `env` has it
 * (then it stays where it is), every other entry in order. Throws ProtocolError for a name or
 * value holding a NUL, an empty name, CONTENT_LENGTH entries that are not digits or disagree,
 * or an SCGI that is not "1".
 */
export function encodeRequest(env: Environ): Uint8Array {
  checkEnviron(env, "encodeRequest");
  const plan = planBlock(env);
  const w = ByteWriter.alloc(netstringSize(plan));
  write(plan, env, w);
  return w.bytes;
}

/** The size encodeRequest would produce. */
export function measureRequest(env: Environ): number {
  checkEnviron(env, "measureRequest");
  return netstringSize(planBlock(env));
}

/**
 * Writes the same bytes as encodeRequest into `out` at `offset`; returns the offset just past
 * them. Throws ProtocolError (ENVIRON_BUFFER_TOO_SMALL) before writing anything if they do
 * not fit; a NUL in a name or value is found as it is written. A TypeError if `out` is not a
 * Uint8Array or `offset` not an integer from 0 to its length.
 */
export function encodeRequestInto(env: Environ, out: Uint8Array, offset: number): number {
  checkEnviron(env, "encodeRequestInto");
  checkOutput(out, offset, "encodeRequestInto");
  const plan = planBlock(env);
  return write(plan, env, new ByteWriter(out, offset, netstringSize(plan)));
}
