/**
 * Bounded memory, whatever shape a peer picks: under the default limits, what one decoder
 * holds after the worst inputs for it (the most tiny entries the limits allow, one long entry
 * pushed a byte at a time, lengths announced but not sent, messages never finished, many
 * requests on one connection) stays under the bound its README states, and what a value
 * string keeps alive under the bound Environ states. Each chunk is its own ArrayBuffer, as a
 * socket delivers them.
 */
import { CgiResponseDecoder, Environ } from "@envwire/environ";
import {
  RequestDecoder as FcgiRequestDecoder,
  ResponseDecoder as FcgiResponseDecoder,
} from "@envwire/fastcgi-proto";
import { RequestDecoder as HttpRequestDecoder, requestToEnviron } from "@envwire/http-proto";
import { encodeRequest as encodeScgi, RequestDecoder as ScgiRequestDecoder } from "@envwire/scgi-proto";
import { RequestDecoder as UwsgiRequestDecoder } from "@envwire/uwsgi-proto";
import { describe, expect, it } from "vitest";
import { ascii, concat } from "../support/chunks.js";
import { retained } from "./measure.js";
import { oneByOne } from "./shapes.js";

const KiB = 1024;

/** Pushes each chunk (a copy: its own ArrayBuffer) until the decoder throws, as a server would. */
function pushAll<D extends { push(c: Uint8Array): void }>(decoder: D, chunks: readonly Uint8Array[]): D {
  try {
    for (const c of chunks) decoder.push(c.slice());
  } catch {}
  return decoder;
}

/** Cuts `bytes` into pieces of 1 to 3 bytes. */
function smallPieces(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++, i += 1 + ((k - 1) % 3))
    out.push(bytes.subarray(i, i + 1 + (k % 3)));
  return out;
}

/** [what, bound in bytes, make]: a decoder (or what a caller keeps) after a hostile input. */
type Case = [string, number, () => unknown];

function uwsgiVars(count: number, value = "", finished = false): Uint8Array {
  const size = count * (4 + value.length);
  const datasize = finished ? size : size + 1;
  const out = new Uint8Array(4 + size);
  out.set([0, datasize & 0xff, datasize >> 8, 0]);
  for (let i = 0; i < count; i++) {
    const at = 4 + i * (4 + value.length);
    out.set([0, 0, value.length & 0xff, value.length >> 8], at);
    out.set(ascii(value), at + 4);
  }
  return out;
}

function fcgiParams(id: number, params: Uint8Array, recordSize: number): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(1, 1, id >> 8, id & 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)];
  for (let i = 0; i < params.length; i += recordSize) {
    const content = params.subarray(i, i + recordSize);
    parts.push(
      Uint8Array.of(1, 4, id >> 8, id & 0xff, content.length >> 8, content.length & 0xff, 0, 0),
      content,
    );
  }
  return concat(parts);
}

/** Bounds the READMEs state for one decoder's message in progress, and one FastCGI connection. */
const MESSAGE = 256 * KiB;
const FCGI_CONNECTION = 2 * 1024 * KiB;

