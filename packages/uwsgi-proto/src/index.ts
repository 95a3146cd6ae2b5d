export { HEADER_SIZE, MAX_DATASIZE, Modifier1, REQUEST_MODIFIERS, UwsgiErrorCode } from "./constants.js";
export {
  RequestDecoder,
  type RequestDecoderOptions,
  type RequestHandler,
  type UwsgiPacket,
  type UwsgiRequestHead,
} from "./decoder.js";
export {
  encodePacketHeader,
  encodeRequest,
  encodeRequestInto,
  measureRequest,
  type PacketModifiers,
} from "./encoder.js";
export { decodeVars, measureVars, writeVars } from "./vars.js";
