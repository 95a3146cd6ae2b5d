/**
 * The decoders' callbacks as events, one object each, for DecoderStream (web) and
 * DecoderDuplex (@envwire/environ/node): `new DecoderStream(requestEvents())`.
 */
import type { DecoderFactory, MessageEvent } from "@envwire/environ";
import { messageHandler } from "@envwire/environ/codec";
import {
  type HttpDecoderOptions,
  type HttpHandler,
  type HttpRequestHead,
  type HttpResponseHead,
  RequestDecoder,
  ResponseDecoder,
} from "./decoder.js";
import type { HeaderFields } from "./header-fields.js";

/**
 * What the stream of a decoder reads out (head, body de-chunked, trailers, end, tunnel), in
 * the order the decoder reports it.
 */
export type HttpEvent<Head> =
  | MessageEvent<Head>
  | { type: "trailers"; trailers: HeaderFields }
  /** After an upgrade or CONNECT: the bytes that follow, untouched. */
  | { type: "tunnel"; data: Uint8Array };

export type HttpRequestEvent = HttpEvent<HttpRequestHead>;
export type HttpResponseEvent = HttpEvent<HttpResponseHead>;

function handlerFor<Head>(emit: (event: HttpEvent<Head>) => void): HttpHandler<Head> {
  return {
    ...messageHandler<Head>(emit),
    onTrailers: (trailers) => emit({ type: "trailers", trailers }),
    onTunnel: (data) => emit({ type: "tunnel", data }),
  };
}

/** A RequestDecoder that reports each part of the stream as an HttpRequestEvent. */
export function requestEvents(
  options: HttpDecoderOptions = {},
): DecoderFactory<HttpRequestEvent, RequestDecoder> {
  return (emit) => new RequestDecoder(handlerFor(emit), options);
}

/**
 * A ResponseDecoder that reports each part of the stream as an HttpResponseEvent (call
 * `stream.decoder.expectResponseTo(method)` as you send requests).
 */
export function responseEvents(
  options: HttpDecoderOptions = {},
): DecoderFactory<HttpResponseEvent, ResponseDecoder> {
  return (emit) => new ResponseDecoder(handlerFor(emit), options);
}
