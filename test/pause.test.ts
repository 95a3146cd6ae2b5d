/**
 * pause() and resume(), the same in every decoder: a handler's pause() makes push() stop right
 * after the event being handled — where `offset` stood in that callback — and return how many
 * bytes of its chunk it took; while paused, push() takes nothing. Pushing the rest after
 * resume() gives the very events an unpaused decode gives, at every split, and the same error
 * code and offset.
 */
import { ProtocolError } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { detached, everySplit } from "./support/chunks.js";
import { CALLBACKS, describeArgs, KINDS, type Kind, MESSAGE_END } from "./support/pipelined.js";

type Log = string[];

/** The distinct offsets of the events in `log` that `pauseAt` pauses at: where pushes stop. */
const stopsIn = (log: Log, pauseAt: (name: string) => boolean) =>
  new Set(log.filter((e) => pauseAt(e.split("@")[0]!)).map((e) => e.split(/[@:]/)[1])).size;

/**
 * Decodes `chunks`; `pauseAt(name)` says whether a handler pauses at that event. A push that
 * stops short is resumed and the rest pushed again, as a caller honouring the count does.
 * Checks each stop against the offset seen in the pausing callback.
 */
function decodeWithPauses(kind: Kind, chunks: readonly Uint8Array[], pauseAt: (name: string) => boolean) {
  const log: Log = [];
  let pausedAt = -1;
  let stops = 0;
  const handler: Record<string, (...args: unknown[]) => void> = {};
  for (const name of CALLBACKS) {
    handler[name] = (...args: unknown[]) => {
      log.push(`${name}@${decoder.offset}:${describeArgs(args)}`);
      if (pauseAt(name)) {
        decoder.pause();
        pausedAt = decoder.offset;
      }
    };
  }
  const decoder = kind.make(handler);
  let error: unknown;
  try {
    for (const chunk of chunks) {
      let taken = 0;
      for (;;) {
        const before = decoder.offset;
        pausedAt = -1;
        const n = decoder.push(taken === 0 ? chunk : chunk.subarray(taken));
        if (pausedAt >= 0) {
          expect(before + n, "push stops where offset stood in the pausing callback").toBe(pausedAt);
          expect(decoder.paused).toBe(true);
          stops++;
          // While paused, nothing is taken and nothing is heard.
          const events = log.length;
          expect(decoder.push(chunk.subarray(taken + n))).toBe(0);
          expect(log.length).toBe(events);
          decoder.resume();
        } else {
          expect(n, "without a pause, push takes the whole chunk").toBe(chunk.length - taken);
        }
        taken += n;
        if (taken === chunk.length) break;
      }
    }
    decoder.end();
  } catch (e) {
    error = e;
  }
  return { log, error, stops };
}

const codeAndOffset = (e: unknown) => {
  expect(e).toBeInstanceOf(ProtocolError);
  return [(e as ProtocolError).code, (e as ProtocolError).offset];
};

describe.each(KINDS)("$name: pause and resume", (kind) => {
  const plain = (chunks: readonly Uint8Array[]) => decodeWithPauses(kind, chunks, () => false);

  it("stops after each message, at every split, with the events of a decode that never paused", () => {
    for (const [how, chunks] of everySplit(kind.stream)) {
      const expected = plain(detached(chunks));
      expect(expected.error, how).toBeUndefined();
      const paused = decodeWithPauses(kind, detached(chunks), (name) => MESSAGE_END.has(name));
      expect(paused.error, how).toBeUndefined();
      expect(paused.log, how).toEqual(expected.log);
      expect(paused.stops, how).toBe(stopsIn(expected.log, (name) => MESSAGE_END.has(name)));
    }
  });

  it("stops after any event, at every split, with the same events", () => {
    for (const [how, chunks] of everySplit(kind.stream)) {
      const expected = plain(detached(chunks));
      const paused = decodeWithPauses(kind, detached(chunks), () => true);
      expect(paused.log, how).toEqual(expected.log);
      expect(paused.stops, how).toBe(stopsIn(expected.log, () => true));
      expect(paused.stops, how).toBeGreaterThan(expected.log.length / 2);
    }
  });

  it("stops a pipelined chunk after its first message, and gives the rest when pushed again", () => {
    const ends: number[] = [];
    const handler: Record<string, (...args: unknown[]) => void> = {};
    for (const name of CALLBACKS) {
      handler[name] = () => {
        if (!MESSAGE_END.has(name)) return;
        ends.push(decoder.offset);
        decoder.pause();
      };
    }
    const decoder = kind.make(handler);
    const chunk = kind.stream;
    const n = decoder.push(chunk);
    expect(ends).toHaveLength(1);
    expect(n).toBe(ends[0]);
    expect(n).toBeLessThan(chunk.length);
    // A pause called between pushes holds too.
    expect(decoder.push(chunk.subarray(n))).toBe(0);
    decoder.resume();
    let taken = n;
    while (taken < chunk.length) {
      decoder.resume();
      taken += decoder.push(chunk.subarray(taken));
    }
    expect(ends.length).toBeGreaterThanOrEqual(2);
    expect(ends[ends.length - 1]).toBe(chunk.length);
    decoder.end();
  });

  it("fails with the same code and offset when paused along the way, at every split", () => {
    const { bytes, code, offset } = kind.bad;
    for (const [how, chunks] of everySplit(bytes)) {
      const expected = plain(detached(chunks));
      expect(codeAndOffset(expected.error), how).toEqual([code, offset]);
      const paused = decodeWithPauses(kind, detached(chunks), () => true);
      expect(codeAndOffset(paused.error), how).toEqual([code, offset]);
      expect(paused.log, how).toEqual(expected.log);
    }
  });

  it("push returns the chunk's length to a caller that never pauses", () => {
    const noop: Record<string, () => void> = {};
    for (const name of CALLBACKS) noop[name] = () => {};
    const decoder = kind.make(noop);
    expect(decoder.push(kind.stream)).toBe(kind.stream.length);
    expect(decoder.push(new Uint8Array(0))).toBe(0);
    expect(decoder.paused).toBe(false);
  });
});
