// What a hostile peer can make one decoder hold, and what reading the result costs, at the
// sizes the default limits allow: `pnpm bench:hostile` (or `node --expose-gc hostile.mjs
// [filter]`). Memory is what stays reachable after a full collection while the decoder (and,
// where a caller would, what it handed over) is kept; each pushed chunk is its own
// ArrayBuffer, as a socket delivers them. Times are per input byte, decode and every value
// read, at 8 KiB and at the limit: linear code keeps them level.
import { CgiResponseDecoder, Environ } from "@envwire/environ";
import {
  RequestDecoder as FcgiRequestDecoder,
  ResponseDecoder as FcgiResponseDecoder,
} from "@envwire/fastcgi-proto";
import { RequestDecoder as HttpRequestDecoder, requestToEnviron } from "@envwire/http-proto";
import { encodeRequest as encodeScgi, RequestDecoder as ScgiRequestDecoder } from "@envwire/scgi-proto";
import { RequestDecoder as UwsgiRequestDecoder } from "@envwire/uwsgi-proto";
import { settledBytesInUse } from "../test/support/heap.mjs";
import { concat } from "./fixtures.mjs";

const filter = process.argv[2] ? new RegExp(process.argv[2]) : undefined;
const held = [];

const used = () => settledBytesInUse(globalThis.gc);

/** Pushes every piece, as a server would, until the decoder throws (then it has failed). */
function pushAll(decoder, pieces) {
  try {
    for (const piece of pieces) decoder.push(piece);
  } catch {}
  return decoder;
}

/**
 * Bytes that stay reachable once `make()` has run, while what it returns is kept: the mean over
 * several makes (COPIES, fewer for large ones), as one measure of the heap is noisy.
 */
function retained(make, copies = COPIES) {
  make(); // (anything made once, lazily, on a first run is not what is measured)
  const before = used();
  for (let i = 0; i < copies; i++) held.push(make());
  const after = used();
  held.length = 0;
  return (after - before) / copies;
}
const COPIES = Number(process.env.COPIES ?? 20);

const KiB = 1024;
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
const rows = [];
function report(name, input, bytes, note = "") {
  rows.push([name, input, bytes]);
  console.log(
    `${name}: ${mb(bytes)} held from ${input} bytes (${(bytes / input).toFixed(1)}x)${note ? ` ${note}` : ""}`,
  );
}

