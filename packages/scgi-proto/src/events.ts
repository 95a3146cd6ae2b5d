/**
 * The RequestDecoder's callbacks as events, one object each, for DecoderStream (web) and
 * DecoderDuplex (@envwire/environ/node): `new DecoderStream(requestEvents())`.
 */
import type { DecoderFactory, MessageEvent } from "@envwire/environ";
import { messageHandler } from "@envwire/environ/codec";
import { RequestDecoder, type ScgiRequestDecoderOptions, type ScgiRequestHead } from "./decoder.js";

/** What the stream of a RequestDecoder reads out (head, body, end), in order. */
export type ScgiRequestEvent = MessageEvent<ScgiRequestHead>;

/** A RequestDecoder that reports each part of the stream as a ScgiRequestEvent. */
export function requestEvents(
  options: ScgiRequestDecoderOptions = {},
): DecoderFactory<ScgiRequestEvent, RequestDecoder> {
  return (emit) => new RequestDecoder(messageHandler(emit), options);
}
