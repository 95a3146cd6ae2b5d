/** The bytes that end lines. */
export const CR = 0x0d;
export const LF = 0x0a;

/** Stable codes of every ProtocolError this package throws. */
export const HttpErrorCode = {
  /** The head is over maxHeadSize bytes. */
  HeadTooLarge: "HTTP_HEAD_TOO_LARGE",
  /** The start line is over maxStartLineLength bytes. */
  StartLineTooLong: "HTTP_START_LINE_TOO_LONG",
  /** More than maxHeaders header fields, or maxTrailers trailer fields. */
  TooManyHeaders: "HTTP_TOO_MANY_HEADERS",
  /** A line ends in LF without CR (allowed only with the allowBareLf option). */
  BareLf: "HTTP_BARE_LF",
  /** A CR not followed by LF. */
  BareCr: "HTTP_BARE_CR",
  /** A method that is not a token. */
  BadMethod: "HTTP_BAD_METHOD",
  /** A request-target with a byte outside visible ASCII, or in a form its method does not allow. */
  BadTarget: "HTTP_BAD_TARGET",
  /** A request line or status line that is not three parts separated by single spaces. */
  BadStartLine: "HTTP_BAD_START_LINE",
  /** A version other than HTTP/1.0 or HTTP/1.1. */
  BadVersion: "HTTP_BAD_VERSION",
  /** A status code that is not three digits. */
  BadStatus: "HTTP_BAD_STATUS",
  /** A field name that is not a token, or whitespace before the colon. */
  BadHeaderName: "HTTP_BAD_HEADER_NAME",
  /** A field value with a byte RFC 9110 forbids (NUL, other controls). */
  BadHeaderValue: "HTTP_BAD_HEADER_VALUE",
  /** An HTTP/1.1 request without a Host field (RFC 9112 §3.2; allowed only with the allowMissingHost option). */
  MissingHost: "HTTP_MISSING_HOST",
  /** A Host field that is not a host and an optional port (RFC 9110 §7.2): "a/b", "x@y", "a b". */
  BadHost: "HTTP_BAD_HOST",
  /** A request with more than one Host field (RFC 9112 §3.2): a proxy and an origin could each route it by a different one. */
  DuplicateHost: "HTTP_DUPLICATE_HOST",
  /** A line starting with whitespace: obs-fold (allowed only with the allowObsFold option). */
  ObsFold: "HTTP_OBS_FOLD",
  /** A Content-Length that is not digits, or several that disagree. */
  BadContentLength: "HTTP_BAD_CONTENT_LENGTH",
  /** Transfer-Encoding and Content-Length both present. */
  ConflictingFraming: "HTTP_CONFLICTING_FRAMING",
  /** Transfer-Encoding whose last coding is not chunked (in a request), chunked twice, or in an HTTP/1.0 request; chunked with parameters. */
  BadTransferEncoding: "HTTP_BAD_TRANSFER_ENCODING",
  /** A chunk size that is not hex digits, a chunk extension off its grammar (RFC 9112 §7.1.1), or a malformed chunk line. */
  BadChunk: "HTTP_BAD_CHUNK",
  /** A chunk size over 2^53 - 1. */
  ChunkSizeOverflow: "HTTP_CHUNK_SIZE_OVERFLOW",
  /** A chunk extension over maxChunkExtensionLength bytes. */
  ChunkExtensionTooLong: "HTTP_CHUNK_EXTENSION_TOO_LONG",
  /** Trailer section over maxTrailerSize bytes. */
  TrailersTooLarge: "HTTP_TRAILERS_TOO_LARGE",
  /** A body over maxBodySize bytes. */
  BodyTooLarge: "HTTP_BODY_TOO_LARGE",
  /** The stream ended inside a message. */
  Truncated: "HTTP_TRUNCATED",
  /** push() or end() after end(). */
  Ended: "HTTP_ENDED",
  /** An encoder was given a method, target, name, value or status a peer would misread. */
  BadField: "HTTP_BAD_FIELD",
} as const;
