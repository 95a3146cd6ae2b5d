// Feeds chunks to a RequestDecoder and records what it reports, with adjacent body pieces
// merged so that records do not depend on how the input was cut.
import { recordPiece } from "@envwire/environ/fuzz";
import { RequestDecoder, type ScgiRequestDecoderOptions, type ScgiRequestHead } from "../index.js";

export type Event =
  | { type: "head"; contentLength: number; headers: [string, string][] }
  | { type: "body"; bytes: Uint8Array }
  | { type: "end" };

export interface Recording {
  events: Event[];
  heads: ScgiRequestHead[];
}

export function decode(
  chunks: readonly Uint8Array[],
  options?: ScgiRequestDecoderOptions,
  end = true,
): Recording {
  const events: Event[] = [];
  const heads: ScgiRequestHead[] = [];
  const decoder = new RequestDecoder(
    {
      onHead(head) {
        heads.push(head);
        events.push({ type: "head", contentLength: head.contentLength, headers: [...head.env] });
      },
      onBody(bytes) {
        recordPiece(events, { type: "body", bytes });
      },
      onEnd() {
        events.push({ type: "end" });
      },
    },
    options,
  );
  for (const c of chunks) decoder.push(c);
  if (end) decoder.end();
  return { events, heads };
}
