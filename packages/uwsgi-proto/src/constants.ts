/** The uwsgi wire format's fixed numbers (uWSGI's "The uwsgi Protocol" page). */

/** modifier1 (u8), datasize (u16 little-endian), modifier2 (u8). */
export const HEADER_SIZE = 4;
/** datasize is a u16: no vars block or raw payload can be larger. */
export const MAX_DATASIZE = 0xffff;

/**
 * modifier1 values from uWSGI's protocol page (any 0-255 may appear on the wire). Those in
 * REQUEST_MODIFIERS carry a vars block followed by a body; every other packet is raw.
 */
export const Modifier1 = {
  WSGI: 0,
  PSGI: 5,
  LUA: 6,
  RACK: 7,
  JVM: 8,
  CGI: 9,
  /** Management interface request; modifier2 is the flag. */
  MANAGEMENT: 10,
  PHP: 14,
  MONO: 15,
  /** Spooler request: a vars block, no body. */
  SPOOLER: 17,
  /** Direct call to C-like symbols. */
  SYMCALL: 18,
  /** Raw code evaluation; modifier2 chooses the interpreter. */
  EVAL: 22,
  XSLT: 23,
  V8: 24,
  GRIDFS: 25,
  /** An HTTP response: what a uwsgi backend sends back (decode it with @envwire/http-proto). */
  HTTP: 72,
} as const;

/**
 * The "standard request followed by the HTTP request body" modifiers: WSGI, PSGI, LUA,
 * RACK, JVM, CGI, PHP and Mono. Their payload is a vars block and CONTENT_LENGTH bytes of
 * body follow the packet.
 */
export const REQUEST_MODIFIERS: readonly number[] = [0, 5, 6, 7, 8, 9, 14, 15];

/** Stable codes of every ProtocolError this package throws. */
export const UwsgiErrorCode = {
  /** The stream ended inside a 4-byte packet header. */
  TruncatedHeader: "UWSGI_TRUNCATED_HEADER",
  /** The stream ended inside a vars block. */
  TruncatedVars: "UWSGI_TRUNCATED_VARS",
  /** The stream ended before CONTENT_LENGTH bytes of body. */
  TruncatedBody: "UWSGI_TRUNCATED_BODY",
  /** The stream ended inside the payload of a raw (non-request) packet. */
  TruncatedPacket: "UWSGI_TRUNCATED_PACKET",
  /** datasize is over the decoder's maxVarsSize, or an encoder's vars block is over 65535 bytes. */
  VarsTooLarge: "UWSGI_VARS_TOO_LARGE",
  /** A vars block with more than maxVars entries. */
  TooManyVars: "UWSGI_TOO_MANY_VARS",
  /** A key's size field, or the key it announces, runs past the end of the vars block. */
  KeyOverrun: "UWSGI_KEY_OVERRUN",
  /** A value's size field, or the value it announces, runs past the end of the vars block. */
  ValueOverrun: "UWSGI_VALUE_OVERRUN",
  /** CONTENT_LENGTH is not empty or plain decimal digits, or is beyond 2^53 - 1. */
  BadContentLength: "UWSGI_BAD_CONTENT_LENGTH",
  /** Two CONTENT_LENGTH vars disagree: which one frames the body is ambiguous (smuggling). */
  ConflictingContentLength: "UWSGI_CONFLICTING_CONTENT_LENGTH",
  /** CONTENT_LENGTH is over the decoder's maxBodySize. */
  BodyTooLarge: "UWSGI_BODY_TOO_LARGE",
  /** A packet whose modifier1 carries no request arrived and no onPacket handler takes it. */
  UnexpectedPacket: "UWSGI_UNEXPECTED_PACKET",
  /** push() or end() after end(). */
  Ended: "UWSGI_ENDED",
  /** An encoder was given a key or value over 65535 bytes. */
  VarTooLong: "UWSGI_VAR_TOO_LONG",
  /** An encoder was given a modifier outside 0-255. */
  BadModifier: "UWSGI_BAD_MODIFIER",
} as const;
