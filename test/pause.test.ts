/**
 * pause() and resume(), the same in every decoder: a handler's pause() makes push() stop right
 * after the event being handled — where `offset` stood in that callback — and return how many
 * bytes of its chunk it took; while paused, push() takes nothing. Pushing the rest after
 * resume() gives the very events an unpaused decode gives, at every split, and the same error
 * code and offset.
 */
import { ProtocolError } from "@envwire/environ";
import * as fcgi from "@envwire/fastcgi-proto";
import * as http from "@envwire/http-proto";
import * as scgi from "@envwire/scgi-proto";
import * as uwsgi from "@envwire/uwsgi-proto";
import { describe, expect, it } from "vitest";
import * as fcgiBuild from "../packages/fastcgi-proto/test/builder.js";
import * as scgiBuild from "../packages/scgi-proto/test/builder.js";
import * as uwsgiBuild from "../packages/uwsgi-proto/test/builder.js";
import { ascii, concat, detached, everySplit } from "./support/chunks.js";

interface Decoder {
  push(chunk: Uint8Array): number;
  end(): void;
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  readonly offset: number;
}

/** Every callback any decoder has: each is noted as `name@offset`, with a copy of its bytes. */
const CALLBACKS = [
  "onBegin",
  "onHead",
  "onBody",
  "onData",
  "onTrailers",
  "onEnd",
  "onAbort",
  "onPacket",
  "onStdout",
  "onStdoutEnd",
  "onStderr",
  "onEndRequest",
] as const;

/** Which events end a message (where a server that answers in order pauses). */
const MESSAGE_END = new Set(["onEnd", "onEndRequest"]);

interface Kind {
  name: string;
  make(handler: Record<string, (...args: unknown[]) => void>): Decoder;
  /** Three or more pipelined messages. */
  stream: Uint8Array;
  /** The stream with a fault in a later message, and what it must throw. */
  bad: { bytes: Uint8Array; code: string; offset: number };
}

const uwsgiVars = (n: number) =>
  [
    ["REQUEST_METHOD", "POST"],
    ["PATH_INFO", `/${n}`],
    ["CONTENT_LENGTH", String(n)],
  ] as const;
const uwsgiStream = concat([
  uwsgiBuild.request(uwsgiVars(3), "abc"),
  uwsgiBuild.request(uwsgiVars(0)),
  uwsgiBuild.request(uwsgiVars(5), "hello"),
]);

const scgiStream = concat([
  scgiBuild.request(
    [
      ["CONTENT_LENGTH", "3"],
      ["SCGI", "1"],
      ["PATH_INFO", "/a"],
    ],
    "abc",
  ),
  scgiBuild.request([
    ["CONTENT_LENGTH", "0"],
    ["SCGI", "1"],
  ]),
  scgiBuild.request(
    [
      ["CONTENT_LENGTH", "2"],
      ["SCGI", "1"],
    ],
    "hi",
  ),
]);

const httpRequests =
  "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
  "GET /b HTTP/1.1\r\nHost: x\r\n\r\n" +
  "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n3\r\nyou\r\n0\r\nT: 1\r\n\r\n" +
  "GET /d HTTP/1.1\r\nHost: x\r\n\r\n";

const httpResponses =
  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" +
  "HTTP/1.1 204 No Content\r\n\r\n" +
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n";

const { begin, record, pairs, end } = fcgiBuild;
const fcgiRequest = (id: number, body: string) =>
  concat([
    begin(id, 1, 1),
    record(fcgi.RecordType.PARAMS, id, pairs([["REQUEST_METHOD", "POST"]]), 3),
    record(fcgi.RecordType.PARAMS, id),
    ...(body ? [record(fcgi.RecordType.STDIN, id, body, 1)] : []),
    record(fcgi.RecordType.STDIN, id),
  ]);
const fcgiRequests = concat([fcgiRequest(1, "abc"), fcgiRequest(2, ""), fcgiRequest(1, "hello")]);
const fcgiResponse = (id: number, out: string) =>
  concat([
    record(fcgi.RecordType.STDOUT, id, out, 2),
    record(fcgi.RecordType.STDERR, id, "e"),
    record(fcgi.RecordType.STDOUT, id),
    end(id),
  ]);
const fcgiResponses = concat([fcgiResponse(1, "Status: 200\r\n\r\nok"), fcgiResponse(2, "x")]);

/** `bytes` with the byte at `at` replaced by `b`. */
const spoil = (bytes: Uint8Array, at: number, b: number) => {
  const out = bytes.slice();
  out[at] = b;
  return out;
};

