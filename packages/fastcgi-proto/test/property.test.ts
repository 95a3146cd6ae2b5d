import { Environ, ProtocolError } from "@envwire/environ";
import { sourceByteLength } from "@envwire/environ/codec";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { concat, cutsFor, splitAt } from "../../../test/support/chunks.js";
import {
  encodeBeginRequest,
  encodeEndRequest,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  RecordType,
  RequestDecoder,
  ResponseDecoder,
} from "../src/index.js";
import { PAIRS_LAYOUT } from "../src/name-value.js";
import { begin, pairs, record, stream } from "./builder.js";
import { decodeRequests, decodeResponses } from "./recorder.js";

// Lengths around every boundary the format has: 1-byte vs 4-byte lengths (127/128) and the
// record size (values over 65535 must span records).
const length = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 3, arbitrary: fc.integer({ min: 125, max: 130 }) },
  { weight: 1, arbitrary: fc.constantFrom(300, 65_535, 70_000) },
);
const bytesOfLength = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const latin1OfLength = (n: number) =>
  fc.string({
    unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
    minLength: n,
    maxLength: n,
  });
const entry = fc.tuple(length.filter((n) => n < 1000).chain(latin1OfLength), length.chain(bytesOfLength));
const envArb = fc.array(entry, { maxLength: 8 }).map((entries) => new Environ(entries));
const options = { maxParamsSize: 1 << 20 };

test.prop([envArb, fc.boolean(), fc.nat()], { numRuns: 60 })(
  "Environ → PARAMS → Environ, under any split",
  (env, pad, seed) => {
    const bytes = concat([
      encodeBeginRequest(1),
      encodeParams(1, env, { pad }),
      encodeStreamEnd(RecordType.STDIN, 1),
    ]);
    const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
    const { decoder, byId } = decodeRequests(splitAt(bytes, cuts), options, false);
    decoder.end();
    const head = byId.get(1)![1]!;
    expect(head.type === "head" && new Environ(head.vars).equals(env)).toBe(true);
  },
);

test.prop([envArb, fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 6 }), fc.nat()], { numRuns: 60 })(
  "pairs split across records anywhere (the spec allows it) decode the same",
  (env, recordSizes, seed) => {
    const bytes = concat([
      begin(1),
      stream(4, 1, pairs([...env].map(([k], i) => [k, env.bytesAt(i)])), recordSizes),
      stream(5, 1, new Uint8Array(0)),
    ]);
    const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
    const head = decodeRequests(splitAt(bytes, cuts), options).byId.get(1)![1]!;
    expect(head.type === "head" && new Environ(head.vars).equals(env)).toBe(true);
  },
);

// A length as a peer may write it: in one byte (below 128 only) or in four, whatever it is.
const lengthField = (n: number, long: boolean) =>
  long || n >= 128 ? [0x80 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff] : [n];
const latin1Bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** An entry whose pair fits one record whatever its length forms, with seven others. */
const shortEntry = fc.tuple(
  length.filter((n) => n < 1000).chain(latin1OfLength),
  length.filter((n) => n < 1000).chain(bytesOfLength),
);

test.prop([fc.array(fc.tuple(shortEntry, fc.boolean(), fc.boolean()), { maxLength: 8 }), fc.nat()], {
  numRuns: 60,
})(
  "pairs with lengths in any mix of forms: read as written, as views, whole for re-encoding only when all are short",
  (list, seed) => {
    const content = concat(
      list.map(([[name, value], longName, longValue]) =>
        concat([
          Uint8Array.from([...lengthField(name.length, longName), ...lengthField(value.length, longValue)]),
          latin1Bytes(name),
          value,
        ]),
      ),
    );
    const bytes = concat([begin(1), stream(4, 1, content), record(5, 1)]);
    const expected = new Environ(list.map(([e]) => e));
    let env: Environ | undefined;
    new RequestDecoder({ onHead: (h) => (env = h.env) }, options).push(bytes);
    expect(env!.equals(expected)).toBe(true);
    for (let i = 0; i < env!.size; i++) expect(env!.bytesAt(i).buffer).toBe(bytes.buffer);
    const short = list.every(([[name, value], longName, longValue]) => {
      return !(longName && name.length < 128) && !(longValue && value.length < 128);
    });
    expect(sourceByteLength(env!, PAIRS_LAYOUT)).toBe(short && content.length > 0 ? content.length : -1);
    const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
    const head = decodeRequests(splitAt(bytes, cuts), options).byId.get(1)![1]!;
    expect(head.type === "head" && new Environ(head.vars).equals(expected)).toBe(true);
  },
);

