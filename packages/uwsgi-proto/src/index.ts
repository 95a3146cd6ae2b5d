export { HEADER_SIZE, MAX_DATASIZE, Modifier1, REQUEST_MODIFIERS, UwsgiErrorCode } from "./constants.js";
export {
  RequestDecoder,
  type UwsgiPacket,
  type UwsgiRequestDecoderOptions,
  type UwsgiRequestHandler,
  type UwsgiRequestHead,
} from "./decoder.js";
export {
  encodePacketHeader,
  encodeRequest,
  encodeRequestInto,
  measureRequest,
  type PacketModifiers,
} from "./encoder.js";
export { decodeVars } from "./vars.js";
