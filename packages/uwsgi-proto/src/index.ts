// @envwire/uwsgi-proto: uwsgi packets, as nginx's uwsgi_pass sends them and uWSGI reads them.
// Exports are grouped by what they are for, not sorted.

// The server side: request packets (and, through onPacket, any other kind) from a stream.
export {
  RequestDecoder,
  type UwsgiPacket,
  type UwsgiRequestDecoderOptions,
  type UwsgiRequestHandler,
  type UwsgiRequestHead,
} from "./decoder.js";
export { decodeVars } from "./vars.js";
// The same as events, for DecoderStream and DecoderDuplex (@envwire/environ, /node).
export { requestEvents, type UwsgiRequestEvent, type UwsgiRequestEventsOptions } from "./events.js";

// The web server side: a request packet from an Environ.
export {
  encodePacketHeader,
  encodeRequest,
  encodeRequestInto,
  measureRequest,
  type PacketModifiers,
} from "./encoder.js";

// The protocol's numbers, and the decoder's error codes.
export { HEADER_SIZE, MAX_DATASIZE, Modifier1, REQUEST_MODIFIERS, UwsgiErrorCode } from "./constants.js";