/** A request as a list of records, in its own order. */
const requestRecords = (id: number) =>
  fc
    .record({
      vars: fc.array(fc.tuple(latin1OfLength(3), fc.uint8Array({ maxLength: 20 })), { maxLength: 4 }),
      paramsCuts: fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 3 }),
      stdin: fc.array(fc.uint8Array({ minLength: 1, maxLength: 20 }), { maxLength: 3 }),
      abort: fc.boolean(),
    })
    .map(({ vars, paramsCuts, stdin, abort }) => {
      const content = pairs(vars);
      const records: Uint8Array[] = [begin(id, 1, 1)];
      let at = 0;
      for (const size of [...paramsCuts, content.length]) {
        if (at >= content.length) break;
        records.push(record(4, id, content.subarray(at, at + size)));
        at += size;
      }
      records.push(record(4, id));
      for (const piece of stdin) records.push(record(5, id, piece));
      records.push(record(5, id));
      if (abort) records.push(record(2, id));
      return records;
    });

test.prop([
  fc
    .integer({ min: 1, max: 4 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => requestRecords(i + 1)))),
  fc.array(fc.nat(), { maxLength: 60 }),
  fc.nat(),
])(
  "interleaved requests decode to the same per-request events as sent one after the other",
  (requests, picks, seed) => {
    const sequential = concat(requests.flat());
    // Interleave: repeatedly take the next record of a request chosen by `picks`.
    const queues = requests.map((r) => [...r]);
    const mixed: Uint8Array[] = [];
    let k = 0;
    while (queues.some((q) => q.length > 0)) {
      const live = queues.filter((q) => q.length > 0);
      mixed.push(live[(picks[k++] ?? 0) % live.length]!.shift()!);
    }
    const bytes = concat(mixed);
    const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
    expect(decodeRequests(splitAt(bytes, cuts)).byId).toEqual(decodeRequests([sequential]).byId);
  },
);

test.prop([fc.array(fc.uint8Array({ maxLength: 70_000 }), { maxLength: 3 }), fc.boolean(), fc.nat()], {
  numRuns: 40,
})("STDOUT framed by encodeStream comes back whole, under any split", (pieces, pad, seed) => {
  const bytes = concat([
    ...pieces.flatMap((p) => encodeStream(RecordType.STDOUT, 1, p, { pad })),
    encodeStreamEnd(RecordType.STDOUT, 1),
    encodeEndRequest(1),
  ]);
  const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
  const events = decodeResponses(splitAt(bytes, cuts)).byId.get(1)!;
  const total = concat(pieces);
  expect(events).toEqual([
    ...(total.length > 0 ? [{ type: "stdout", bytes: total }] : []),
    { type: "stdout-end" },
    { type: "end", appStatus: 0, protocolStatus: 0 },
  ]);
});

// Any bytes at all: noise, and valid streams with a few bytes changed. Both decoders either
// decode them or throw ProtocolError; never anything else.
const valid = fc.tuple(requestRecords(1), requestRecords(2)).map(([a, b]) => concat([...a, ...b]));
const noise = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
    )
    .map(([b, edits]) => {
      for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
      return b;
    }),
  valid.map((b) => b.map((x, i) => (i % 8 === 0 ? 1 : x))),
);
test.prop([noise, fc.nat(300)])("decoders only ever throw ProtocolError", (bytes, cut) => {
  const decoders = [
    new RequestDecoder({ onHead() {}, onReply() {} }, { maxParamsSize: 64, maxConcurrentRequests: 2 }),
    new RequestDecoder({ onHead() {} }),
    (() => {
      const d = new ResponseDecoder({});
      d.expect(1);
      return d;
    })(),
  ];
  for (const d of decoders) {
    try {
      for (const c of splitAt(bytes, [cut])) d.push(c);
      d.end();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
    }
  }
});
