/**
 * The uwsgi vars block: entries of key_size (u16 LE), key, val_size (u16 LE), value, packed
 * back to back to exactly datasize bytes. Both directions live here; CONTENT_LENGTH, which
 * frames the body that follows a request packet, is checked as the entries go by.
 */
import { Environ, ProtocolError } from "@envwire/environ";
import {
  appendEncoded,
  type ByteWriter,
  checkChunk,
  DECIMAL_OVERFLOW,
  latin1Equals,
  markSource,
  nameByteLength,
  nameEquals,
  ownEntries,
  parseCgiContentLength,
  quote,
  sourceByteLength,
  valueByteLength,
  writeNameAt,
  writeSource,
  writeValueAt,
} from "@envwire/environ/codec";
import { MAX_DATASIZE, UwsgiErrorCode } from "./constants.js";

const CONTENT_LENGTH = "CONTENT_LENGTH";
/**
 * The layout markSource notes a vars block in: an Environ decoded from one whole block is
 * written back as a copy of it (the decoder checked what measureVars checks: the same block
 * passes both).
 */
const VARS_LAYOUT = "uwsgi vars";

/**
 * CONTENT_LENGTH so far (-1 while absent) merged with one more occurrence in `buf[start, end)`.
 * Duplicates must agree: two different lengths make the body's end ambiguous.
 */
export function mergeContentLength(
  previous: number,
  buf: Uint8Array,
  start: number,
  end: number,
  offset: number,
): number {
  const n = parseCgiContentLength(buf, start, end);
  if (n < 0) {
    throw new ProtocolError(
      UwsgiErrorCode.BadContentLength,
      n === DECIMAL_OVERFLOW ? "CONTENT_LENGTH is beyond 2^53 - 1" : "CONTENT_LENGTH is not decimal digits",
      offset,
    );
  }
  if (previous >= 0 && previous !== n) {
    throw new ProtocolError(
      UwsgiErrorCode.ConflictingContentLength,
      `CONTENT_LENGTH given twice, as ${previous} and ${n}`,
      offset,
    );
  }
  return n;
}

/** Entries made room for, at least and at most, in the Environ a next block is read into. */
const MIN_ROOM = 8;
const MAX_ROOM = 64;

/** Reads entries into an Environ, as views into the buffers it is given. */
export class VarsParser {
  env: Environ = new Environ();
  /** The request's CONTENT_LENGTH, or -1 while no var has given one. */
  contentLength = -1;
  readonly #maxVars: number;

  /** `maxVars`: most entries a block may hold. */
  constructor(maxVars: number = Number.POSITIVE_INFINITY) {
    this.#maxVars = maxVars;
  }

  /** Lets go of the entries read so far (the decoder failed). */
  release(): void {
    this.env = new Environ();
  }

  /** Notes that the entries parsed so far are the whole block `buf[start, end)` (see markSource). */
  markWhole(buf: Uint8Array, start: number, end: number): void {
    markSource(this.env, VARS_LAYOUT, buf, start, end);
  }

  /** Starts a new vars block (into the Environ made when the last one was taken). */
  reset(): void {
    this.contentLength = -1;
  }

  /**
   * The vars of the block just parsed; the parser starts a new Environ, so that it keeps no
   * view of the caller's chunks once the caller has them.
   */
  take(): Environ {
    const env = this.env;
    // Room for as many entries as this one had (a peer sends much the same vars each time),
    // within bounds: an idle connection holds no more for a peer that once sent thousands.
    this.env = new Environ(undefined, Math.min(Math.max(env.size, MIN_ROOM), MAX_ROOM));
    return env;
  }

