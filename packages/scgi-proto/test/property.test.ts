// Properties: any Environ and body round-trip under any split; a decoded canonical request
// re-encodes to its own bytes; and any bytes at all give nothing but ProtocolError, the same
// outcome however they are cut.
import { Environ, ProtocolError } from "@envwire/environ";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { concat, cutsFor, splitAt } from "../../../test/support/chunks.js";
import { encodeRequest } from "../src/index.js";
import { decode, errorOf } from "./recorder.js";

const name = fc.oneof(
  fc.constantFrom("REQUEST_METHOD", "PATH_INFO", "HTTP_X", "QUERY_STRING", "SCGI_X"),
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => String.fromCharCode(...b.map((x) => x || 1))),
);
const value = fc.oneof(
  // (latin-1, no NUL)
  fc
    .string({ maxLength: 20 })
    .map((s) => [...s].map((c) => (c === "\u0000" || c > "\u00ff" ? "x" : c)).join("")),
  fc.uint8Array({ maxLength: 30 }).map((b) => b.map((x) => x || 0x41)),
  // (long enough that a cut entry outgrows the reader's first gather buffer)
  fc.uint8Array({ minLength: 200, maxLength: 700 }).map((b) => b.map((x) => x || 0x41)),
);
const entries = fc.array(fc.tuple(name, value), { maxLength: 12 });

test.prop([entries, fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 3 }), fc.nat()])(
  "decode(encode(env)) == env, with its body, requests back to back, under any split",
  (pairs, body, copies, seed) => {
    const env = new Environ(pairs.filter(([n]) => n !== "CONTENT_LENGTH" && n !== "SCGI"));
    env.set("CONTENT_LENGTH", String(body.length));
    const one = concat([encodeRequest(env), body]);
    const wire = concat(Array.from({ length: copies + 1 }, () => one));
    const cuts = fc.sample(cutsFor(wire.length), { numRuns: 1, seed })[0]!;
    const { heads, events } = decode(splitAt(wire, cuts));
    expect(heads).toHaveLength(copies + 1);
    for (const head of heads) {
      expect(head.contentLength).toBe(body.length);
      const expected = [
        ["CONTENT_LENGTH", String(body.length)],
        ["SCGI", "1"],
        ...[...env].filter(([n]) => n !== "CONTENT_LENGTH"),
      ];
      expect([...head.env]).toEqual(expected);
    }
    const bodies = events.filter((e) => e.type === "body").map((e) => (e as { bytes: Uint8Array }).bytes);
    expect(concat(bodies)).toEqual(concat(Array.from({ length: copies + 1 }, () => body)));
  },
);

test.prop([entries, fc.nat()])(
  "encode(decode(bytes)) == bytes for a request in canonical order",
  (pairs, seed) => {
    const bytes = encodeRequest(new Environ(pairs.filter(([n]) => n !== "CONTENT_LENGTH" && n !== "SCGI")));
    const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
    expect(encodeRequest(decode(splitAt(bytes, cuts)).heads[0]!.env)).toEqual(bytes);
  },
);

const outcome = (chunks: Uint8Array[]) => {
  const e = errorOf(() => decode(chunks));
  if (e === undefined) return JSON.stringify(decode(chunks).events.map((x) => x.type));
  expect(e).toBeInstanceOf(ProtocolError);
  return `${(e as ProtocolError).code}@${(e as ProtocolError).offset}`;
};

test.prop([
  fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc
      .tuple(entries, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }))
      .map(([pairs, damage]) => {
        const bytes = encodeRequest(
          new Environ(pairs.filter(([n]) => n !== "CONTENT_LENGTH" && n !== "SCGI")),
        );
        for (const [at, b] of damage) bytes[at % bytes.length] = b;
        return bytes;
      }),
  ),
  fc.nat(),
])("any bytes: only ProtocolError, and the same outcome however they are cut", (bytes, seed) => {
  const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0]!;
  expect(outcome(splitAt(bytes, cuts))).toBe(outcome([bytes]));
});
