/** Returned by parseDecimal for an empty span or a byte that is not an ASCII digit. */
export const DECIMAL_INVALID = -1;
/** Returned by parseDecimal when the value exceeds the given maximum. */
export const DECIMAL_OVERFLOW = -2;

/**
 * Parses `buf[start, end)` as ASCII decimal digits only: no sign, no spaces, no "0x".
 * Returns the value, DECIMAL_INVALID, or DECIMAL_OVERFLOW as soon as it passes `max`
 * (at most Number.MAX_SAFE_INTEGER, so the arithmetic stays exact).
 */
export function parseDecimal(
  buf: Uint8Array,
  start: number,
  end: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (start >= end) return DECIMAL_INVALID;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) return DECIMAL_INVALID;
    value = value * 10 + digit;
    if (value > max) return DECIMAL_OVERFLOW;
  }
  return value;
}
