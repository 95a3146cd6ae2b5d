/**
 * Where `envwire decode` prints: a sink of lines that can say it is full. The dissector
 * reads no more input while it is, so a slow reader holds the decode back instead of the
 * output piling up in memory.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";

export interface LineSink {
  /** Takes `line`; false when the sink is full: wait for drained() before writing much more. */
  write(line: string): boolean;
  /** Resolves once the sink has room (at once when it has); rejects when it cannot write. */
  drained(): Promise<void>;
}

/** Lines written to `stream`, one "\n" each (the command's standard output). */
export function streamSink(stream: Writable): LineSink {
  let failed: unknown;
  // Held, not thrown: a reader that went away (EPIPE) ends the decode through drained().
  stream.on("error", (e) => {
    failed ??= e;
  });
  return {
    write: (line) => failed === undefined && stream.write(`${line}\n`),
    async drained() {
      if (failed === undefined && stream.writableNeedDrain) await once(stream, "drain");
      if (failed !== undefined) throw failed;
    },
  };
}

/** A function that takes each line and is never full (a test's array, a log). */
export function callbackSink(print: (line: string) => void): LineSink {
  return {
    write(line) {
      print(line);
      return true;
    },
    drained: () => Promise.resolve(),
  };
}
