// Catching what a call throws, for tests that check codes and offsets.
import { ProtocolError } from "@envwire/environ";
import { expect } from "vitest";

/** What `f` throws, or undefined when it returns. */
export function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The [code, offset] of the ProtocolError `f` throws (anything else fails the test). */
export function protocolErrorOf(f: () => unknown): [code: string, offset: number] | undefined {
  const e = errorOf(f);
  if (e === undefined) return undefined;
  expect(e).toBeInstanceOf(ProtocolError);
  return [(e as ProtocolError).code, (e as ProtocolError).offset];
}
