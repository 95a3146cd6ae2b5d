/**
 * The record layer: splits a byte stream into FastCGI records and hands each record's
 * content to a RecordSink, either piece by piece as it arrives (streams: zero-copy views)
 * or whole in one call (discrete records: a view when it lies in one chunk, else a copy).
 *
 *   Header (8 bytes) → Content (contentLength bytes) → Padding (paddingLength bytes) → Header …
 *
 * Sans-IO; any split of the input gives the same calls to the sink, at O(n) cost. After an
 * error (the sink's included) the reader stays failed and rethrows it.
 */
import { ProtocolError } from "@envwire/environ";
import { CutEntries, DecoderLifecycle, FixedHeaderReader, PausableDecoder } from "@envwire/environ/codec";
import { FcgiErrorCode, HEADER_SIZE, VERSION } from "./constants.js";

export interface RecordSink {
  /**
   * A record header: return true to get the content whole in one onContent call (even when
   * empty), false to get it in pieces as it arrives (none when empty). `offset` is the
   * stream offset of the header's first byte.
   */
  onRecord(type: number, requestId: number, contentLength: number, offset: number): boolean;
  /** Content bytes `buf[start, end)`; `offset` is the stream offset of `buf[start]`. */
  onContent(buf: Uint8Array, start: number, end: number, offset: number): void;
  /** The record's content is complete. */
  onRecordEnd(): void;
}

const State = { Header: 0, Content: 1, Padding: 2 } as const;
type State = (typeof State)[keyof typeof State];

export class RecordReader extends PausableDecoder {
  readonly #sink: RecordSink;
  #state: State = State.Header;
  #base = 0;
  /** What offset says (see there). */
  #taken = 0;
  readonly #header = new FixedHeaderReader(HEADER_SIZE);
  #contentLeft = 0;
  #paddingLeft = 0;
  /** Whether the sink wants the current record's content whole. */
  #whole = false;
  /** A whole-content record cut by a chunk boundary, being gathered (as bytes arrive), and its stream offset. */
  readonly #gather = new CutEntries();
  #gatherOffset = 0;

  /**
   * `life`: the lifecycle push() and end() go through; a decoder that stands on the reader
   * hands it its own, so that pausing the one pauses the other.
   */
  constructor(sink: RecordSink, life: DecoderLifecycle = new DecoderLifecycle(FcgiErrorCode.Ended)) {
    super(life);
    this.#sink = sink;
  }

  /**
   * Bytes taken so far; inside a callback, the stream offset just past the bytes that made
   * the event (the record's header, the content piece).
   */
  get offset(): number {
    return this.#taken;
  }

  /** True between records: ending the stream here cuts nothing short. */
  get atBoundary(): boolean {
    return this.#state === State.Header && !this.#header.partial;
  }

  /**
   * Feeds the next bytes of the stream and returns how many of them it took: all of them,
   * unless the sink paused (then the bytes up to the end of that event). Never writes to
   * `chunk`.
   */
  push(chunk: Uint8Array): number {
    const life = this.life;
    life.check(this.#base);
    if (life.paused) return 0;
    try {
      const n = chunk.length;
      let p = 0;
      while (p < n) {
        if (this.#state === State.Header) p = this.#readHeader(chunk, p);
        else if (this.#state === State.Content) p = this.#readContent(chunk, p);
        else {
          const skip = Math.min(this.#paddingLeft, n - p);
          this.#paddingLeft -= skip;
          p += skip;
          if (this.#paddingLeft === 0) this.#state = State.Header;
        }
        if (life.paused) break;
      }
      this.#base += p;
      this.#taken = this.#base;
      return p;
    } catch (e) {
      this.#taken = this.#base;
      this.#gather.release();
      this.life.fail(e);
    } finally {
      this.#header.release(); // (it may hold this chunk: the caller's, not ours to keep)
    }
  }

  /** The stream ended: throws ProtocolError (FCGI_TRUNCATED_RECORD) inside a record. */
  end(): void {
    this.life.check(this.#base);
    this.life.end();
    if (!this.atBoundary) {
      this.life.fail(
        new ProtocolError(FcgiErrorCode.TruncatedRecord, "the stream ended inside a record", this.#base),
      );
    }
  }

  /** Makes the reader fail with `error` from now on (for checks its owner makes at end()). */
  fail(error: unknown): never {
    return this.life.fail(error);
  }

  #readHeader(chunk: Uint8Array, p: number): number {
    const header = this.#header;
    p = header.read(chunk, p);
    if (!header.complete) return p;
    const h = header.bytes;
    const at = header.at;
    const offset = this.#base + p - HEADER_SIZE;
    if (h[at] !== VERSION) {
      throw new ProtocolError(FcgiErrorCode.BadVersion, `record version ${h[at]} is not 1`, offset);
    }
    const contentLength = (h[at + 4]! << 8) | h[at + 5]!;
    this.#contentLeft = contentLength;
    this.#paddingLeft = h[at + 6]!;
    this.#taken = this.#base + p;
    this.#whole = this.#sink.onRecord(h[at + 1]!, (h[at + 2]! << 8) | h[at + 3]!, contentLength, offset);
    if (contentLength === 0) {
      if (this.#whole) this.#sink.onContent(h, at, at, this.#base + p);
      this.#endRecord();
    } else {
      this.#state = State.Content;
    }
    return p;
  }

  #readContent(chunk: Uint8Array, p: number): number {
    const take = Math.min(this.#contentLeft, chunk.length - p);
    const end = p + take;
    this.#contentLeft -= take;
    this.#taken = this.#base + end;
    if (!this.#whole || (this.#gather.length === 0 && this.#contentLeft === 0)) {
      this.#sink.onContent(chunk, p, end, this.#base + p);
    } else {
      const gather = this.#gather;
      if (gather.length === 0) this.#gatherOffset = this.#base + p;
      gather.append(chunk, p, end);
      if (this.#contentLeft === 0) {
        const { bytes, start, end: contentEnd } = gather;
        gather.release();
        this.#sink.onContent(bytes, start, contentEnd, this.#gatherOffset);
      }
    }
    if (this.#contentLeft === 0) this.#endRecord();
    return end;
  }

  #endRecord(): void {
    this.#state = this.#paddingLeft > 0 ? State.Padding : State.Header;
    this.#sink.onRecordEnd();
  }
}