const cases: Case[] = [
  [
    "uwsgi: 1024 empty vars (the most), unfinished, whole",
    MESSAGE,
    () => pushAll(new UwsgiRequestDecoder({ onHead() {} }), [uwsgiVars(1024)]),
  ],
  [
    "uwsgi: 1024 empty vars, unfinished, 1-3 bytes a push",
    MESSAGE,
    () => pushAll(new UwsgiRequestDecoder({ onHead() {} }), smallPieces(uwsgiVars(1024))),
  ],
  [
    "uwsgi: 1024 vars of 60 bytes, unfinished, 1-3 bytes a push",
    MESSAGE,
    () => pushAll(new UwsgiRequestDecoder({ onHead() {} }), smallPieces(uwsgiVars(1024, "v".repeat(59)))),
  ],
  [
    "uwsgi: one 65000-byte var, unfinished, a byte a push",
    MESSAGE,
    () =>
      pushAll(
        new UwsgiRequestDecoder({ onHead() {} }),
        oneByOne(concat([Uint8Array.of(0, 0xff, 0xff, 0, 0, 0, 0xe8, 0xfd), new Uint8Array(64000)])),
      ),
  ],
  [
    "uwsgi: failed at the 1025th of 16383 empty vars, in one chunk (it keeps nothing)",
    16 * KiB,
    () => pushAll(new UwsgiRequestDecoder({ onHead() {} }), [uwsgiVars(16383)]),
  ],
  [
    "uwsgi: a key size of 65000 announced, one byte sent",
    16 * KiB,
    () =>
      pushAll(new UwsgiRequestDecoder({ onHead() {} }), [Uint8Array.of(0, 0xff, 0xff, 0, 0xe8, 0xfd, 0x41)]),
  ],
  [
    "uwsgi: a raw packet of 65535 announced, one byte sent",
    16 * KiB,
    () =>
      pushAll(new UwsgiRequestDecoder({ onHead() {}, onPacket() {} }), [
        Uint8Array.of(10, 0xff, 0xff, 0, 0x41),
      ]),
  ],
  [
    "fastcgi: 1024 2-byte pairs (the most), unfinished, each cut by a record",
    MESSAGE,
    () => pushAll(new FcgiRequestDecoder({ onHead() {} }), [fcgiParams(1, new Uint8Array(2048), 1)]),
  ],
  [
    "fastcgi: failed at the 1025th of 128 KiB of 2-byte pairs, in one chunk (it keeps nothing)",
    16 * KiB,
    () => pushAll(new FcgiRequestDecoder({ onHead() {} }), [fcgiParams(1, new Uint8Array(128 * KiB), 65528)]),
  ],
  [
    "fastcgi: 64 requests of 64 2-byte pairs, unfinished, cut",
    FCGI_CONNECTION,
    () =>
      pushAll(
        new FcgiRequestDecoder({ onHead() {} }),
        Array.from({ length: 64 }, (_, i) => fcgiParams(i + 1, new Uint8Array(128), 1)),
      ),
  ],
  [
    "fastcgi: 64 requests of one 8 KiB pair (the connection's bytes), unfinished, 1-3 bytes a push",
    FCGI_CONNECTION,
    () =>
      pushAll(
        new FcgiRequestDecoder({ onHead() {} }),
        Array.from({ length: 64 }, (_, i) =>
          smallPieces(
            fcgiParams(
              i + 1,
              concat([Uint8Array.of(1, 0x80, 0, 0x20, 0, 0x41), new Uint8Array(8000)]),
              65528,
            ),
          ),
        ).flat(),
      ),
  ],
  [
    "fastcgi: GET_VALUES of 65535 announced, one byte sent",
    16 * KiB,
    () =>
      pushAll(new FcgiRequestDecoder({ onHead() {}, onReply() {} }), [
        Uint8Array.of(1, 9, 0, 0, 0xff, 0xff, 0, 0, 0x41),
      ]),
  ],
  [
    "fastcgi: GET_VALUES_RESULT of 65535 announced, one byte sent",
    16 * KiB,
    () => pushAll(new FcgiResponseDecoder({}), [Uint8Array.of(1, 10, 0, 0, 0xff, 0xff, 0, 0, 0x41)]),
  ],
  [
    "scgi: 1022 tiny entries (the most), unfinished, 1-3 bytes a push",
    MESSAGE,
    () => {
      const entries: [string, string][] = [
        ["CONTENT_LENGTH", "0"],
        ["SCGI", "1"],
      ];
      while (entries.length < 1024) entries.push(["A", ""]);
      return pushAll(
        new ScgiRequestDecoder({ onHead() {} }),
        smallPieces(encodeScgi(new Environ(entries)).subarray(0, -2)),
      );
    },
  ],
  [
    "scgi: one 60000-byte entry, unfinished, a byte a push",
    MESSAGE,
    () =>
      pushAll(
        new ScgiRequestDecoder({ onHead() {} }),
        oneByOne(ascii(`61000:CONTENT_LENGTH\u00000\u0000X\u0000${"v".repeat(60000)}`)),
      ),
  ],
  [
    "http: a 16 KiB head of 100 new names, unfinished, 1-3 bytes a push",
    MESSAGE,
    () =>
      pushAll(
        new HttpRequestDecoder({ onHead() {} }),
        smallPieces(
          ascii(
            `GET / HTTP/1.1\r\nHost: h\r\n${Array.from({ length: 99 }, (_, i) => `X-New-Name-${i}-${"n".repeat(40)}: ${"v".repeat(100)}\r\n`).join("")}`,
          ),
        ),
      ),
  ],
  [
    "cgi response: a 64 KiB head of 256 fields, unfinished, 1-3 bytes a push",
    MESSAGE,
    () =>
      pushAll(
        new CgiResponseDecoder({ onHead() {} }),
        smallPieces(ascii(Array.from({ length: 255 }, (_, i) => `X-F${i}: ${"v".repeat(240)}\r\n`).join(""))),
      ),
  ],
];

describe("memory one decoder holds, under the default limits", () => {
  for (const [what, bound, make] of cases) {
    it(`${what}: under ${bound / KiB} KiB`, () => {
      // (More copies of the small ones: the noise is divided among them.)
      const bytes = retained(make, bound < 64 * KiB ? 32 : 4);
      expect(bytes, `${Math.round(bytes / KiB)} KiB`).toBeLessThan(bound);
    });
  }
});

describe("what a value string keeps alive", () => {
  it("at most a few KiB of the text it was sliced from, from a 64 KiB packet or a 16 KiB head", () => {
    const big = `HTTP_X_BIG\u0000${"v".repeat(60000)}`;
    const uwsgi = () => {
      let value: string | undefined;
      const vars: [string, string][] = [
        ["HTTP_X_SMALL", "thirteen-char"],
        ["HTTP_X_BIG", big],
      ];
      const size = vars.reduce((n, [k, v]) => n + 4 + k.length + v.length, 0);
      const packet = concat([
        Uint8Array.of(0, size & 0xff, size >> 8, 0),
        ...vars.map(([k, v]) =>
          concat([
            Uint8Array.of(k.length, 0),
            ascii(k),
            Uint8Array.of(v.length & 0xff, v.length >> 8),
            ascii(v),
          ]),
        ),
      ]);
      new UwsgiRequestDecoder({
        onHead({ env }) {
          env.get("HTTP_X_BIG");
          value = env.get("HTTP_X_SMALL");
        },
      }).push(packet);
      return value;
    };
    const http = () => {
      let value: string | undefined;
      new HttpRequestDecoder({
        onHead(head) {
          const env = requestToEnviron(head);
          env.get("HTTP_X_BIG");
          value = env.get("HTTP_X_SMALL");
        },
      }).push(
        ascii(`GET / HTTP/1.1\r\nHost: h\r\nX-Small: fourteen-chars\r\nX-Big: ${"v".repeat(16000)}\r\n\r\n`),
      );
      return value;
    };
    for (const [name, make] of [
      ["uwsgi", uwsgi],
      ["http", http],
    ] as const) {
      const bytes = retained(make, 32);
      expect(bytes, `${name}: ${Math.round(bytes)} bytes`).toBeLessThan(5 * KiB);
    }
  });
});
