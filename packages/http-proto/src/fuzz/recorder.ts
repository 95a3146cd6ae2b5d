// Feeds chunks to the HTTP decoders and records what they report, adjacent body pieces merged.
import { recordPiece } from "@envwire/environ/fuzz";
import {
  type HttpDecoderOptions,
  type HttpHandler,
  type HttpRequestHead,
  type HttpResponseHead,
  RequestDecoder,
  ResponseDecoder,
} from "../index.js";
import type { RequestHead } from "../message-head.js";

export type Event =
  | { type: "head"; head: Record<string, unknown> }
  | { type: "body"; bytes: Uint8Array }
  | { type: "trailers"; fields: [string, string][] }
  | { type: "end" }
  | { type: "tunnel"; bytes: Uint8Array };

/**
 * The head as plain data: a request's target (read from its bytes) in place of where it lies
 * in them; where the query starts, and whether the path has a "%", checked against it here.
 */
function summary(head: HttpRequestHead | HttpResponseHead): Record<string, unknown> {
  const { headers, ...rest } = head as RequestHead;
  if (!("targetStart" in head)) return { ...rest, headers: [...headers] };
  const { targetStart, targetEnd: _, queryStart, fragmentStart, escapedPath, ...request } = rest;
  const target = (head as RequestHead).target;
  const hash = target.indexOf("#");
  const parts = hash < 0 ? target : target.slice(0, hash);
  const question = parts.indexOf("?");
  const path = question < 0 ? parts : parts.slice(0, question);
  if (
    queryStart !== (question < 0 ? -1 : targetStart + question + 1) ||
    fragmentStart !== (hash < 0 ? -1 : targetStart + hash) ||
    escapedPath !== path.includes("%")
  )
    throw new Error(
      `queryStart ${queryStart}, fragmentStart ${fragmentStart}, escapedPath ${escapedPath} for the target ${target}`,
    );
  return { ...request, target, headers: [...headers] };
}

export interface Recording {
  events: Event[];
  heads: (HttpRequestHead | HttpResponseHead)[];
}

function recorder(): Recording & { handler: HttpHandler<HttpRequestHead & HttpResponseHead> } {
  const events: Event[] = [];
  const heads: (HttpRequestHead | HttpResponseHead)[] = [];
  const add = (type: "body" | "tunnel", bytes: Uint8Array) => recordPiece(events, { type, bytes });
  const handler = {
    onHead(head: HttpRequestHead & HttpResponseHead) {
      heads.push(head);
      events.push({ type: "head", head: summary(head) });
    },
    onBody: (b: Uint8Array) => add("body", b),
    onTrailers: (t: Iterable<[string, string]>) => events.push({ type: "trailers", fields: [...t] }),
    onEnd: () => events.push({ type: "end" }),
    onTunnel: (b: Uint8Array) => add("tunnel", b),
  };
  return { events, heads, handler };
}

export function decodeRequests(
  chunks: readonly Uint8Array[],
  options?: HttpDecoderOptions,
  end = true,
): Recording {
  const r = recorder();
  const d = new RequestDecoder(r.handler, options);
  for (const c of chunks) d.push(c);
  if (end) d.end();
  return r;
}

export function decodeResponses(
  chunks: readonly Uint8Array[],
  methods: readonly string[] = [],
  options?: HttpDecoderOptions,
): Recording {
  const r = recorder();
  const d = new ResponseDecoder(r.handler, options);
  for (const m of methods) d.expectResponseTo(m);
  for (const c of chunks) d.push(c);
  d.end();
  return r;
}
