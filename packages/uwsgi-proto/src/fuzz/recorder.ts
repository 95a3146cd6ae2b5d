// Feeds chunks to a RequestDecoder and records what it reports, with adjacent body pieces
// merged so that records do not depend on how the input was cut.
import { recordPiece } from "@envwire/environ/fuzz";
import { RequestDecoder, type UwsgiRequestDecoderOptions, type UwsgiRequestHead } from "../index.js";

export type Event =
  | { type: "head"; modifier1: number; modifier2: number; contentLength: number; vars: [string, string][] }
  | { type: "body"; bytes: Uint8Array }
  | { type: "end" }
  | { type: "packet"; modifier1: number; modifier2: number; payload: Uint8Array };

export interface Recording {
  events: Event[];
  heads: UwsgiRequestHead[];
}

export function decode(
  chunks: readonly Uint8Array[],
  options?: UwsgiRequestDecoderOptions,
  end = true,
): Recording {
  const events: Event[] = [];
  const heads: UwsgiRequestHead[] = [];
  const decoder = new RequestDecoder(
    {
      onHead(head) {
        heads.push(head);
        const { modifier1, modifier2, contentLength } = head;
        events.push({ type: "head", modifier1, modifier2, contentLength, vars: [...head.env] });
      },
      onBody(bytes) {
        recordPiece(events, { type: "body", bytes });
      },
      onEnd() {
        events.push({ type: "end" });
      },
      onPacket({ modifier1, modifier2, payload }) {
        events.push({ type: "packet", modifier1, modifier2, payload: payload.slice() });
      },
    },
    options,
  );
  for (const c of chunks) decoder.push(c);
  if (end) decoder.end();
  return { events, heads };
}