const KINDS: Kind[] = [
  {
    name: "uwsgi RequestDecoder",
    make: (h) => new uwsgi.RequestDecoder(h as unknown as uwsgi.UwsgiRequestHandler),
    stream: uwsgiStream,
    bad: {
      // The third packet's body cut short: the error comes at end().
      bytes: concat([uwsgiStream.subarray(0, uwsgiStream.length - 5), ascii("he")]),
      code: uwsgi.UwsgiErrorCode.TruncatedBody,
      offset: uwsgiStream.length - 3,
    },
  },
  {
    name: "SCGI RequestDecoder",
    make: (h) => new scgi.RequestDecoder(h as unknown as scgi.ScgiRequestHandler),
    stream: scgiStream,
    bad: {
      bytes: spoil(scgiStream, scgiStream.length - 3, 0x2e), // the third netstring's comma
      code: scgi.ScgiErrorCode.MissingComma,
      offset: scgiStream.length - 3,
    },
  },
  {
    name: "HTTP RequestDecoder",
    make: (h) => new http.RequestDecoder(h as unknown as http.HttpRequestHandler),
    stream: ascii(httpRequests),
    bad: {
      bytes: ascii(httpRequests.replace("2\r\nhi", "g\r\nhi")),
      code: http.HttpErrorCode.BadChunk,
      offset: httpRequests.indexOf("2\r\nhi"),
    },
  },
  {
    name: "HTTP ResponseDecoder",
    make: (h) => new http.ResponseDecoder(h as unknown as http.HttpResponseHandler),
    stream: ascii(httpResponses),
    bad: {
      bytes: ascii(httpResponses.replace("2\r\nbc\r\n", "2\r\nbcX\n")),
      code: http.HttpErrorCode.BadChunk,
      offset: httpResponses.indexOf("2\r\nbc\r\n") + 5,
    },
  },
  {
    name: "FastCGI RequestDecoder",
    make: (h) => {
      const d = new fcgi.RequestDecoder({
        ...(h as unknown as fcgi.FcgiRequestHandler),
        onEnd: (id) => {
          d.completeRequest(id);
          h.onEnd!(id);
        },
      });
      return d;
    },
    stream: fcgiRequests,
    bad: {
      bytes: spoil(fcgiRequests, fcgiRequests.length - 8, 2), // the last record's version
      code: fcgi.FcgiErrorCode.BadVersion,
      offset: fcgiRequests.length - 8,
    },
  },
  {
    name: "FastCGI ResponseDecoder",
    make: (h) => {
      const d = new fcgi.ResponseDecoder(h as unknown as fcgi.FcgiResponseHandler);
      d.expect(1);
      d.expect(2);
      return d;
    },
    stream: fcgiResponses,
    bad: {
      bytes: spoil(fcgiResponses, fcgiResponses.length - 16 + 1, 0), // END_REQUEST's type
      code: fcgi.FcgiErrorCode.UnknownRecordType,
      offset: fcgiResponses.length - 16,
    },
  },
];

type Log = string[];

/** The distinct offsets of the events in `log` that `pauseAt` pauses at: where pushes stop. */
const stopsIn = (log: Log, pauseAt: (name: string) => boolean) =>
  new Set(log.filter((e) => pauseAt(e.split("@")[0]!)).map((e) => e.split(/[@:]/)[1])).size;

/** What a callback's arguments say, bytes copied (the caller's chunk is not ours to keep). */
function describeArgs(args: unknown[]): string {
  return args
    .map((a) => {
      if (a instanceof Uint8Array) return JSON.stringify(String.fromCharCode(...a));
      if (typeof a === "object" && a !== null && "env" in a)
        return `env(${(a as { env: Iterable<unknown> }).env})`;
      if (typeof a === "object" && a !== null && "headers" in a)
        return String((a as { status?: number }).status ?? (a as { method?: string }).method);
      return typeof a === "object" ? JSON.stringify(a) : String(a);
    })
    .join(",");
}

/**
 * Decodes `chunks`; `pauseAt(name)` says whether a handler pauses at that event. A push that
 * stops short is resumed and the rest pushed again, as a caller honouring the count does.
 * Checks each stop against the offset seen in the pausing callback.
 */
