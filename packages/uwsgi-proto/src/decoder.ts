/**
 * RequestDecoder: the server side of uwsgi (what uWSGI does with what nginx sends).
 *
 * Sans-IO: push() takes bytes as the network delivered them, in any pieces; the handler hears
 * about each part as soon as it is complete. One reader per state, chosen by a switch:
 *
 *   Header (4 bytes) ─┬─ request modifier1 ─→ Vars (datasize bytes) → Body (CONTENT_LENGTH bytes) ─┐
 *                     └─ any other ─────────→ Raw (datasize bytes) ──────────────────────────────────┤
 *   ↑────────────────────────────────────────── next packet on the same connection ─────────────────┘
 *
 * Each reader consumes what it can from chunk[p..] and returns the new position. Vars entries
 * that lie inside one chunk become views into it; only an entry cut by a chunk boundary is
 * copied (once, see CutEntries), so any split costs O(n). On error the decoder throws
 * ProtocolError, lets go of what it held, and stays failed: every later call throws the same
 * error.
 */
import { type Environ, ProtocolError } from "@envwire/environ";
import {
  CutEntries,
  checkChunk,
  checkHandler,
  DecoderLifecycle,
  FixedHeaderReader,
  PausableDecoder,
} from "@envwire/environ/codec";
import { HEADER_SIZE, MAX_DATASIZE, REQUEST_MODIFIERS, UwsgiErrorCode } from "./constants.js";
import { VarsParser } from "./vars.js";

/** A request packet's head, handed to onHead once its vars block is complete. */
export interface UwsgiRequestHead {
  /** The vars, as views into the pushed chunks (see Environ.detach). */
  env: Environ;
  modifier1: number;
  modifier2: number;
  /** Body bytes that follow (CONTENT_LENGTH; 0 when absent or empty). */
  contentLength: number;
}

/** A packet whose modifier1 is not a request modifier, surfaced as it came. */
export interface UwsgiPacket {
  modifier1: number;
  modifier2: number;
  /** The datasize bytes after the header: a view when they came in one chunk, else a copy. */
  payload: Uint8Array;
}

export interface UwsgiRequestHandler {
  /** A request's vars are complete. */
  onHead(head: UwsgiRequestHead): void;
  /** A piece of the body: a view into the pushed chunk, valid while the caller keeps that chunk. */
  onBody?(chunk: Uint8Array): void;
  /** The request's body is complete (right after onHead when it has none). */
  onEnd?(): void;
  /** A raw packet (spooler, management, ...). Without this handler such a packet is an error. */
  onPacket?(packet: UwsgiPacket): void;
}

export interface UwsgiRequestDecoderOptions {
  /**
   * Largest datasize (vars block or raw payload) accepted. Default 65535, the format's own
   * ceiling; uWSGI's default buffer-size of 4096 is the stricter choice.
   */
  maxVarsSize?: number;
  /**
   * Most vars in a packet. Default 1024 (nginx sends a few dozen): each costs an Environ entry,
   * about 60 bytes, where its bytes on the wire may be 4.
   */
  maxVars?: number;
  /**
   * Largest CONTENT_LENGTH accepted. Default 2^53 - 1: the body is streamed through onBody,
   * never buffered, so this is a policy (like nginx's client_max_body_size), not a memory bound.
   */
  maxBodySize?: number;
  /** modifier1 values whose packets are a vars block and a body. Default REQUEST_MODIFIERS. */
  requestModifiers?: Iterable<number>;
}

const State = { Header: 0, Vars: 1, Body: 2, Raw: 3 } as const;

/** Which modifier1 values are requests: 1 each, by value. */
function requestTable(modifiers: Iterable<number>): Uint8Array {
  const table = new Uint8Array(256);
  for (const m of modifiers) table[m & 0xff] = 1;
  return table;
}
/** The default's, made once and only read: a table a decoder cost its construction most of its time. */
const DEFAULT_REQUESTS = requestTable(REQUEST_MODIFIERS);
type State = (typeof State)[keyof typeof State];

export class RequestDecoder extends PausableDecoder {
  readonly #handler: UwsgiRequestHandler;
  readonly #maxVarsSize: number;
  readonly #maxBodySize: number;
  readonly #isRequest: Uint8Array;
  readonly #vars: VarsParser;

