/**
 * The RequestDecoder's callbacks as events, one object each, for DecoderStream (web) and
 * DecoderDuplex (@envwire/environ/node): `new DecoderStream(requestEvents())`.
 */
import type { DecoderFactory, MessageEvent } from "@envwire/environ";
import { messageHandler } from "@envwire/environ/codec";
import {
  RequestDecoder,
  type UwsgiPacket,
  type UwsgiRequestDecoderOptions,
  type UwsgiRequestHead,
} from "./decoder.js";

/** What the stream of a RequestDecoder reads out (head, body, end, packet), in order. */
export type UwsgiRequestEvent = MessageEvent<UwsgiRequestHead> | { type: "packet"; packet: UwsgiPacket };

export interface UwsgiRequestEventsOptions extends UwsgiRequestDecoderOptions {
  /**
   * Report packets whose modifier1 is not a request as "packet" events. Default false: such
   * a packet is an error (UWSGI_UNEXPECTED_PACKET), as with a handler without onPacket.
   */
  packets?: boolean;
}

/** A RequestDecoder that reports each part of the stream as a UwsgiRequestEvent. */
export function requestEvents(
  options: UwsgiRequestEventsOptions = {},
): DecoderFactory<UwsgiRequestEvent, RequestDecoder> {
  return (emit) =>
    new RequestDecoder(
      {
        ...messageHandler<UwsgiRequestHead>(emit),
        ...(options.packets === true ? { onPacket: (packet) => emit({ type: "packet", packet }) } : {}),
      },
      options,
    );
}