function decodeWithPauses(kind: Kind, chunks: readonly Uint8Array[], pauseAt: (name: string) => boolean) {
  const log: Log = [];
  let pausedAt = -1;
  let stops = 0;
  const handler: Record<string, (...args: unknown[]) => void> = {};
  for (const name of CALLBACKS) {
    handler[name] = (...args: unknown[]) => {
      log.push(`${name}@${decoder.offset}:${describeArgs(args)}`);
      if (pauseAt(name)) {
        decoder.pause();
        pausedAt = decoder.offset;
      }
    };
  }
  const decoder = kind.make(handler);
  let error: unknown;
  try {
    for (const chunk of chunks) {
      let taken = 0;
      for (;;) {
        const before = decoder.offset;
        pausedAt = -1;
        const n = decoder.push(taken === 0 ? chunk : chunk.subarray(taken));
        if (pausedAt >= 0) {
          expect(before + n, "push stops where offset stood in the pausing callback").toBe(pausedAt);
          expect(decoder.paused).toBe(true);
          stops++;
          // While paused, nothing is taken and nothing is heard.
          const events = log.length;
          expect(decoder.push(chunk.subarray(taken + n))).toBe(0);
          expect(log.length).toBe(events);
          decoder.resume();
        } else {
          expect(n, "without a pause, push takes the whole chunk").toBe(chunk.length - taken);
        }
        taken += n;
        if (taken === chunk.length) break;
      }
    }
    decoder.end();
  } catch (e) {
    error = e;
  }
  return { log, error, stops };
}

const codeAndOffset = (e: unknown) => {
  expect(e).toBeInstanceOf(ProtocolError);
  return [(e as ProtocolError).code, (e as ProtocolError).offset];
};

describe.each(KINDS)("$name: pause and resume", (kind) => {
  const plain = (chunks: readonly Uint8Array[]) => decodeWithPauses(kind, chunks, () => false);

  it("stops after each message, at every split, with the events of a decode that never paused", () => {
    for (const [how, chunks] of everySplit(kind.stream)) {
      const expected = plain(detached(chunks));
      expect(expected.error, how).toBeUndefined();
      const paused = decodeWithPauses(kind, detached(chunks), (name) => MESSAGE_END.has(name));
      expect(paused.error, how).toBeUndefined();
      expect(paused.log, how).toEqual(expected.log);
      expect(paused.stops, how).toBe(stopsIn(expected.log, (name) => MESSAGE_END.has(name)));
    }
  });

  it("stops after any event, at every split, with the same events", () => {
    for (const [how, chunks] of everySplit(kind.stream)) {
      const expected = plain(detached(chunks));
      const paused = decodeWithPauses(kind, detached(chunks), () => true);
      expect(paused.log, how).toEqual(expected.log);
      expect(paused.stops, how).toBe(stopsIn(expected.log, () => true));
      expect(paused.stops, how).toBeGreaterThan(expected.log.length / 2);
    }
  });

  it("stops a pipelined chunk after its first message, and gives the rest when pushed again", () => {
    const ends: number[] = [];
    const handler: Record<string, (...args: unknown[]) => void> = {};
    for (const name of CALLBACKS) {
      handler[name] = () => {
        if (!MESSAGE_END.has(name)) return;
        ends.push(decoder.offset);
        decoder.pause();
      };
    }
    const decoder = kind.make(handler);
    const chunk = kind.stream;
    const n = decoder.push(chunk);
    expect(ends).toHaveLength(1);
    expect(n).toBe(ends[0]);
    expect(n).toBeLessThan(chunk.length);
    // A pause called between pushes holds too.
    expect(decoder.push(chunk.subarray(n))).toBe(0);
    decoder.resume();
    let taken = n;
    while (taken < chunk.length) {
      decoder.resume();
      taken += decoder.push(chunk.subarray(taken));
    }
    expect(ends.length).toBeGreaterThanOrEqual(2);
    expect(ends[ends.length - 1]).toBe(chunk.length);
    decoder.end();
  });

  it("fails with the same code and offset when paused along the way, at every split", () => {
    const { bytes, code, offset } = kind.bad;
    for (const [how, chunks] of everySplit(bytes)) {
      const expected = plain(detached(chunks));
      expect(codeAndOffset(expected.error), how).toEqual([code, offset]);
      const paused = decodeWithPauses(kind, detached(chunks), () => true);
      expect(codeAndOffset(paused.error), how).toEqual([code, offset]);
      expect(paused.log, how).toEqual(expected.log);
    }
  });

  it("push returns the chunk's length to a caller that never pauses", () => {
    const noop: Record<string, () => void> = {};
    for (const name of CALLBACKS) noop[name] = () => {};
    const decoder = kind.make(noop);
    expect(decoder.push(kind.stream)).toBe(kind.stream.length);
    expect(decoder.push(new Uint8Array(0))).toBe(0);
    expect(decoder.paused).toBe(false);
  });
});
