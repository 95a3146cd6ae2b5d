/**
 * Header field name bytes → CGI variable name, in one step: a bounded table keyed by a
 * case-insensitive hash of the bytes, so a field seen before costs one hash and one compare —
 * no string for the raw name, no case folding, no second lookup. Names with "_" map to
 * undefined (dropped) unless underscores are kept.
 */
import { headerToCgiName, latin1Decode } from "@envwire/environ";

const SLOTS = 512; // a power of two
const MAX_CACHED_LENGTH = 40;

interface Entry {
  /** The name's bytes, lower-cased. */
  lower: Uint8Array;
  cgi: string;
  underscore: boolean;
}

const table: (Entry | undefined)[] = new Array<Entry | undefined>(SLOTS).fill(undefined);

const lowerByte = (c: number) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/** The CGI name for the field name `buf[start, end)`, or undefined when it has "_" and `keepUnderscore` is off. */
export function cgiNameFor(
  buf: Uint8Array,
  start: number,
  end: number,
  keepUnderscore: boolean,
): string | undefined {
  const length = end - start;
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ lowerByte(buf[i]!), 0x01000193);
  const slot = h & (SLOTS - 1);
  let entry = table[slot];
  if (entry === undefined || !sameLower(entry.lower, buf, start, length)) {
    const raw = latin1Decode(buf, start, end);
    entry = {
      lower: Uint8Array.from(raw, (c) => lowerByte(c.charCodeAt(0))),
      cgi: headerToCgiName(raw),
      underscore: raw.includes("_"),
    };
    if (length <= MAX_CACHED_LENGTH) table[slot] = entry;
  }
  return entry.underscore && !keepUnderscore ? undefined : entry.cgi;
}

function sameLower(lower: Uint8Array, buf: Uint8Array, start: number, length: number): boolean {
  if (lower.length !== length) return false;
  for (let i = 0; i < length; i++) if (lower[i] !== lowerByte(buf[start + i]!)) return false;
  return true;
}
