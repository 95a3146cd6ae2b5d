/**
 * The one error class every envwire codec throws for bad input.
 *
 * `code` is stable (tests and callers switch on it); `offset` is the byte offset in the
 * stream (decoders) or in the output being encoded (encoders) where the problem starts,
 * or -1 where no byte position applies.
 */
export class ProtocolError extends Error {
  readonly code: string;
  readonly offset: number;
  /** What is wrong, in words: `message` without the code and offset it ends with. */
  readonly reason: string;

  constructor(code: string, reason: string, offset = -1) {
    super(offset >= 0 ? `${reason} (${code} at byte ${offset})` : `${reason} (${code})`);
    this.name = "ProtocolError";
    this.code = code;
    this.offset = offset;
    this.reason = reason;
  }
}

/** Codes thrown by @envwire/environ itself. */
export const EnvironErrorCode = {
  /** A string value or name has a code point above 0xFF, so it has no latin-1 bytes. */
  NotLatin1: "ENVIRON_NOT_LATIN1",
  /** An encoder was given a buffer too small for what it must write. */
  BufferTooSmall: "ENVIRON_BUFFER_TOO_SMALL",
} as const;

/**
 * `s` quoted for an error message, cut to its first few characters: a message must not grow
 * with what a peer or a caller sent (a 1 MiB name would make a 1 MiB message).
 */
export function quote(s: string): string {
  return JSON.stringify(s.length > 32 ? `${s.slice(0, 32)}…` : s);
}
