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
export {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodeParams,
  encodeRecordHeader,
  encodeStream,
  encodeStreamEnd,
  encodeUnknownType,
  type PaddingOption,
  paddingFor,
  type StreamOptions,
} from "./encoder.js";
export { RecordReader, type RecordSink } from "./record-reader.js";
export {
  type FcgiRequestBegin,
  type FcgiRequestDecoderOptions,
  type FcgiRequestHandler,
  type FcgiRequestHead,
  RequestDecoder,
} from "./request-decoder.js";
export {
  type FcgiEndRequest,
  type FcgiResponseDecoderOptions,
  type FcgiResponseHandler,
  ResponseDecoder,
} from "./response-decoder.js";
