import { describe, expect, it } from "vitest";
import { ClientGone, goneWith } from "../src/abort.js";

describe("Gone", () => {
  it("tells each listener once, in order, and none taken off or added after", () => {
    const gone = new ClientGone();
    const heard: string[] = [];
    gone.onAbort(() => heard.push("a"));
    const off = gone.onAbort(() => heard.push("b"));
    gone.onAbort(() => heard.push("c"));
    off();
    off(); // (twice: nothing more)
    expect(gone.aborted).toBe(false);
    gone.abort();
    gone.abort();
    gone.onAbort(() => heard.push("late"));
    expect(gone.aborted).toBe(true);
    expect(heard).toEqual(["a", "c"]);
  });

  it("makes an AbortSignal only when asked, which says the same before and after the abort", () => {
    const early = new ClientGone();
    const signal = early.signal;
    expect(early.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    early.abort();
    expect(signal.aborted).toBe(true);
    const late = new ClientGone();
    late.abort();
    expect(late.signal.aborted).toBe(true);
  });

  it("reads a caller's AbortSignal, and none as never aborting", () => {
    const controller = new AbortController();
    const gone = goneWith(controller.signal);
    let heard = 0;
    const off = gone.onAbort(() => heard++);
    gone.onAbort(() => heard++);
    off();
    controller.abort();
    expect(gone.aborted).toBe(true);
    expect(heard).toBe(1);
    const never = goneWith(undefined);
    never.onAbort(() => heard++)();
    expect(never.aborted).toBe(false);
  });
});