  #state: State = State.Header;
  /** Stream offset of the current chunk's first byte. */
  #base = 0;
  /** What offset says (see there). */
  #taken = 0;
  readonly #header = new FixedHeaderReader(HEADER_SIZE);
  #modifier1 = 0;
  #modifier2 = 0;
  /** Bytes of the current vars block, body or raw payload not yet consumed. */
  #left = 0;
  /** The vars entries (or the raw payload) cut by chunk boundaries, for the packet in progress. */
  readonly #cut = new CutEntries();
  /** Stream offset of the cut entry's first byte. */
  #cutOffset = 0;
  constructor(handler: UwsgiRequestHandler, options: UwsgiRequestDecoderOptions = {}) {
    super(new DecoderLifecycle(UwsgiErrorCode.Ended));
    checkHandler(handler, "new RequestDecoder");
    this.#handler = handler;
    this.#maxVarsSize = Math.min(options.maxVarsSize ?? MAX_DATASIZE, MAX_DATASIZE);
    this.#maxBodySize = options.maxBodySize ?? Number.MAX_SAFE_INTEGER;
    this.#vars = new VarsParser(options.maxVars ?? 1024);
    this.#isRequest =
      options.requestModifiers === undefined ? DEFAULT_REQUESTS : requestTable(options.requestModifiers);
  }

  /**
   * Bytes taken so far: the stream offset that the next pushed byte will have; inside a
   * callback, the offset just past the bytes that made the event (the vars block, the body
   * piece, the packet).
   */
  get offset(): number {
    return this.#taken;
  }

  /**
   * Feeds the next bytes of the stream and returns how many of them it took: all of them,
   * unless a handler called pause() (then the bytes up to the end of that event; push the
   * rest after resume()). The decoder never writes to `chunk`.
   */
  push(chunk: Uint8Array): number {
    checkChunk(chunk, "RequestDecoder.push");
    const life = this.life;
    life.check(this.#base);
    if (life.paused) return 0;
    try {
      const n = chunk.length;
      let p = 0;
      while (p < n) {
        switch (this.#state) {
          case State.Header:
            p = this.#readHeader(chunk, p);
            break;
          case State.Vars:
            p = this.#readVars(chunk, p);
            break;
          case State.Body:
            p = this.#readBody(chunk, p);
            break;
          case State.Raw:
            p = this.#readRaw(chunk, p);
            break;
        }
        if (life.paused) break;
      }
      this.#base += p;
      this.#taken = this.#base;
      return p;
    } catch (e) {
      this.#taken = this.#base;
      this.#cut.release();
      this.#vars.release();
      this.life.fail(e);
    } finally {
      this.#header.release(); // (it may hold this chunk: the caller's, not ours to keep)
    }
  }

  /** The peer closed the stream. Throws ProtocolError if it closed inside a packet or a body. */
  end(): void {
    this.life.check(this.#base);
    this.life.end();
    const state = this.#state;
    const cut = (code: string, what: string) =>
      this.life.fail(new ProtocolError(code, `the stream ended inside ${what}`, this.#base));
    if (state === State.Header && this.#header.partial)
      cut(UwsgiErrorCode.TruncatedHeader, "a packet header");
    if (state === State.Vars) cut(UwsgiErrorCode.TruncatedVars, "a vars block");
    if (state === State.Body) cut(UwsgiErrorCode.TruncatedBody, `a body, ${this.#left} bytes short`);
    if (state === State.Raw) cut(UwsgiErrorCode.TruncatedPacket, "a packet");
  }

  #readHeader(chunk: Uint8Array, p: number): number {
    const header = this.#header;
    p = header.read(chunk, p);
    if (!header.complete) return p;
    const h = header.bytes;
    const at = header.at;
    this.#startPacket(h[at]!, h[at + 1]! | (h[at + 2]! << 8), h[at + 3]!, this.#base + p - HEADER_SIZE);
    return p;
  }

  #startPacket(modifier1: number, datasize: number, modifier2: number, packetOffset: number): void {
    if (datasize > this.#maxVarsSize) {
      throw new ProtocolError(
        UwsgiErrorCode.VarsTooLarge,
        `datasize ${datasize} is over the limit of ${this.#maxVarsSize}`,
        packetOffset + 1,
      );
    }
    this.#modifier1 = modifier1;
    this.#modifier2 = modifier2;
    this.#left = datasize;
    if (this.#isRequest[modifier1] === 1) {
      this.#vars.reset();
      this.#state = State.Vars;
      if (datasize === 0) this.#finishHead(packetOffset + HEADER_SIZE);
      return;
    }
    if (this.#handler.onPacket === undefined) {
      throw new ProtocolError(
        UwsgiErrorCode.UnexpectedPacket,
        `modifier1 ${modifier1} is not a request and no onPacket handler was given`,
        packetOffset,
      );
    }
    this.#state = State.Raw;
    if (datasize === 0) this.#finishRaw(new Uint8Array(0), packetOffset + HEADER_SIZE);
  }

  #readVars(chunk: Uint8Array, p: number): number {
    const blockEnd = p + this.#left;
    const avail = Math.min(chunk.length, blockEnd);
    // Nothing of the block read yet (no entry, none cut) and all of it here: it is one view.
    const whole = blockEnd <= chunk.length && this.#cut.length === 0 && this.#vars.env.size === 0;
    if (this.#cut.length > 0) {
      p = this.#gatherEntry(chunk, p, avail);
      if (this.#cut.length > 0) return p;
    }
    const parsedTo = this.#vars.parse(chunk, p, avail, blockEnd, this.#base);
    if (whole) this.#vars.markWhole(chunk, p, blockEnd);
    if (parsedTo < avail) {
      // An entry runs on into the next chunk: start gathering it.
      this.#cutOffset = this.#base + parsedTo;
      this.#left = blockEnd - parsedTo;
      return this.#gatherEntry(chunk, parsedTo, avail); // cannot complete it: the chunk ends first
    }
    this.#left = blockEnd - avail;
    if (this.#left === 0) this.#finishHead(this.#base + avail);
    return avail;
  }

  /**
   * Gathers a cut entry until its key and value sizes say it is whole, then has the VarsParser
   * take it (as views of the gathered bytes). While it is incomplete the parser still checks
   * the sizes known so far against the block.
   */
  #gatherEntry(chunk: Uint8Array, p: number, avail: number): number {
    const vars = this.#vars;
    const cut = this.#cut;
    for (;;) {
      const need = entryBytesNeeded(cut.bytes, cut.start, cut.length);
      const take = Math.min(need - cut.length, avail - p);
      cut.append(chunk, p, p + take);
      this.#left -= take;
      p += take;
      const blockEnd = cut.end + this.#left;
      const base = this.#cutOffset - cut.start; // (the stream offset of cut.bytes[0])
      vars.parse(cut.bytes, cut.start, cut.end, blockEnd, base); // adds the entry once whole; throws on overrun
      if (cut.length === need && need === entryBytesNeeded(cut.bytes, cut.start, need)) {
        cut.close();
        return p;
      }
      if (p === avail) return p;
    }
  }

  #finishHead(endOffset: number): void {
    const vars = this.#vars;
    const contentLength = Math.max(vars.contentLength, 0);
    if (contentLength > this.#maxBodySize) {
      throw new ProtocolError(
        UwsgiErrorCode.BodyTooLarge,
        `CONTENT_LENGTH ${contentLength} is over the limit of ${this.#maxBodySize}`,
        endOffset,
      );
    }
    this.#state = State.Body;
    this.#left = contentLength;
    this.#cut.release(); // (the Environ keeps what it needs of it)
    this.#taken = endOffset;
    this.#handler.onHead({
      env: vars.take(),
      modifier1: this.#modifier1,
      modifier2: this.#modifier2,
      contentLength,
    });
    if (contentLength === 0) this.#finishBody();
  }

