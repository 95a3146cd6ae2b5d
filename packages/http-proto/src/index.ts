export { HttpErrorCode } from "./constants.js";
export {
  type HttpDecoderOptions,
  type HttpHandler,
  type HttpRequestHandler,
  type HttpRequestHead,
  type HttpResponseHandler,
  type HttpResponseHead,
  RequestDecoder,
  ResponseDecoder,
} from "./decoder.js";
export type { BodyKind } from "./framing.js";
export type { HttpVersion, TargetForm } from "./head-parser.js";
export { HeaderFields } from "./header-fields.js";
