// The decoder gives the same heads, events and errors (code and offset) with the WebAssembly
// kernels as with the JavaScript fallback (kernels: false), on any bytes, however cut.

import { KERNEL_WINDOW } from "@envwire/environ/codec";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { ascii, concat, cutsFor, everySplit, splitAt } from "../../../test/support/chunks.js";
import { protocolErrorOf } from "../../../test/support/errors.js";
import { decode } from "./recorder.js";

/** What decoding `chunks` comes to: the events, or the ProtocolError's code and offset. */
function outcome(chunks: readonly Uint8Array[], kernels: boolean) {
  let events: unknown;
  const error = protocolErrorOf(() => {
    events = decode(chunks, { kernels }).events;
  });
  return error ?? events;
}

function expectSamePaths(chunks: readonly Uint8Array[]) {
  expect(outcome(chunks, true)).toEqual(outcome(chunks, false));
}

// Requests as a peer, a fuzzer or a broken proxy might send them: a netstring whose block is
// valid headers (sized to run past 16, 64 or 256 bytes, or to a multiple of 16) or stray NULs,
// colons and text; a length that may be off; a body.
const text = fc.string({
  unit: fc.constantFrom("A", "_", "1", ":", ",", "\u0000", "\u00ff", "x"),
  maxLength: 40,
});
const pair = fc.tuple(
  fc.string({ unit: fc.constantFrom("H", "_", "X", ":"), minLength: 1, maxLength: 20 }),
  fc.oneof(
    fc.string({ unit: fc.constantFrom("v", ":", "/", " "), maxLength: 30 }),
    fc.integer({ min: 17, max: 300 }).map((n) => "w".repeat(n)),
  ),
);
const validBlock = fc.tuple(fc.array(pair, { maxLength: 20 }), fc.boolean()).map(([pairs, roundTo16]) => {
  let block = `CONTENT_LENGTH\u00003\u0000SCGI\u00001\u0000${pairs.map(([n, v]) => `${n}\u0000${v}\u0000`).join("")}`;
  if (roundTo16 && block.length % 16 !== 0)
    block += `P\u0000${"p".repeat(30 - ((block.length + 2) % 16))}\u0000`;
  return block;
});
const block = fc.oneof(
  validBlock,
  fc
    .array(
      fc.oneof(text, fc.constantFrom("CONTENT_LENGTH\u00000\u0000", "SCGI\u00001\u0000", "\u0000\u0000")),
      {
        maxLength: 12,
      },
    )
    .map((parts) => parts.join("")),
);
const request = fc
  .tuple(
    block,
    fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 })),
    fc.constantFrom("", "abc", "abcdef"),
  )
  .map(([b, off, body]) => ascii(`${Math.max(0, b.length + off)}:${b},${body}`));

describe("SCGI decoder: SIMD kernels and the JavaScript fallback agree", () => {
  test.prop([request], { numRuns: 60 })("on any request, whole, at every cut and byte by byte", (bytes) => {
    for (const [, chunks] of everySplit(bytes)) expectSamePaths(chunks);
  });

  test.prop([fc.array(request, { minLength: 1, maxLength: 4 }), fc.nat()])(
    "on requests back to back, in random pieces",
    (requests, seed) => {
      const wire = concat(requests);
      expectSamePaths(splitAt(wire, fc.sample(cutsFor(wire.length), { numRuns: 1, seed })[0]!));
    },
  );

  // A block past the kernels' window is scanned a window at a time, each from the first entry
  // not yet whole; an entry longer than a window goes to the general path. Decoded whole (the
  // windows) and byte by byte (no window at all), by both paths.
  it("on blocks longer than the window, wherever the NULs fall beside its edge", () => {
    const fillers = [-2, -1, 0, 1, 2].map((shift) => KERNEL_WINDOW - 26 + shift);
    for (const length of [...fillers, KERNEL_WINDOW + 5, 3 * KERNEL_WINDOW]) {
      const filler = "F".repeat(length);
      const block = `CONTENT_LENGTH\u00000\u0000SCGI\u00001\u0000X\u0000${filler}\u0000N\u0000v\u0000M\u0000\u0000`;
      const bytes = ascii(`${block.length}:${block},`);
      const whole = outcome([bytes], true);
      expect(whole).toEqual(outcome([bytes], false));
      expect(whole).toEqual(
        outcome(
          Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)),
          true,
        ),
      );
      expect((whole as { type: string; headers?: unknown }[])[0]?.headers).toEqual([
        ["CONTENT_LENGTH", "0"],
        ["SCGI", "1"],
        ["X", filler],
        ["N", "v"],
        ["M", ""],
      ]);
      // (And an empty name after them is reported at its place, the same both ways.)
      const bad = ascii(`${block.length + 2}:${block}\u0000\u0000,`);
      expect(outcome([bad], true)).toEqual(outcome([bad], false));
      expect(outcome([bad], true)).toEqual(["SCGI_EMPTY_NAME", bytes.length - 1]);
    }
  });
});