/** Cuts `bytes` into pieces of 1 to 3 bytes, each its own ArrayBuffer. */
function smallPieces(bytes) {
  const out = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = 1 + (k % 3);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

function readAll(env) {
  let n = 0;
  for (let i = 0; i < env.size; i++) n += env.nameAt(i).length + env.valueAt(i).length;
  return n;
}

// ---- uwsgi ----
function uwsgiEmptyVars(size, finished) {
  // A request packet whose vars are `size` bytes of empty keys and values (4 bytes each).
  const datasize = finished ? size : size + 1;
  const out = new Uint8Array(4 + size);
  out.set([0, datasize & 0xff, datasize >> 8, 0]);
  return out;
}

const scenarios = {
  "uwsgi: empty vars, unfinished"() {
    // 64 KiB of them, and as many as the default limits take (1024 vars: 4 KiB), whole and in 1-3 byte pushes.
    for (const size of [65532, 4096]) {
      const packet = uwsgiEmptyVars(size, false);
      for (const small of [false, true]) {
        report(
          `uwsgi ${size} bytes of empty vars${small ? ", 1-3 bytes a push" : ", whole"}, unfinished`,
          packet.length,
          retained(() =>
            pushAll(new UwsgiRequestDecoder({ onHead() {} }), small ? smallPieces(packet) : [packet.slice()]),
          ),
        );
      }
    }
  },
  "uwsgi: 60 KB of empty vars then an overrun"() {
    const packet = uwsgiEmptyVars(65532, true);
    packet[4 + 61440] = 0xff; // a key size past the block
    report(
      "uwsgi empty vars, failed after 60 KB",
      packet.length,
      retained(() =>
        pushAll(new UwsgiRequestDecoder({ onHead() {} }, { maxVars: 1 << 20 }), smallPieces(packet)),
      ),
    );
  },
  "uwsgi: a key size of 65000 and one key byte"() {
    report(
      "uwsgi key size 65000, 1 key byte",
      7,
      retained(() => {
        const d = new UwsgiRequestDecoder({ onHead() {} });
        d.push(Uint8Array.from([0, 0xff, 0xff, 0, 0xe8, 0xfd, 0x41]));
        return d;
      }),
    );
  },
  "uwsgi: a raw packet of 65535 announced, one byte sent"() {
    report(
      "uwsgi raw packet, 65535 announced, 1 byte",
      5,
      retained(() => {
        const d = new UwsgiRequestDecoder({ onHead() {}, onPacket() {} });
        d.push(Uint8Array.from([10, 0xff, 0xff, 0, 0x41]));
        return d;
      }),
    );
  },
  "uwsgi: a value string kept from a 64 KiB packet"() {
    const vars = [
      ["HTTP_X_SMALL", "thirteen-char"],
      ["HTTP_X_BIG", "v".repeat(65000)],
    ];
    const size = vars.reduce((n, [k, v]) => n + 4 + k.length + v.length, 0);
    const packet = new Uint8Array(4 + size);
    packet.set([0, size & 0xff, size >> 8, 0]);
    let at = 4;
    for (const [k, v] of vars) {
      packet.set([k.length & 0xff, k.length >> 8], at);
      packet.set(Buffer.from(k, "latin1"), at + 2);
      at += 2 + k.length;
      packet.set([v.length & 0xff, v.length >> 8], at);
      packet.set(Buffer.from(v, "latin1"), at + 2);
      at += 2 + v.length;
    }
    for (const detach of [false, true]) {
      report(
        `uwsgi: one 13-char value string kept${detach ? ", after detach()" : ""}`,
        13,
        retained(() => {
          let value;
          new UwsgiRequestDecoder({
            onHead({ env }) {
              env.get("HTTP_X_BIG");
              if (detach) env.detach();
              value = env.get("HTTP_X_SMALL");
            },
          }).push(packet.slice());
          return value;
        }),
      );
    }
  },

  // ---- FastCGI ----
  "fastcgi: 2-byte pairs, unfinished"() {
    // 128 KiB of them (64 Ki pairs), and as many as the default limits take (1024: 2 KiB), whole and each cut by a record.
    for (const size of [128 * KiB, 2 * KiB]) {
      for (const cut of [false, true]) {
        const wire = fcgiRequestWire(1, new Uint8Array(size), cut, false);
        report(
          `fastcgi ${size} bytes of 2-byte pairs${cut ? ", each cut by a record" : ", whole"}, unfinished`,
          wire.length,
          retained(() => pushAll(new FcgiRequestDecoder({ onHead() {} }), [wire.slice()])),
          `(${size} bytes of params)`,
        );
      }
    }
  },
  "fastcgi: 64 requests of 2-byte pairs, cut, on one connection"() {
    // 64 requests of 128 KiB of pairs each, and of 64 pairs each (4096 in all: the connection's default limit).
    for (const size of [128 * KiB, 128]) {
      const wires = Array.from({ length: 64 }, (_, i) =>
        fcgiRequestWire(i + 1, new Uint8Array(size), true, false),
      );
      const total = wires.reduce((n, w) => n + w.length, 0);
      report(
        `fastcgi 64 requests of ${size} bytes of 2-byte pairs, cut, unfinished`,
        total,
        retained(
          () =>
            pushAll(
              new FcgiRequestDecoder({ onHead() {} }),
              wires.map((w) => w.slice()),
            ),
          size > KiB ? 1 : COPIES,
        ),
      );
    }
  },
  "fastcgi: GET_VALUES announcing 65535 bytes, one sent"() {
    const header = Uint8Array.from([1, 9, 0, 0, 0xff, 0xff, 0, 0, 0x41]);
    report(
      "fastcgi GET_VALUES, 65535 announced, 1 byte",
      9,
      retained(() => {
        const d = new FcgiRequestDecoder({ onHead() {}, onReply() {} }, { maxParamsSize: 100 });
        d.push(header.slice());
        return d;
      }),
    );
    const result = Uint8Array.from([1, 10, 0, 0, 0xff, 0xff, 0, 0, 0x41]);
    report(
      "fastcgi GET_VALUES_RESULT, 65535 announced, 1 byte",
      9,
      retained(() => {
        const d = new FcgiResponseDecoder({}, { maxValuesSize: 100 });
        d.push(result.slice());
        return d;
      }),
    );
  },
  "fastcgi: 65535 requests completed"() {
    const one = (id) => [...fcgiBegin(id), ...fcgiRecord(4, id, []), ...fcgiRecord(5, id, [])];
    const parts = [];
    for (let id = 1; id <= 65535; id++) parts.push(...one(id));
    const wire = Uint8Array.from(parts);
    report(
      "fastcgi 65535 ids begun and completed",
      wire.length,
      retained(() => {
        const d = new FcgiRequestDecoder({ onHead() {}, onEnd: (id) => d.completeRequest(id) });
        d.push(wire.slice());
        return d;
      }, 2),
    );
  },

  // ---- HTTP ----
  "http: a 16 KiB head of new names, mapped and its names read"() {
    const fields = [];
    for (let i = 0; fields.join("").length < 15 * KiB; i++)
      fields.push(`X-Unknown-Field-${Date.now()}-${i}: v\r\n`);
    const head = Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\n${fields.join("")}\r\n`, "latin1");
    report(
      "http 16 KiB head of new names, Environ's names read",
      head.length,
      retained(() => {
        let env;
        new HttpRequestDecoder({ onHead: (h) => (env = requestToEnviron(h)) }, { maxHeaders: 2000 }).push(
          Uint8Array.from(head),
        );
        readAll(env);
        return env;
      }),
    );
  },
  "http: a value string kept from a 16 KiB head"() {
    const head = Buffer.from(
      `GET / HTTP/1.1\r\nHost: h\r\nX-Small: thirteen-chars\r\nX-Big: ${"v".repeat(16000)}\r\n\r\n`,
      "latin1",
    );
    report(
      "http: one 14-char value string kept",
      14,
      retained(() => {
        let value;
        new HttpRequestDecoder({
          onHead(h) {
            const env = requestToEnviron(h);
            env.get("HTTP_X_BIG");
            value = env.get("HTTP_X_SMALL");
          },
        }).push(Uint8Array.from(head));
        return value;
      }),
    );
  },

  // ---- CGI response ----
  "cgi: a head of 250 fields, then the body"() {
    const fields = Array.from({ length: 250 }, (_, i) => `X-F${i}: ${"v".repeat(200)}\r\n`).join("");
    const head = Buffer.from(`Status: 200 OK\r\n${fields}\r\n`, "latin1");
    report(
      "cgi response: decoder kept after a 50 KB head",
      head.length,
      retained(() => {
        const d = new CgiResponseDecoder({ onHead() {} });
        for (const piece of smallPieces(Uint8Array.from(head)).slice(0)) d.push(piece);
        return d;
      }),
    );
  },

  // ---- SCGI ----
  "scgi: tiny entries, unfinished"() {
    // 64 KiB of them, and as many as the default limits take (1024), whole and in 1-3 byte pushes.
    for (const count of [16250, 1022]) {
      const entries = [
        ["CONTENT_LENGTH", "0"],
        ["SCGI", "1"],
      ];
      while (entries.length < count + 2) entries.push(["A", ""]);
      const wire = encodeScgi(new Environ(entries)).slice(0, -2);
      for (const small of [false, true]) {
        report(
          `scgi ${wire.length} bytes of tiny entries${small ? ", 1-3 bytes a push" : ", whole"}, unfinished`,
          wire.length,
          retained(() =>
            pushAll(new ScgiRequestDecoder({ onHead() {} }), small ? smallPieces(wire) : [wire.slice()]),
          ),
        );
      }
    }
  },

  // ---- Time: reading every value ----
  "time: fastcgi 2-byte pairs cut, every value read"() {
    for (const size of [8 * KiB, 32 * KiB, 128 * KiB]) {
      const wire = fcgiRequestWire(1, new Uint8Array(size), true, true);
      const ms = time(() => {
        new FcgiRequestDecoder(
          { onHead: ({ env }) => readAll(env) },
          { maxParams: 1 << 20, maxPendingParams: 1 << 20 },
        ).push(wire);
      });
      console.log(
        `fastcgi 2-byte pairs cut, ${size} bytes: ${ms.toFixed(1)} ms, ${((ms * 1e6) / size).toFixed(0)} ns a byte`,
      );
    }
  },
  "time: uwsgi empty vars 1 byte a push, every value read"() {
    for (const size of [16 * KiB, 64 * KiB - 4]) {
      const pieces = Array.from(uwsgiEmptyVars(size, true), (b) => Uint8Array.of(b));
      const ms = time(() => {
        const d = new UwsgiRequestDecoder({ onHead: ({ env }) => readAll(env) }, { maxVars: 1 << 20 });
        for (const p of pieces) d.push(p);
      });
      console.log(
        `uwsgi empty vars 1 byte a push, ${size} bytes: ${ms.toFixed(1)} ms, ${((ms * 1e6) / size).toFixed(0)} ns a byte`,
      );
    }
  },
  "time: http decode + Environ, with a neighbour sending new names"() {
    const normal = Buffer.from(
      "GET /a?b=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: x\r\nAccept: */*\r\nAccept-Language: en\r\nAccept-Encoding: gzip\r\nCookie: a=1\r\n\r\n",
      "latin1",
    );
    let k = 0;
    const noisy = () =>
      Buffer.from(
        `GET / HTTP/1.1\r\nHost: h\r\n${Array.from({ length: 99 }, () => `X-N${k++}: 1\r\n`).join("")}\r\n`,
        "latin1",
      );
    const quiet = new HttpRequestDecoder({ onHead: (h) => readAll(requestToEnviron(h)) });
    const other = new HttpRequestDecoder({ onHead: (h) => requestToEnviron(h) });
    for (const neighbour of [false, true]) {
      const n = 20000;
      const noise = neighbour ? Array.from({ length: n }, noisy) : [];
      const t0 = performance.now();
      let spent = 0;
      for (let i = 0; i < n; i++) {
        if (neighbour) other.push(noise[i]);
        const t = performance.now();
        quiet.push(normal);
        spent += performance.now() - t;
      }
      void t0;
      console.log(
        `http decode + Environ read ${neighbour ? "with" : "without"} a neighbour sending 99 new names a request: ${((spent * 1e3) / n).toFixed(2)} µs`,
      );
    }
  },
};

function time(f) {
  f();
  const t = performance.now();
  f();
  return performance.now() - t;
}

// FastCGI bytes, built here so this file needs nothing but the packages.
function fcgiRecord(type, id, content) {
  return [1, type, id >> 8, id & 0xff, content.length >> 8, content.length & 0xff, 0, 0, ...content];
}
function fcgiBegin(id) {
  return fcgiRecord(1, id, [0, 1, 0, 0, 0, 0, 0, 0]);
}
/** BEGIN_REQUEST and `params` as PARAMS: in records of 65528 bytes, or (cut) of 1 byte each; `finished` adds the end. */
function fcgiRequestWire(id, params, cut, finished) {
  const size = cut ? 1 : 65528;
  const parts = [Uint8Array.from(fcgiBegin(id))];
  for (let i = 0; i < params.length; i += size) {
    const content = params.subarray(i, i + size);
    const header = Uint8Array.from(fcgiRecord(4, id, []));
    header[4] = content.length >> 8;
    header[5] = content.length & 0xff;
    parts.push(header, content);
  }
  if (finished) parts.push(Uint8Array.from(fcgiRecord(4, id, [])), Uint8Array.from(fcgiRecord(5, id, [])));
  return concat(parts);
}

for (const [name, run] of Object.entries(scenarios)) if (!filter || filter.test(name)) run();
