// @envwire/fastcgi-proto: FastCGI 1.0 records, both sides of the connection. Exports are
// grouped by what they are for, not sorted.

// The application side (what php-fpm does with what nginx sends): requests, interleaved by id.
export {
  type FcgiRequestBegin,
  type FcgiRequestDecoderOptions,
  type FcgiRequestHandler,
  type FcgiRequestHead,
  RequestDecoder,
} from "./request-decoder.js";

// The web server side: what an application sends back.
export {
  type FcgiEndRequest,
  type FcgiResponseDecoderOptions,
  type FcgiResponseHandler,
  ResponseDecoder,
} from "./response-decoder.js";

// Both decoders as events, for DecoderStream and DecoderDuplex (@envwire/environ, /node).
export { type FcgiRequestEvent, type FcgiResponseEvent, requestEvents, responseEvents } from "./events.js";

// Records to send, each side's.
export {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodeParams,
  encodeParamsInto,
  encodeRecordHeader,
  encodeStream,
  encodeStreamEnd,
  encodeUnknownType,
  measureParams,
  type PaddingOption,
  paddingFor,
  type StreamOptions,
} from "./encoder.js";

// The record layer both decoders stand on, for tools that need raw records.
export { RecordReader, type RecordSink } from "./record-reader.js";

// The protocol's numbers and names, and the decoders' error codes.
export {
  FCGI_MAX_CONNS,
  FCGI_MAX_REQS,
  FCGI_MPXS_CONNS,
  FcgiErrorCode,
  HEADER_SIZE,
  KEEP_CONN,
  MAX_CONTENT_LENGTH,
  MAX_TYPE,
  NULL_REQUEST_ID,
  ProtocolStatus,
  RecordType,
  Role,
  VERSION,
} from "./constants.js";
