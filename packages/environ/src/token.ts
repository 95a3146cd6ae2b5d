/**
 * Byte classes of HTTP field syntax (RFC 9110 §5.1, §5.5), which CGI response headers share:
 * a lookup table per class, so a check is one load instead of a chain of comparisons.
 */

/** tchar: the bytes a token (a field name, a method) may hold. */
export const TOKEN: Uint8Array = classOf(
  (b) =>
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)),
);

/** Bytes a field value may hold: VCHAR, obs-text, SP and HTAB; never CR, LF, NUL or other controls. */
export const FIELD_VALUE: Uint8Array = classOf((b) => b === 0x09 || (b >= 0x20 && b !== 0x7f));

function classOf(member: (b: number) => boolean): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, b) => (member(b) ? 1 : 0));
}

/** True when `s` is a non-empty token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** Index of the first character of `s` that a field value may not hold, or -1. */
export function badFieldValueIndex(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] !== 1) return i;
  }
  return -1;
}
