import { ProtocolError } from "@envwire/environ";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { concat, cutsFor, splitAt } from "../../../test/support/chunks.js";
import {
  encodeChunk,
  encodeLastChunk,
  encodeRequestHead,
  encodeResponseHead,
  RequestDecoder,
  ResponseDecoder,
} from "../src/index.js";
import { decodeRequests, decodeResponses } from "./recorder.js";

const tchar = fc.constantFrom(..."abcxyzABCXYZ0189!#$%&'*+-.^_`|~");
const token = fc.string({ unit: tchar, minLength: 1, maxLength: 10 });
const framingNames = /^(content-length|transfer-encoding|connection|upgrade|expect|host)$/i;
const vchar = fc
  .integer({ min: 0x21, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c));
const value = fc.oneof(
  fc.constant(""),
  fc
    .tuple(
      vchar,
      fc.string({ unit: fc.oneof(vchar, fc.constant(" "), fc.constant("\t")), maxLength: 20 }),
      vchar,
    )
    .map(([a, m, b]) => a + m + b),
  vchar,
);
const fields = fc.array(
  fc.tuple(
    token.filter((n) => !framingNames.test(n)),
    value,
  ),
  { maxLength: 6 },
);
const pathChar = fc.constantFrom(..."abc/-._~%20?=&;:@!$'()*+,".split(""));
const target = fc.string({ unit: pathChar, maxLength: 20 }).map((s) => `/${s}`);
const body = fc.oneof(
  fc.record({ kind: fc.constant("none" as const) }),
  fc.record({ kind: fc.constant("length" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 100 }) }),
  fc.record({
    kind: fc.constant("chunked" as const),
    chunks: fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 4 }),
    trailers: fields,
  }),
);

type Body = typeof body extends fc.Arbitrary<infer T> ? T : never;

function framed(b: Body, headers: [string, string][]): { headers: [string, string][]; bytes: Uint8Array[] } {
  if (b.kind === "length")
    return { headers: [...headers, ["Content-Length", String(b.bytes.length)]], bytes: [b.bytes] };
  if (b.kind === "chunked") {
    return {
      headers: [...headers, ["Transfer-Encoding", "chunked"]],
      bytes: [...b.chunks.flatMap((c) => encodeChunk(c)), encodeLastChunk(b.trailers)],
    };
  }
  return { headers, bytes: [] };
}

const bodyBytes = (b: Body) =>
  b.kind === "length" ? b.bytes : b.kind === "chunked" ? concat(b.chunks) : new Uint8Array(0);

const requestArb = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"),
  target,
  // (Host first: an HTTP/1.1 request must have one.)
  fields: fields.map((f): [string, string][] => [["Host", "h.test"], ...f]),
  body,
});

test.prop([fc.array(requestArb, { minLength: 1, maxLength: 4 }), fc.nat()])(
  "decode(encode(request)) == request, pipelined, under any split",
  (requests, seed) => {
    const wire = concat(
      requests.flatMap((r) => {
        const { headers, bytes } = framed(r.body, r.fields);
        return [encodeRequestHead({ method: r.method, target: r.target, headers }), ...bytes];
      }),
    );
    const cuts = fc.sample(cutsFor(wire.length), { numRuns: 1, seed })[0]!;
    const { heads, events } = decodeRequests(splitAt(wire, cuts));
    expect(heads).toHaveLength(requests.length);
    requests.forEach((r, i) => {
      const h = heads[i] as { method: string; target: string };
      expect([h.method, h.target]).toEqual([r.method, r.target]);
      expect([...heads[i]!.headers]).toEqual(framed(r.body, r.fields).headers);
    });
    // Bodies and trailers, message by message.
    let m = -1;
    const bodies = requests.map(() => [] as Uint8Array[]);
    const trailers = requests.map(() => [] as [string, string][]);
    for (const e of events) {
      if (e.type === "head") m++;
      if (e.type === "body") bodies[m]!.push(e.bytes);
      if (e.type === "trailers") trailers[m]!.push(...e.fields);
    }
    requests.forEach((r, i) => {
      expect(concat(bodies[i]!)).toEqual(bodyBytes(r.body));
      expect(trailers[i]).toEqual(r.body.kind === "chunked" ? r.body.trailers : []);
    });
  },
);

const responseArb = fc.record({
  status: fc.constantFrom(200, 201, 404, 500, 299),
  reason: fc.string({ unit: vchar, maxLength: 10 }),
  fields,
  body: body.filter((b) => b.kind !== "none"),
});

test.prop([fc.array(responseArb, { minLength: 1, maxLength: 3 }), fc.nat()])(
  "decode(encode(response)) == response, pipelined, under any split",
  (responses, seed) => {
    const wire = concat(
      responses.flatMap((r) => {
        const { headers, bytes } = framed(r.body, r.fields);
        return [encodeResponseHead({ status: r.status, reason: r.reason, headers }), ...bytes];
      }),
    );
    const cuts = fc.sample(cutsFor(wire.length), { numRuns: 1, seed })[0]!;
    const { heads, events } = decodeResponses(splitAt(wire, cuts));
    expect(heads.map((h) => [(h as { status: number }).status, (h as { reason: string }).reason])).toEqual(
      responses.map((r) => [r.status, r.reason]),
    );
    const got = events.filter((e) => e.type === "body").map((e) => (e as { bytes: Uint8Array }).bytes);
    expect(concat(got)).toEqual(concat(responses.map((r) => bodyBytes(r.body))));
  },
);

// Noise: random bytes, and valid requests with a few bytes changed.
const noise = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .tuple(
      requestArb,
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x0d, 0x0a, 0x20, 0x3a, 0x00, 0x30, 0x41)), {
        minLength: 1,
        maxLength: 3,
      }),
    )
    .map(([r, edits]) => {
      const { headers, bytes } = framed(r.body, r.fields);
      const b = concat([encodeRequestHead({ method: r.method, target: r.target, headers }), ...bytes]);
      for (const [at, v] of edits) b[at % b.length] = v;
      return b;
    }),
);
test.prop([noise, fc.nat(300)])("decoders only ever throw ProtocolError", (bytes, cut) => {
  for (const d of [
    new RequestDecoder({ onHead() {} }, { maxHeadSize: 128 }),
    new ResponseDecoder({ onHead() {} }),
  ]) {
    try {
      for (const c of splitAt(bytes, [cut])) d.push(c);
      d.end();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
    }
  }
});
