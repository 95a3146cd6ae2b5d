/**
 * Linear cost, whatever shape a peer picks: for each shape (see shapes.ts), the statements the
 * packages' code runs per input byte, decoding and reading every value, may not grow more than
 * 2.5 times from 8 KiB to 64 KiB. Counted, not timed: the same numbers on every machine.
 */
import { describe, expect, it } from "vitest";
import { work } from "./measure.js";
import { shapes } from "./shapes.js";

const SMALL = 8 * 1024;
const LARGE = 64 * 1024;

describe("cost per input byte, 8 KiB against 64 KiB", () => {
  for (const shape of shapes) {
    it(shape.name, () => {
      const perByte = (size: number) => {
        const chunks = shape.make(size);
        const total = chunks.reduce((n, c) => n + c.length, 0);
        return work(() => shape.decode(chunks)) / total;
      };
      const small = perByte(SMALL);
      const large = perByte(LARGE);
      expect(
        large / small,
        `${small.toFixed(1)} then ${large.toFixed(1)} statements a byte`,
      ).toBeLessThanOrEqual(2.5);
    });
  }
});
