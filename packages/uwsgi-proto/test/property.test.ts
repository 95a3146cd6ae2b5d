import { Environ, ProtocolError } from "@envwire/environ";
import { valueByteLength } from "@envwire/environ/codec";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { concat, cutsFor, detached, splitAt } from "../../../test/support/chunks.js";
import { encodeRequest, MAX_DATASIZE, RequestDecoder } from "../src/index.js";
import { request } from "./builder.js";
import { decode } from "./recorder.js";

const latin1 = (max: number) =>
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });
const name = fc.oneof(
  fc.constantFrom("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "HTTP_X_DUP", "HTTP_COOKIE", ""),
  latin1(24).filter((n) => n !== "CONTENT_LENGTH"),
);
const value = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3000 }) },
);

/** A request: vars (duplicates and empty values likely), and a body framed by CONTENT_LENGTH. */
const requestArb = fc
  .record({
    vars: fc.array(fc.tuple(name, value), { maxLength: 20 }),
    body: fc.uint8Array({ maxLength: 200 }),
    modifier1: fc.constantFrom(0, 5, 6, 7, 8, 9, 14, 15),
    modifier2: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ vars, body, modifier1, modifier2 }) => {
    const env = new Environ(vars);
    if (body.length > 0) env.append("CONTENT_LENGTH", String(body.length));
    return { env, body, modifier1, modifier2 };
  })
  .filter(
    ({ env }) =>
      [...env].reduce((n, [k], i) => n + 4 + k.length + valueByteLength(env, i), 0) <= MAX_DATASIZE,
  );

test.prop([
  fc.array(requestArb, { minLength: 1, maxLength: 4 }).chain((reqs) => {
    const bytes = concat(reqs.flatMap((r) => [encodeRequest(r.env, r), r.body]));
    return fc.tuple(fc.constant(reqs), fc.constant(bytes), cutsFor(bytes.length));
  }),
])("decode(encode(env)) == env, for pipelined requests under any split", ([reqs, bytes, cuts]) => {
  const { events, heads } = decode(detached(splitAt(bytes, cuts)));
  expect(heads).toHaveLength(reqs.length);
  let e = 0;
  reqs.forEach((r, i) => {
    const head = heads[i]!;
    expect(head.env.equals(r.env)).toBe(true);
    expect([head.modifier1, head.modifier2, head.contentLength]).toEqual([
      r.modifier1,
      r.modifier2,
      r.body.length,
    ]);
    expect(events[e++]?.type).toBe("head");
    if (r.body.length > 0) expect(events[e++]).toEqual({ type: "body", bytes: r.body });
    expect(events[e++]?.type).toBe("end");
  });
});

test.prop([fc.integer({ min: 0, max: 30 }), fc.uint8Array({ maxLength: 3 }), cutsFor(MAX_DATASIZE + 4)])(
  "values as large as a packet holds round-trip under any split",
  (keyLength, tail, cuts) => {
    const key = "K".repeat(keyLength);
    const big = Uint8Array.from({ length: MAX_DATASIZE - 4 - keyLength }, (_, i) => (i * 7) & 0xff);
    const env = new Environ([[key, big]]);
    const bytes = encodeRequest(env);
    expect(bytes.length).toBe(MAX_DATASIZE + 4);
    const { heads } = decode(splitAt(concat([bytes, request([["T", tail]])]), cuts));
    expect(heads[0]!.env.equals(env)).toBe(true);
    expect(heads[1]!.env.getBytes("T")).toEqual(tail);
  },
);

test.prop([fc.array(fc.tuple(latin1(30), value), { maxLength: 25 })])(
  "encode(decode(bytes)) == bytes",
  (vars) => {
    const bytes = request(vars.filter(([k]) => k !== "CONTENT_LENGTH"));
    fc.pre(bytes.length - 4 <= MAX_DATASIZE);
    const { heads } = decode([bytes]);
    expect(encodeRequest(heads[0]!.env)).toEqual(bytes);
  },
);

// Any bytes at all: valid packets mutated, and plain noise. The decoder either decodes them
// or throws ProtocolError; it never throws anything else and never hangs.
const noise = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(requestArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
    .map(([r, edits]) => {
      const b = concat([encodeRequest(r.env, r), r.body]);
      for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
      return b;
    }),
);
test.prop([noise, fc.boolean(), fc.nat(300)])("decoders only ever throw ProtocolError", (bytes, raw, cut) => {
  const d = new RequestDecoder(raw ? { onHead() {}, onPacket() {} } : { onHead() {} }, { maxVarsSize: 4096 });
  try {
    for (const c of splitAt(bytes, [cut])) d.push(c);
    d.end();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
  }
});
