export { cgiNameToHeader, headerToCgiName, WELL_KNOWN_CGI_NAMES } from "./cgi-names.js";
export {
  CgiErrorCode,
  CgiResponseDecoder,
  type CgiResponseDecoderOptions,
  type CgiResponseHandler,
  type CgiResponseHead,
  type CgiResponseHeadInit,
  encodeCgiResponseHead,
} from "./cgi-response.js";
export { parseCgiContentLength } from "./content-length.js";
export { copyBytes } from "./copy.js";
export { DECIMAL_INVALID, DECIMAL_OVERFLOW, parseDecimal } from "./decimal.js";
export { Environ, type EnvironInit, type EnvironRun, type EnvironValue } from "./environ.js";
export { EnvironErrorCode, ProtocolError } from "./errors.js";
export { FixedHeaderReader } from "./fixed-header.js";
export {
  assertLatin1,
  firstNonLatin1,
  latin1Decode,
  latin1Encode,
  latin1Equals,
  utf8Decode,
  utf8Encode,
} from "./latin1.js";
export { DecoderLifecycle } from "./lifecycle.js";
export { NameCache, sharedNameCache } from "./name-cache.js";
export { badFieldValueIndex, FIELD_VALUE, isToken, TOKEN } from "./token.js";
export { ByteWriter } from "./writer.js";
