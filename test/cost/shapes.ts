/**
 * The worst shapes a peer controls, for every decoder: as many tiny entries as it likes, one
 * long entry, many repeats of one name, unknown names, percent-encoding, one byte per push,
 * one-byte records and chunks, long chunk extensions, trailers: each made at a given size
 * and decoded, every value then read (as a server would: names and values as strings).
 */
import { CgiResponseDecoder, type Environ } from "@envwire/environ";
import {
  encodeBeginRequest,
  encodeGetValues,
  RequestDecoder as FcgiRequestDecoder,
  ResponseDecoder as FcgiResponseDecoder,
} from "@envwire/fastcgi-proto";
import {
  RequestDecoder as HttpRequestDecoder,
  ResponseDecoder as HttpResponseDecoder,
  requestToEnviron,
} from "@envwire/http-proto";
import { RequestDecoder as ScgiRequestDecoder } from "@envwire/scgi-proto";
import { RequestDecoder as UwsgiRequestDecoder } from "@envwire/uwsgi-proto";
import { ascii, concat } from "../support/chunks.js";

export interface Shape {
  name: string;
  /** The input of about `size` bytes, as the chunks a peer would send. */
  make(size: number): Uint8Array[];
  /** Decodes `chunks`, every value read; limits raised to let `size` through. */
  decode(chunks: readonly Uint8Array[]): void;
}

const bytes = (n: number) => Array.from({ length: n }, (_, i) => i);
export const oneByOne = (b: Uint8Array): Uint8Array[] => Array.from(b, (x) => Uint8Array.of(x));

/** Reads every name and value as a string, every value's bytes, and the Environ as an object. */
function readAll(env: Environ): void {
  let n = 0;
  for (const [name, value] of env) n += name.length + value.length;
  for (let i = 0; i < env.size; i++) n += env.bytesAt(i).length;
  n += Object.keys(env.toObject()).length;
  if (n < 0) throw new Error("unreachable");
}

// ---- uwsgi ----
function uwsgiPacket(vars: [string, string][]): Uint8Array {
  const parts: number[] = [];
  for (const [k, v] of vars)
    parts.push(k.length & 0xff, k.length >> 8, ...ascii(k), v.length & 0xff, v.length >> 8, ...ascii(v));
  return Uint8Array.from([0, parts.length & 0xff, parts.length >> 8, 0, ...parts]);
}
const uwsgiDecode = (chunks: readonly Uint8Array[]) => {
  const d = new UwsgiRequestDecoder({ onHead: ({ env }) => readAll(env) }, { maxVars: 1 << 20 });
  for (const c of chunks) d.push(c);
};

// ---- FastCGI ----
function fcgiRecord(type: number, id: number, content: Uint8Array): Uint8Array {
  return concat([
    Uint8Array.of(1, type, id >> 8, id & 0xff, content.length >> 8, content.length & 0xff, 0, 0),
    content,
  ]);
}
/** BEGIN_REQUEST, `params` in records of `recordSize` bytes, the empty PARAMS and STDIN. */
function fcgiRequest(params: Uint8Array, recordSize: number): Uint8Array {
  const parts = [encodeBeginRequest(1)];
  for (let i = 0; i < params.length; i += recordSize)
    parts.push(fcgiRecord(4, 1, params.subarray(i, i + recordSize)));
  parts.push(fcgiRecord(4, 1, new Uint8Array(0)), fcgiRecord(5, 1, new Uint8Array(0)));
  return concat(parts);
}
const fcgiDecode = (chunks: readonly Uint8Array[]) => {
  const d = new FcgiRequestDecoder(
    { onHead: ({ env }) => readAll(env), onReply() {} },
    { maxParamsSize: 1 << 24, maxParams: 1 << 20, maxPendingParamsSize: 1 << 24, maxPendingParams: 1 << 20 },
  );
  for (const c of chunks) d.push(c);
};

// ---- SCGI ----
function scgiRequest(entries: [string, string][]): Uint8Array {
  const block: number[] = [...ascii("CONTENT_LENGTH"), 0, 0x30, 0, ...ascii("SCGI"), 0, 0x31, 0];
  for (const [k, v] of entries) block.push(...ascii(k), 0, ...ascii(v), 0);
  return Uint8Array.from([...ascii(`${block.length}:`), ...block, 0x2c]);
}
const scgiDecode = (chunks: readonly Uint8Array[]) => {
  const d = new ScgiRequestDecoder(
    { onHead: ({ env }) => readAll(env) },
    { maxHeadersSize: 1 << 24, maxHeaders: 1 << 20 },
  );
  for (const c of chunks) d.push(c);
};

// ---- HTTP ----
const httpOptions = {
  maxHeadSize: 1 << 24,
  maxHeaders: 1 << 20,
  maxTrailerSize: 1 << 24,
  maxStartLineLength: 1 << 24,
};
const httpDecode = (chunks: readonly Uint8Array[]) => {
  const d = new HttpRequestDecoder(
    {
      onHead: (head) => readAll(requestToEnviron(head)),
      onTrailers: (t) => void [...t],
    },
    { ...httpOptions, maxChunkExtensionLength: 1 << 24 },
  );
  for (const c of chunks) d.push(c);
  d.end();
};
const head = (fields: string) => `POST /p HTTP/1.1\r\nHost: h\r\n${fields}\r\n`;
const fieldLines = (size: number, line: (i: number) => string) => {
  let out = "";
  for (let i = 0; out.length < size; i++) out += line(i);
  return out;
};

