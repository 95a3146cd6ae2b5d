// Pipelined fixtures for every decoder (three or more messages in one stream, and the same
// with a fault in a later one), for the pause and stream adapter tests.
import type { DecoderFactory, StreamableDecoder } from "@envwire/environ";
import * as fcgi from "@envwire/fastcgi-proto";
import * as http from "@envwire/http-proto";
import * as scgi from "@envwire/scgi-proto";
import * as uwsgi from "@envwire/uwsgi-proto";
import * as fcgiBuild from "../../packages/fastcgi-proto/test/builder.js";
import * as scgiBuild from "../../packages/scgi-proto/test/builder.js";
import * as uwsgiBuild from "../../packages/uwsgi-proto/test/builder.js";
import { ascii, concat } from "./chunks.js";

export interface Decoder {
  push(chunk: Uint8Array): number;
  end(): void;
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  readonly offset: number;
}

/** Every callback any decoder has: each is noted as `name@offset`, with a copy of its bytes. */
export const CALLBACKS = [
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
export const MESSAGE_END = new Set(["onEnd", "onEndRequest"]);

export interface Kind {
  name: string;
  make(handler: Record<string, (...args: unknown[]) => void>): Decoder;
  /** The package's event factory, set up as make() sets the decoder up. */
  events: DecoderFactory<{ type: string }, StreamableDecoder>;
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

export const KINDS: Kind[] = [
  {
    name: "uwsgi RequestDecoder",
    make: (h) => new uwsgi.RequestDecoder(h as unknown as uwsgi.UwsgiRequestHandler),
    events: uwsgi.requestEvents(),
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
    events: scgi.requestEvents(),
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
    events: http.requestEvents(),
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
    events: http.responseEvents(),
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
    events: (emit) => {
      // (A peer reuses an id only after END_REQUEST: here it is sent at once.)
      const d = fcgi.requestEvents()((e) => {
        emit(e);
        if (e.type === "end") d.completeRequest(e.requestId);
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
    events: (emit) => {
      const d = fcgi.responseEvents()(emit);
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

/** What a callback's arguments say, bytes copied (the caller's chunk is not ours to keep). */
export function describeArgs(args: unknown[]): string {
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
