/**
 * CONTENT_LENGTH as CGI transports (uwsgi, SCGI) carry it: decimal digits, where an empty
 * value means no body (nginx sends `CONTENT_LENGTH` empty for a GET).
 */
import { parseDecimal } from "./decimal.js";

/**
 * Parses a CONTENT_LENGTH value held in `buf[start, end)`: empty is 0; otherwise digits only
 * (no sign, no spaces), at most `max`. Returns the length, or DECIMAL_INVALID / DECIMAL_OVERFLOW.
 */
export function parseCgiContentLength(
  buf: Uint8Array,
  start: number,
  end: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  return start === end ? 0 : parseDecimal(buf, start, end, max);
}
