/** SCGI's fixed strings and the codes of every ProtocolError this package throws. */

/** The variable that must come first and frames the body. */
export const CONTENT_LENGTH = "CONTENT_LENGTH";
/** The variable that must be present, with the value "1" (the protocol's version). */
export const SCGI = "SCGI";

export const ScgiErrorCode = {
  /** The header block's length prefix is not decimal digits and a colon, or has a leading zero. */
  BadLength: "SCGI_BAD_LENGTH",
  /** The header block's length is over maxHeadersSize. */
  HeadersTooLarge: "SCGI_HEADERS_TOO_LARGE",
  /** The byte after the header block is not the netstring's closing comma. */
  MissingComma: "SCGI_MISSING_COMMA",
  /** A name or value runs to the end of the header block without its NUL. */
  MissingNul: "SCGI_MISSING_NUL",
  /** The header block ends after a name, with no value: an odd number of strings. */
  OddStrings: "SCGI_ODD_STRINGS",
  /** More than maxHeaders headers. */
  TooManyHeaders: "SCGI_TOO_MANY_HEADERS",
  /** A header name is empty. */
  EmptyName: "SCGI_EMPTY_NAME",
  /** The first header is not CONTENT_LENGTH (or there is none). */
  ContentLengthNotFirst: "SCGI_CONTENT_LENGTH_NOT_FIRST",
  /** CONTENT_LENGTH is not decimal digits, or is beyond 2^53 - 1. */
  BadContentLength: "SCGI_BAD_CONTENT_LENGTH",
  /** Two CONTENT_LENGTH headers disagree: which one frames the body is ambiguous. */
  ConflictingContentLength: "SCGI_CONFLICTING_CONTENT_LENGTH",
  /** CONTENT_LENGTH is over maxBodySize. */
  BodyTooLarge: "SCGI_BODY_TOO_LARGE",
  /** There is no SCGI header. */
  MissingScgi: "SCGI_MISSING_SCGI",
  /** The SCGI header's value is not "1". */
  BadVersion: "SCGI_BAD_VERSION",
  /** The stream ended inside a request's length prefix, header block or comma. */
  TruncatedHeaders: "SCGI_TRUNCATED_HEADERS",
  /** The stream ended before CONTENT_LENGTH bytes of body. */
  TruncatedBody: "SCGI_TRUNCATED_BODY",
  /** push() or end() after end(). */
  Ended: "SCGI_ENDED",
  /** An encoder was given a name or value holding a NUL, which would end it early. */
  NulInVar: "SCGI_NUL_IN_VAR",
} as const;