  #readBody(chunk: Uint8Array, p: number): number {
    const take = Math.min(this.#left, chunk.length - p);
    this.#left -= take;
    this.#taken = this.#base + p + take;
    this.#handler.onBody?.(p === 0 && take === chunk.length ? chunk : chunk.subarray(p, p + take));
    if (this.#left === 0) this.#finishBody();
    return p + take;
  }

  #finishBody(): void {
    this.#state = State.Header;
    this.#handler.onEnd?.();
  }

  #readRaw(chunk: Uint8Array, p: number): number {
    const cut = this.#cut;
    const avail = chunk.length - p;
    if (cut.length === 0 && avail >= this.#left) {
      const end = p + this.#left;
      this.#finishRaw(chunk.subarray(p, end), this.#base + end);
      return end;
    }
    const take = Math.min(this.#left, avail);
    cut.append(chunk, p, p + take);
    this.#left -= take;
    if (this.#left === 0) {
      const payload = cut.bytes.subarray(cut.start, cut.end);
      cut.release();
      this.#finishRaw(payload, this.#base + p + take);
    }
    return p + take;
  }

  #finishRaw(payload: Uint8Array, endOffset: number): void {
    this.#state = State.Header;
    this.#taken = endOffset;
    this.#handler.onPacket!({ modifier1: this.#modifier1, modifier2: this.#modifier2, payload });
  }
}

/**
 * Bytes a vars entry needs, as far as the first `have` bytes of it, at `bytes[start]`, tell:
 * 2, then 4 + key, then all.
 */
function entryBytesNeeded(bytes: Uint8Array, start: number, have: number): number {
  if (have < 2) return 2;
  const keyEnd = 2 + (bytes[start]! | (bytes[start + 1]! << 8));
  if (have < keyEnd + 2) return keyEnd + 2;
  return keyEnd + 2 + (bytes[start + keyEnd]! | (bytes[start + keyEnd + 1]! << 8));
}
