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
export {
  encodeChunk,
  encodeLastChunk,
  encodeRequestHead,
  encodeResponseHead,
  type FieldList,
  type RequestHeadInit,
  type ResponseHeadInit,
  STATUS_REASONS,
} from "./encoder.js";
export {
  type EnvironRequestOptions,
  encodeCgiResponseAsHttp,
  encodeEnvironRequest,
  environToRequestHead,
  type RequestEnvironOptions,
  requestToEnviron,
} from "./environ-mapping.js";
export type { BodyKind } from "./framing.js";
export type { HttpVersion, TargetForm } from "./head-scanner.js";
export type { HeaderFields } from "./header-fields.js";
export { percentDecode, percentEncodePath } from "./percent-coding.js";
export type { ConnectionInfo } from "./request-run.js";
