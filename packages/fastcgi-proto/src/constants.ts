/** FastCGI 1.0's fixed numbers (the FastCGI Specification, §8). */

/** version, type, requestId (u16 BE), contentLength (u16 BE), paddingLength, reserved. */
export const HEADER_SIZE = 8;
export const VERSION = 1;
/** contentLength is a u16. */
export const MAX_CONTENT_LENGTH = 0xffff;
/** The request id of management records. */
export const NULL_REQUEST_ID = 0;

export const RecordType = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
} as const;
/** The highest record type FastCGI 1.0 defines. */
export const MAX_TYPE = 11;

export const Role = { RESPONDER: 1, AUTHORIZER: 2, FILTER: 3 } as const;

/** BEGIN_REQUEST flags: keep the connection open after this request. */
export const KEEP_CONN = 1;

export const ProtocolStatus = {
  REQUEST_COMPLETE: 0,
  CANT_MPX_CONN: 1,
  OVERLOADED: 2,
  UNKNOWN_ROLE: 3,
} as const;

/** The variables GET_VALUES may ask about. */
export const FCGI_MAX_CONNS = "FCGI_MAX_CONNS";
export const FCGI_MAX_REQS = "FCGI_MAX_REQS";
export const FCGI_MPXS_CONNS = "FCGI_MPXS_CONNS";

/** Stable codes of every ProtocolError this package throws. */
export const FcgiErrorCode = {
  /** A record's version is not 1. */
  BadVersion: "FCGI_BAD_VERSION",
  /** The stream ended inside a record. */
  TruncatedRecord: "FCGI_TRUNCATED_RECORD",
  /** The stream ended while a request was still open (input or response incomplete). */
  TruncatedRequest: "FCGI_TRUNCATED_REQUEST",
  /** A record type this side never receives (STDOUT at an application, PARAMS at a web server, ...). */
  UnexpectedRecord: "FCGI_UNEXPECTED_RECORD",
  /** An application record of a type FastCGI 1.0 does not define. */
  UnknownRecordType: "FCGI_UNKNOWN_RECORD_TYPE",
  /** A management type with a request id, or a request type with id 0. */
  BadRequestId: "FCGI_BAD_REQUEST_ID",
  /** A discrete record of the wrong size (BEGIN_REQUEST, END_REQUEST, UNKNOWN_TYPE: 8; ABORT_REQUEST: 0). */
  BadRecordLength: "FCGI_BAD_RECORD_LENGTH",
  /** A record for a request id that never began on this connection (or that the web server did not expect). */
  UnknownRequest: "FCGI_UNKNOWN_REQUEST",
  /** BEGIN_REQUEST for a request id that is still active. */
  DuplicateRequest: "FCGI_DUPLICATE_REQUEST",
  /** A stream record after that stream's empty record, a stream out of order, or a record after END_REQUEST. */
  StreamEnded: "FCGI_STREAM_ENDED",
  /** A name-value pair's lengths run past the end of its stream or record. */
  TruncatedPair: "FCGI_TRUNCATED_PAIR",
  /** A request's params are over maxParamsSize, or the connection's in progress over maxPendingParamsSize. */
  ParamsTooLarge: "FCGI_PARAMS_TOO_LARGE",
  /** A request has over maxParams pairs, or the connection's in progress over maxPendingParams. */
  TooManyParams: "FCGI_TOO_MANY_PARAMS",
  /** BEGIN_REQUEST when maxConcurrentRequests are already active. */
  TooManyRequests: "FCGI_TOO_MANY_REQUESTS",
  /** A management record arrived and no onReply handler can answer it. */
  NoReplyHandler: "FCGI_NO_REPLY_HANDLER",
  /** push() or end() after end(). */
  Ended: "FCGI_ENDED",
  /** An encoder was given a value out of its field's range (request id, type, status, ...). */
  BadField: "FCGI_BAD_FIELD",
  /** An encoder was given a name or value over 2^31 - 1 bytes, or GET_VALUES over one record. */
  TooLong: "FCGI_TOO_LONG",
} as const;
