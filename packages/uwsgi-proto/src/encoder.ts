/**
 * Request packets: the 4-byte header and the vars block, measured first and then written
 * straight from the Environ's bytes into one exactly-sized buffer (or the caller's). The body
 * is not framed in uwsgi: send its CONTENT_LENGTH bytes as they are after the packet.
 */
import { type Environ, ProtocolError } from "@envwire/environ";
import { ByteWriter, checkEnviron, checkNumber, checkObject, checkOutput } from "@envwire/environ/codec";
import { HEADER_SIZE, MAX_DATASIZE, UwsgiErrorCode } from "./constants.js";
import { measureVars, writeVars } from "./vars.js";

export interface PacketModifiers {
  /** Packet type; 0 (WSGI) by default. See Modifier1. */
  modifier1?: number;
  /** Sub-type; 0 by default. */
  modifier2?: number;
}

/** Bytes that encodeRequest would produce for `env` (header included); validates as it goes. */
export function measureRequest(env: Environ): number {
  checkEnviron(env, "measureRequest");
  return HEADER_SIZE + measureVars(env, HEADER_SIZE);
}

/** The request packet for `env`: header and vars in one new, exactly-sized Uint8Array. */
export function encodeRequest(env: Environ, modifiers: PacketModifiers = {}): Uint8Array {
  checkEnviron(env, "encodeRequest");
  checkModifiers(modifiers, "encodeRequest");
  const size = measureVars(env, HEADER_SIZE); // (measured once: writeRequest does not measure again)
  const w = ByteWriter.alloc(HEADER_SIZE + size);
  writeRequest(w, env, size, modifiers);
  return w.bytes;
}

/**
 * Writes the request packet for `env` into `out` at `offset`; returns the offset just past it.
 * Throws ProtocolError (ENVIRON_BUFFER_TOO_SMALL) before writing anything if it does not fit;
 * a TypeError if `out` is not a Uint8Array or `offset` not an integer from 0 to its length.
 */
export function encodeRequestInto(
  env: Environ,
  out: Uint8Array,
  offset: number,
  modifiers: PacketModifiers = {},
): number {
  checkEnviron(env, "encodeRequestInto");
  checkOutput(out, offset, "encodeRequestInto");
  checkModifiers(modifiers, "encodeRequestInto");
  const size = measureVars(env, HEADER_SIZE);
  return writeRequest(new ByteWriter(out, offset, HEADER_SIZE + size), env, size, modifiers);
}

/** Writes the packet whose vars measure `size` bytes; returns the offset just past it. */
function writeRequest(w: ByteWriter, env: Environ, size: number, modifiers: PacketModifiers): number {
  writeHeader(w, modifiers.modifier1 ?? 0, size, modifiers.modifier2 ?? 0);
  writeVars(env, w);
  return w.finish();
}

/** The 4-byte header of a packet of `datasize` payload bytes: for raw packets, sent before their payload. */
export function encodePacketHeader(modifier1: number, datasize: number, modifier2 = 0): Uint8Array {
  checkNumber(modifier1, "encodePacketHeader", "modifier1");
  checkNumber(datasize, "encodePacketHeader", "datasize");
  checkNumber(modifier2, "encodePacketHeader", "modifier2");
  if (!(datasize >= 0 && datasize <= MAX_DATASIZE && Number.isInteger(datasize))) {
    throw new ProtocolError(UwsgiErrorCode.VarsTooLarge, `datasize ${datasize} is not 0-65535`, 1);
  }
  const w = ByteWriter.alloc(HEADER_SIZE);
  writeHeader(w, modifier1, datasize, modifier2);
  w.finish();
  return w.bytes;
}

function writeHeader(w: ByteWriter, modifier1: number, datasize: number, modifier2: number): void {
  checkModifier(modifier1, 0);
  checkModifier(modifier2, 3);
  w.u8(modifier1);
  w.u16le(datasize);
  w.u8(modifier2);
}

/** The modifiers' types (a caller's mistake: a TypeError); their range is writeHeader's. */
function checkModifiers(modifiers: PacketModifiers, where: string): void {
  checkObject(modifiers, where, "modifiers");
  if (modifiers.modifier1 !== undefined) checkNumber(modifiers.modifier1, where, "modifiers.modifier1");
  if (modifiers.modifier2 !== undefined) checkNumber(modifiers.modifier2, where, "modifiers.modifier2");
}

function checkModifier(m: number, offset: number): void {
  if (!(Number.isInteger(m) && m >= 0 && m <= 0xff)) {
    throw new ProtocolError(UwsgiErrorCode.BadModifier, `modifier ${m} is not an integer 0-255`, offset);
  }
}
