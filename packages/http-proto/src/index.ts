// @envwire/http-proto: HTTP/1.1 messages (RFC 9110, 9112), and requests to and from an
// Environ. Exports are grouped by what they are for, not sorted.

// Decoders: requests (a server, a proxy's front) and responses (a client, a proxy's back).
export {
  type HttpDecoderOptions,
  type HttpHandler,
  type HttpMessageDecoder,
  type HttpMessageHead,
  type HttpRequestHandler,
  type HttpRequestHead,
  type HttpResponseHandler,
  type HttpResponseHead,
  RequestDecoder,
  ResponseDecoder,
} from "./decoder.js";
// The same as events, for DecoderStream and DecoderDuplex (@envwire/environ, /node).
export {
  type HttpEvent,
  type HttpRequestEvent,
  type HttpResponseEvent,
  requestEvents,
  responseEvents,
} from "./events.js";
export type { BodyKind } from "./framing.js";
export type { HttpVersion, TargetForm } from "./head-scanner.js";
export type { HeaderFields } from "./header-fields.js";

// Encoders: heads and chunked framing.
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

// A request as CGI variables, and back: what a gateway to uwsgi, FastCGI or SCGI does.
export {
  type CgiResponseAsHttpOptions,
  cgiResponseBodyLength,
  type EnvironRequestOptions,
  encodeCgiResponseAsHttp,
  encodeEnvironRequest,
  environToRequestHead,
  type RequestEnvironOptions,
  requestToEnviron,
} from "./environ/mapping.js";
export type { ConnectionInfo } from "./environ/request-run.js";
export { percentDecode, percentEncodePath } from "./percent-coding.js";

// The decoders' error codes.
export { HttpErrorCode } from "./constants.js";
