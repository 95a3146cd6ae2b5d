/**
 * The decoders' callbacks as events, one object each, for DecoderStream (web) and
 * DecoderDuplex (@envwire/environ/node): `new DecoderStream(requestEvents())`. Requests are
 * interleaved by id on one connection: every event but a management one names its request.
 */
import type { DecoderFactory, Environ } from "@envwire/environ";
import {
  type FcgiRequestBegin,
  type FcgiRequestDecoderOptions,
  type FcgiRequestHead,
  RequestDecoder,
} from "./request-decoder.js";
import { type FcgiEndRequest, type FcgiResponseDecoderOptions, ResponseDecoder } from "./response-decoder.js";

/**
 * What the stream of a RequestDecoder reads out, in order. Call
 * `stream.decoder.completeRequest(id)` when you send END_REQUEST; write "reply" records back.
 */
export type FcgiRequestEvent =
  | { type: "begin"; begin: FcgiRequestBegin }
  | { type: "head"; head: FcgiRequestHead }
  /** A piece of STDIN: a view of a written chunk. */
  | { type: "body"; requestId: number; chunk: Uint8Array }
  /** A piece of DATA (FILTER role): a view of a written chunk. */
  | { type: "data"; requestId: number; chunk: Uint8Array }
  | { type: "end"; requestId: number }
  | { type: "abort"; requestId: number }
  /** An answer to a management record, to send back. */
  | { type: "reply"; record: Uint8Array };

/** What the stream of a ResponseDecoder reads out, in order (call `stream.decoder.expect(id)`). */
export type FcgiResponseEvent =
  /** A piece of STDOUT: a view of a written chunk. */
  | { type: "stdout"; requestId: number; chunk: Uint8Array }
  | { type: "stdoutEnd"; requestId: number }
  /** A piece of STDERR: a view of a written chunk. */
  | { type: "stderr"; requestId: number; chunk: Uint8Array }
  | { type: "endRequest"; end: FcgiEndRequest }
  | { type: "getValuesResult"; values: Environ }
  | { type: "unknownType"; recordType: number };

/** A RequestDecoder that reports each part of the connection as an FcgiRequestEvent. */
export function requestEvents(
  options: FcgiRequestDecoderOptions = {},
): DecoderFactory<FcgiRequestEvent, RequestDecoder> {
  return (emit) =>
    new RequestDecoder(
      {
        onBegin: (begin) => emit({ type: "begin", begin }),
        onHead: (head) => emit({ type: "head", head }),
        onBody: (requestId, chunk) => emit({ type: "body", requestId, chunk }),
        onData: (requestId, chunk) => emit({ type: "data", requestId, chunk }),
        onEnd: (requestId) => emit({ type: "end", requestId }),
        onAbort: (requestId) => emit({ type: "abort", requestId }),
        onReply: (record) => emit({ type: "reply", record }),
      },
      options,
    );
}

/** A ResponseDecoder that reports each part of the connection as an FcgiResponseEvent. */
export function responseEvents(
  options: FcgiResponseDecoderOptions = {},
): DecoderFactory<FcgiResponseEvent, ResponseDecoder> {
  return (emit) =>
    new ResponseDecoder(
      {
        onStdout: (requestId, chunk) => emit({ type: "stdout", requestId, chunk }),
        onStdoutEnd: (requestId) => emit({ type: "stdoutEnd", requestId }),
        onStderr: (requestId, chunk) => emit({ type: "stderr", requestId, chunk }),
        onEndRequest: (end) => emit({ type: "endRequest", end }),
        onGetValuesResult: (values) => emit({ type: "getValuesResult", values }),
        onUnknownType: (recordType) => emit({ type: "unknownType", recordType }),
      },
      options,
    );
}
