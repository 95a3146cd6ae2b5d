// Feeds chunks to the decoders and records what they report per request, with adjacent
// stream pieces merged so that records do not depend on how the input was cut.
import { recordPiece } from "@envwire/environ/fuzz";
import {
  type FcgiRequestDecoderOptions,
  type FcgiResponseDecoderOptions,
  RequestDecoder,
  ResponseDecoder,
} from "../index.js";

export type RequestEvent =
  | { type: "begin"; role: number; keepConn: boolean }
  | { type: "head"; vars: [string, string][] }
  | { type: "body"; bytes: Uint8Array }
  | { type: "data"; bytes: Uint8Array }
  | { type: "end" }
  | { type: "abort" };

/** Adds `event`, a stream's piece joined to the one before it (see recordPiece). */
function append<E extends { type: string }>(list: E[], event: E): void {
  const e = event as E & { bytes?: Uint8Array };
  if (e.bytes !== undefined) recordPiece(list, e as E & { bytes: Uint8Array });
  else list.push(e);
}

export function decodeRequests(
  chunks: readonly Uint8Array[],
  options?: FcgiRequestDecoderOptions,
  endStream = true,
): RequestRecording {
  const byId = new Map<number, RequestEvent[]>();
  const replies: Uint8Array[] = [];
  const order: number[] = [];
  const events = (id: number) => {
    if (!byId.has(id)) byId.set(id, []);
    order.push(id);
    return byId.get(id)!;
  };
  const decoder = new RequestDecoder(
    {
      onBegin: ({ requestId, role, keepConn }) =>
        append(events(requestId), { type: "begin", role, keepConn }),
      onHead: ({ requestId, env }) => append(events(requestId), { type: "head", vars: [...env] }),
      onBody: (id, bytes) => append(events(id), { type: "body", bytes }),
      onData: (id, bytes) => append(events(id), { type: "data", bytes }),
      onEnd: (id) => append(events(id), { type: "end" }),
      onAbort: (id) => append(events(id), { type: "abort" }),
      onReply: (r) => replies.push(r.slice()),
    },
    options,
  );
  for (const c of chunks) decoder.push(c);
  if (endStream) decoder.end();
  return { byId, replies, decoder, order };
}

export interface RequestRecording {
  /** Each request's events, by id. */
  byId: Map<number, RequestEvent[]>;
  /** The management replies (GET_VALUES_RESULT, UNKNOWN_TYPE) the decoder asked to send. */
  replies: Uint8Array[];
  decoder: RequestDecoder;
  /** The id of every callback, in order (body pieces included: it depends on the cuts). */
  order: number[];
}

export interface ResponseRecording {
  byId: Map<number, ResponseEvent[]>;
  management: unknown[];
}

export type ResponseEvent =
  | { type: "stdout"; bytes: Uint8Array }
  | { type: "stdout-end" }
  | { type: "stderr"; bytes: Uint8Array }
  | { type: "end"; appStatus: number; protocolStatus: number };

export function decodeResponses(
  chunks: readonly Uint8Array[],
  expect: readonly number[] = [1],
  options?: FcgiResponseDecoderOptions,
): ResponseRecording {
  const byId = new Map<number, ResponseEvent[]>();
  const management: unknown[] = [];
  const events = (id: number) => {
    if (!byId.has(id)) byId.set(id, []);
    return byId.get(id)!;
  };
  const decoder = new ResponseDecoder(
    {
      onStdout: (id, bytes) => append(events(id), { type: "stdout", bytes }),
      onStdoutEnd: (id) => append(events(id), { type: "stdout-end" }),
      onStderr: (id, bytes) => append(events(id), { type: "stderr", bytes }),
      onEndRequest: ({ requestId, appStatus, protocolStatus }) =>
        append(events(requestId), { type: "end", appStatus, protocolStatus }),
      onGetValuesResult: (env) => management.push({ values: [...env] }),
      onUnknownType: (type) => management.push({ unknownType: type }),
    },
    options,
  );
  for (const id of expect) decoder.expect(id);
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return { byId, management };
}