  /**
   * Adds every entry lying wholly in `buf[p, avail)`, where the vars block ends at `blockEnd`
   * (which may lie beyond `avail`, and beyond `buf`). Returns where the first entry not yet
   * complete starts (`avail` if none). Throws when an entry would run past `blockEnd`.
   * `base` is the stream offset of `buf[0]`, for error offsets.
   */
  parse(buf: Uint8Array, p: number, avail: number, blockEnd: number, base: number): number {
    const env = this.env;
    let room = this.#maxVars - env.size; // (counted here, not asked of the Environ each entry)
    while (p < avail) {
      if (blockEnd - p < 2) throw overrun(UwsgiErrorCode.KeyOverrun, "key size", base + p);
      if (avail - p < 2) return p;
      const keyStart = p + 2;
      const keyEnd = keyStart + (buf[p]! | (buf[p + 1]! << 8));
      if (keyEnd + 2 > blockEnd) throw overrun(UwsgiErrorCode.KeyOverrun, "key", base + p);
      if (keyEnd + 2 > avail) return p;
      const valueStart = keyEnd + 2;
      const valueEnd = valueStart + (buf[keyEnd]! | (buf[keyEnd + 1]! << 8));
      if (valueEnd > blockEnd) throw overrun(UwsgiErrorCode.ValueOverrun, "value", base + keyEnd);
      if (valueEnd > avail) return p;
      if (room-- === 0) {
        throw new ProtocolError(UwsgiErrorCode.TooManyVars, `more than ${this.#maxVars} vars`, base + p);
      }
      appendEncoded(env, buf, keyStart, keyEnd, valueStart, valueEnd);
      if (keyEnd - keyStart === 14 && latin1Equals(buf, keyStart, keyEnd, CONTENT_LENGTH)) {
        this.contentLength = mergeContentLength(
          this.contentLength,
          buf,
          valueStart,
          valueEnd,
          base + valueStart,
        );
      }
      p = valueEnd;
    }
    return p;
  }
}

function overrun(code: string, what: string, offset: number): ProtocolError {
  return new ProtocolError(code, `the ${what} runs past the end of the vars block`, offset);
}

/**
 * Decodes a whole vars block (the payload of a spooler or management packet, say) into an
 * Environ of views into `payload`. Error offsets count from `payload[0]`.
 */
export function decodeVars(payload: Uint8Array): Environ {
  checkChunk(payload, "decodeVars", "payload");
  const parser = new VarsParser();
  parser.parse(payload, 0, payload.length, payload.length, 0);
  // (A payload over a packet's 65535 bytes is no vars block a packet can carry: not noted, so
  // the encoder measures it and refuses it.)
  if (payload.length <= MAX_DATASIZE) parser.markWhole(payload, 0, payload.length);
  return parser.env;
}

/**
 * The length of the vars block `env` was decoded from whole, which goes out as one copy of
 * it; -1 when there is none (or, defensively, one no packet can carry).
 */
function wholeBlock(env: Environ): number {
  const whole = sourceByteLength(env, VARS_LAYOUT);
  return whole <= MAX_DATASIZE ? whole : -1;
}

/**
 * Size in bytes of `env` as a vars block. Throws ProtocolError for a key or value over 65535
 * bytes, a block over 65535, or a CONTENT_LENGTH a peer would misread. `base` is where the
 * block will start in the output, for error offsets.
 */
export function measureVars(env: Environ, base = 0): number {
  const whole = wholeBlock(env);
  if (whole >= 0) return whole;
  ownEntries(env);
  let size = 0;
  let contentLength = -1;
  const n = env.size;
  for (let i = 0; i < n; i++) {
    const keyLength = nameByteLength(env, i);
    const valueLength = valueByteLength(env, i);
    if (keyLength > MAX_DATASIZE || valueLength > MAX_DATASIZE) {
      throw new ProtocolError(
        UwsgiErrorCode.VarTooLong,
        `${quote(env.nameAt(i))}: a uwsgi key or value holds at most 65535 bytes`,
        base + size,
      );
    }
    if (keyLength === CONTENT_LENGTH.length && nameEquals(env, i, CONTENT_LENGTH)) {
      const value = env.bytesAt(i);
      contentLength = mergeContentLength(contentLength, value, 0, value.length, base + size + 4 + keyLength);
    }
    size += 4 + keyLength + valueLength;
  }
  if (size > MAX_DATASIZE) {
    throw new ProtocolError(
      UwsgiErrorCode.VarsTooLarge,
      `the vars come to ${size} bytes; a packet holds 65535`,
      base,
    );
  }
  return size;
}

/** Writes `env` as a vars block; the caller has measured it with measureVars. */
export function writeVars(env: Environ, w: ByteWriter): void {
  if (wholeBlock(env) >= 0) {
    writeSource(env, w);
    return;
  }
  const n = env.size;
  for (let i = 0; i < n; i++) {
    w.u16le(nameByteLength(env, i));
    writeNameAt(env, i, w);
    w.u16le(valueByteLength(env, i));
    writeValueAt(env, i, w);
  }
}
