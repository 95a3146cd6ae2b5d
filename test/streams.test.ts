/**
 * DecoderStream (web) and DecoderDuplex (Node) over every decoder: the events of a decode at
 * every split of the input; backpressure that holds the decoder (a reader that does not read
 * stops it, with at most highWaterMark events and the few at one offset queued); a
 * ProtocolError surfacing as the stream's error with the decoder's code and offset.
 */
import { once } from "node:events";
import { DecoderStream, ProtocolError } from "@envwire/environ";
import { DecoderDuplex } from "@envwire/environ/node";
import * as http from "@envwire/http-proto";
import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit } from "./support/chunks.js";
import { KINDS, type Kind } from "./support/pipelined.js";

type Event = { type: string } & Record<string, unknown>;

/** The events, bytes copied and consecutive pieces of one body joined (their cuts follow the input's). */
function normalize(events: readonly Event[]): string[] {
  const out: string[] = [];
  let piece: { key: string; bytes: Uint8Array[] } | undefined;
  const flush = () => {
    if (piece) out.push(`${piece.key}:${JSON.stringify(String.fromCharCode(...concat(piece.bytes)))}`);
    piece = undefined;
  };
  for (const e of events) {
    const bytes = e.chunk as Uint8Array | undefined;
    if (bytes instanceof Uint8Array) {
      const key = `${e.type}/${e.requestId ?? ""}`;
      if (piece?.key !== key) flush();
      piece ??= { key, bytes: [] };
      piece.bytes.push(bytes.slice());
      continue;
    }
    flush();
    out.push(
      JSON.stringify(e, (k, v) => {
        if (k === "env") return [...v];
        if (k === "headers" || k === "trailers") return [...v];
        if (v instanceof Uint8Array) return String.fromCharCode(...v);
        return v;
      }),
    );
  }
  flush();
  return out;
}

/** Writes `chunks` to a DecoderStream of `kind`, reading as it goes; the events, or what was thrown. */
async function throughWeb(kind: Kind, chunks: readonly Uint8Array[], highWaterMark?: number) {
  const stream = new DecoderStream(kind.events, highWaterMark === undefined ? {} : { highWaterMark });
  const events: Event[] = [];
  const reading = (async () => {
    for await (const e of stream.readable) events.push(e as Event);
  })();
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for (const c of chunks) await writer.write(c);
    await writer.close();
  })();
  const [read, wrote] = await Promise.allSettled([reading, writing]);
  return { events, readError: errorOf(read), writeError: errorOf(wrote) };
}

async function throughNode(kind: Kind, chunks: readonly Uint8Array[], highWaterMark?: number) {
  const duplex = new DecoderDuplex(kind.events, highWaterMark === undefined ? {} : { highWaterMark });
  const events: Event[] = [];
  const reading = (async () => {
    for await (const e of duplex) events.push(e as Event);
  })();
  for (const c of chunks)
    if (!duplex.write(c)) await Promise.race([once(duplex, "drain"), once(duplex, "close")]);
  duplex.end();
  const [read] = await Promise.allSettled([reading]);
  return { events, readError: errorOf(read) };
}

const errorOf = (r: PromiseSettledResult<unknown>) => (r.status === "rejected" ? r.reason : undefined);

const codeAndOffset = (e: unknown) => {
  expect(e).toBeInstanceOf(ProtocolError);
  return [(e as ProtocolError).code, (e as ProtocolError).offset];
};

