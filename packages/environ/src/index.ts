// @envwire/environ: what a proxy, an application server or a fuzz harness uses beside the
// codecs. (The codecs' own shared parts are in @envwire/environ/codec.) Exports are grouped
// by what they are for, not sorted.

// The request variables every codec decodes to and encodes from.
export { Environ, type EnvironInit, type EnvironValue } from "./environ.js";

// Errors: every decoder's bad input is a ProtocolError with a stable code and byte offset.
export { EnvironErrorCode, ProtocolError } from "./errors.js";

// The CGI response an application writes back (over FastCGI's STDOUT, SCGI, or CGI itself).
export {
  CgiErrorCode,
  CgiResponseDecoder,
  type CgiResponseDecoderOptions,
  type CgiResponseHandler,
  type CgiResponseHead,
  type CgiResponseHeadInit,
  encodeCgiResponseHead,
} from "./cgi-response.js";

// Any decoder as a web stream: bytes in, its events out, with backpressure through pause().
// (A Node Duplex of the same: @envwire/environ/node.)
export {
  type DecoderFactory,
  DecoderStream,
  type DecoderStreamOptions,
  type MessageEvent,
  type StreamableDecoder,
} from "./decoder-stream.js";

// CGI names, and values as text.
export { cgiNameToHeader, headerToCgiName, WELL_KNOWN_CGI_NAMES } from "./cgi-names.js";
export type { FieldsInit } from "./fields.js";
export { latin1Decode, latin1Encode, utf8Decode, utf8Encode } from "./latin1.js";
