// SCGI requests (a netstring of NUL-separated headers, then the body) and the CGI response an
// SCGI application writes back until it closes the connection.
export {
  CgiResponseDecoder as ResponseDecoder,
  encodeCgiResponseHead as encodeResponseHead,
} from "@envwire/environ";
export { CONTENT_LENGTH, SCGI, ScgiErrorCode } from "./constants.js";
export {
  RequestDecoder,
  type ScgiRequestDecoderOptions,
  type ScgiRequestHandler,
  type ScgiRequestHead,
} from "./decoder.js";
export { encodeRequest, encodeRequestInto, measureRequest } from "./encoder.js";
export { requestEvents, type ScgiRequestEvent } from "./events.js";