describe.each(KINDS)("$name as a stream", (kind) => {
  it("web: reads the events of the decode, at every split and with a queue of one", async () => {
    const whole = await throughWeb(kind, [kind.stream]);
    expect(whole.readError).toBeUndefined();
    expect(whole.events.at(-1)!.type).toMatch(/end/i);
    const expected = normalize(whole.events);
    for (const [how, chunks] of everySplit(kind.stream)) {
      for (const hwm of [undefined, 1]) {
        const got = await throughWeb(kind, detached(chunks), hwm);
        expect(got.readError, how).toBeUndefined();
        expect(normalize(got.events), `${how}, highWaterMark ${hwm}`).toEqual(expected);
      }
    }
  });

  it("node: reads the same events, at every split and with a buffer of one", async () => {
    const expected = normalize((await throughWeb(kind, [kind.stream])).events);
    for (const [how, chunks] of everySplit(kind.stream)) {
      for (const hwm of [undefined, 1]) {
        const got = await throughNode(kind, detached(chunks), hwm);
        expect(got.readError, how).toBeUndefined();
        expect(normalize(got.events), `${how}, highWaterMark ${hwm}`).toEqual(expected);
      }
    }
  });

  it("web and node: a ProtocolError is the stream's error, with the decoder's code and offset", async () => {
    const { bytes, code, offset } = kind.bad;
    for (const [how, chunks] of everySplit(bytes)) {
      const web = await throughWeb(kind, detached(chunks), 1);
      expect(codeAndOffset(web.readError), how).toEqual([code, offset]);
      expect(web.writeError, how).toBe(web.readError);
      const node = await throughNode(kind, detached(chunks), 1);
      expect(codeAndOffset(node.readError), how).toEqual([code, offset]);
    }
  });
});

/** Many pipelined bodiless requests in one chunk: two events each (head, end). */
const MANY = 500;
const manyRequests = ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(MANY));

/** http.requestEvents(), counting the events the decoder made. */
function counted() {
  const made = { count: 0 };
  const factory = http.requestEvents();
  return {
    made,
    events: (emit: (e: http.HttpRequestEvent) => void) =>
      factory((e) => {
        made.count++;
        emit(e);
      }),
  };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

describe("backpressure", () => {
  it("web: a reader that does not read stops the decoder and holds the write", async () => {
    const { made, events } = counted();
    const stream = new DecoderStream(events, { highWaterMark: 4 });
    const writer = stream.writable.getWriter();
    let written = false;
    void writer.write(manyRequests).then(() => {
      written = true;
    });
    await turns(5);
    // The queue filled: the decoder stopped after the event that filled it (and its message's
    // end, at the same offset), not after the chunk's 1000 events.
    expect(made.count).toBeLessThanOrEqual(4 + 1);
    expect(written).toBe(false);
    expect(writer.desiredSize).toBeLessThanOrEqual(0);
    const reader = stream.readable.getReader();
    for (let i = 0; i < 10; i++) expect((await reader.read()).done).toBe(false);
    await turns(2);
    expect(made.count).toBeLessThanOrEqual(10 + 4 + 1);
    expect(written).toBe(false);
    let read = 10;
    const closing = writer.close();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      read++;
    }
    await closing;
    expect(written).toBe(true);
    expect(read).toBe(2 * MANY);
    expect(made.count).toBe(2 * MANY);
  });

  it("node: a reader that does not read stops the decoder and holds the write", async () => {
    const { made, events } = counted();
    const duplex = new DecoderDuplex(events, { highWaterMark: 4 });
    let written = false;
    duplex.write(manyRequests, () => {
      written = true;
    });
    await turns(5);
    expect(made.count).toBeLessThanOrEqual(4 + 1);
    expect(duplex.readableLength).toBeLessThanOrEqual(4 + 1);
    expect(written).toBe(false);
    let read = 0;
    duplex.end();
    for await (const _ of duplex) {
      read++;
      expect(made.count - read).toBeLessThanOrEqual(4 + 1);
    }
    expect(written).toBe(true);
    expect(read).toBe(2 * MANY);
  });

  it("web: a reader that cancels fails the writes still waiting", async () => {
    const stream = new DecoderStream(http.requestEvents(), { highWaterMark: 1 });
    const writer = stream.writable.getWriter();
    const write = writer.write(manyRequests);
    await turns(2);
    const reason = new Error("gone");
    await stream.readable.cancel(reason);
    await expect(write).rejects.toBe(reason);
  });

  it("web: events are views of the written chunk, not copies", async () => {
    const chunk = ascii("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
    const got = await throughWeb(KINDS.find((k) => k.name === "HTTP RequestDecoder")!, [chunk]);
    const body = got.events.find((e) => e.type === "body")!.chunk as Uint8Array;
    expect(body.buffer).toBe(chunk.buffer);
  });
});