export const shapes: Shape[] = [
  {
    name: "uwsgi: tiny vars, whole",
    make: (size) => [uwsgiPacket(Array.from({ length: size / 4 }, () => ["", ""]))],
    decode: uwsgiDecode,
  },
  {
    name: "uwsgi: tiny vars, one byte a push",
    make: (size) => oneByOne(uwsgiPacket(Array.from({ length: size / 4 }, () => ["", ""]))),
    decode: uwsgiDecode,
  },
  {
    name: "uwsgi: one long var, one byte a push",
    make: (size) => oneByOne(uwsgiPacket([["HTTP_LONG", "v".repeat(Math.min(size, 65000))]])),
    decode: uwsgiDecode,
  },
  {
    name: "uwsgi: one name repeated",
    make: (size) => [uwsgiPacket(Array.from({ length: size / 12 }, (_, i) => ["HTTP_X", `${i % 10}`]))],
    decode: uwsgiDecode,
  },
  {
    name: "fastcgi: 2-byte pairs, whole",
    make: (size) => [fcgiRequest(new Uint8Array(size), 65528)],
    decode: fcgiDecode,
  },
  {
    name: "fastcgi: 2-byte pairs in one-byte records",
    make: (size) => [fcgiRequest(new Uint8Array(2 * Math.floor(size / 18)), 1)],
    decode: fcgiDecode,
  },
  {
    name: "fastcgi: one long pair, one byte a push",
    make: (size) =>
      oneByOne(
        fcgiRequest(
          concat([
            Uint8Array.of(1, 0x80, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff, 0x41),
            new Uint8Array(size),
          ]),
          65528,
        ),
      ),
    decode: fcgiDecode,
  },
  {
    name: "fastcgi: GET_VALUES of many names",
    make: (size) => [
      encodeGetValues(Array.from({ length: Math.min(size, 60000) / 16 }, (_, i) => `FCGI_NAME_${i % 9999}`)),
    ],
    decode: fcgiDecode,
  },
  {
    name: "fastcgi response: STDOUT in one-byte records, and tiny GET_VALUES_RESULT pairs",
    make: (size) => [
      concat([
        ...bytes(size / 18).map(() => fcgiRecord(6, 1, Uint8Array.of(0x41))),
        fcgiRecord(10, 0, new Uint8Array(Math.min(size / 2, 65534))),
        Uint8Array.of(1, 3, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      ]),
    ],
    decode: (chunks) => {
      const d = new FcgiResponseDecoder(
        { onStdout() {}, onGetValuesResult: (env) => readAll(env) },
        { maxValues: 1 << 20 },
      );
      d.expect(1);
      for (const c of chunks) d.push(c);
      d.end();
    },
  },
  {
    name: "scgi: tiny entries, whole",
    make: (size) => [scgiRequest(Array.from({ length: size / 3 }, () => ["A", ""]))],
    decode: scgiDecode,
  },
  {
    name: "scgi: tiny entries, one byte a push",
    make: (size) => oneByOne(scgiRequest(Array.from({ length: size / 3 }, () => ["A", ""]))),
    decode: scgiDecode,
  },
  {
    name: "scgi: one long entry, one byte a push",
    make: (size) => oneByOne(scgiRequest([["HTTP_LONG", "v".repeat(size)]])),
    decode: scgiDecode,
  },
  {
    name: "http: unknown names",
    make: (size) => [ascii(head(fieldLines(size, (i) => `X-Unknown-${i}: v\r\n`)))],
    decode: httpDecode,
  },
  {
    name: "http: long unknown names",
    make: (size) => [ascii(head(fieldLines(size, (i) => `X-${"n".repeat(90)}-${i}: v\r\n`)))],
    decode: httpDecode,
  },
  {
    name: "http: one name repeated",
    make: (size) => [ascii(head(fieldLines(size, (i) => `X-Same: ${i % 10}\r\n`)))],
    decode: httpDecode,
  },
  {
    name: "http: one long value, one byte a push",
    make: (size) => oneByOne(ascii(head(`X-Long: ${"v".repeat(size)}\r\n`))),
    decode: httpDecode,
  },
  {
    name: "http: a path all percent-escapes",
    make: (size) => [ascii(`GET /${"%41".repeat(size / 3)} HTTP/1.1\r\nHost: h\r\n\r\n`)],
    decode: httpDecode,
  },
  {
    name: "http: one-byte chunks with long extensions",
    make: (size) => [
      ascii(
        `${head("Transfer-Encoding: chunked\r\n")}${fieldLines(size, () => `1;${"e".repeat(60)}=v\r\nx\r\n`)}0\r\n\r\n`,
      ),
    ],
    decode: httpDecode,
  },
  {
    name: "http: trailers",
    make: (size) => [
      ascii(`${head("Transfer-Encoding: chunked\r\n")}0\r\n${fieldLines(size, (i) => `T-${i}: v\r\n`)}\r\n`),
    ],
    decode: httpDecode,
  },
  {
    name: "http response: one-byte chunks, one byte a push",
    make: (size) =>
      oneByOne(
        ascii(
          `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${"1\r\nx\r\n".repeat(size / 6)}0\r\n\r\n`,
        ),
      ),
    decode: (chunks) => {
      const d = new HttpResponseDecoder({ onHead() {}, onBody() {} }, httpOptions);
      for (const c of chunks) d.push(c);
      d.end();
    },
  },
  {
    name: "cgi response: tiny header lines, one byte a push",
    make: (size) => oneByOne(ascii(`${fieldLines(size, (i) => `X${i}: v\n`)}\n`)),
    decode: (chunks) => {
      const d = new CgiResponseDecoder(
        { onHead: (h) => void h.headers.length },
        { maxHeadSize: 1 << 24, maxHeaders: 1 << 20 },
      );
      for (const c of chunks) d.push(c);
      d.end();
    },
  },
];
