/**
 * Interns names decoded from bytes, so that the same CGI variable arriving in request after
 * request is one string, built once (msgpack's CachedKeyDecoder, with a bounded table).
 *
 * A fixed-size open table indexed by a hash of the length and six of the bytes (the first,
 * the sixth, the middle one and the last three: where CGI names that share a prefix, such
 * as HTTP_ or REQUEST_, differ), so that a lookup reads the bytes once, to compare them; a
 * miss overwrites its slot, so memory stays bounded whatever a peer sends. A slot keeps its
 * name's bytes beside the string, and a lookup compares bytes with bytes: reading a string's
 * characters one at a time took 1.5 ns each, nearly all of a lookup. Well-known names
 * are pinned: a flood of hostile names (or of names made to share a slot) can slow lookups
 * down to plain decoding, never evict them.
 */
import { WELL_KNOWN_CGI_NAMES } from "./cgi-names.js";
import { firstNonLatin1, latin1Decode } from "./latin1.js";

const SLOTS = 1024; // a power of two
const MAX_CACHED_LENGTH = 48;

export class NameCache {
  readonly #strings: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
  readonly #pinned: boolean[] = new Array<boolean>(SLOTS).fill(false);
  /** Slot k's string's bytes, from k * MAX_CACHED_LENGTH. */
  readonly #bytes = new Uint8Array(SLOTS * MAX_CACHED_LENGTH);

  /** `pinned`: names kept whatever else comes; one no bytes can spell (past 0xFF), or too long to cache, is left out. */
  constructor(pinned: readonly string[] = WELL_KNOWN_CGI_NAMES) {
    for (const name of pinned) {
      if (name.length > MAX_CACHED_LENGTH || firstNonLatin1(name) >= 0) continue;
      const slot = hashString(name) & (SLOTS - 1);
      if (this.#pinned[slot]) continue; // first come keeps the slot
      this.#strings[slot] = name;
      for (let i = 0; i < name.length; i++) this.#bytes[slot * MAX_CACHED_LENGTH + i] = name.charCodeAt(i);
      this.#pinned[slot] = true;
    }
  }

  /** The latin-1 string of `buf[start, end)`, the same string object each time it is seen. */
  intern(buf: Uint8Array, start: number, end: number): string {
    const n = end - start;
    if (n > MAX_CACHED_LENGTH || n === 0) return latin1Decode(buf, start, end);
    const slot =
      sampledHash(
        n,
        buf[start]!,
        buf[start + (n > 5 ? 5 : 0)]!,
        buf[start + (n >> 1)]!,
        buf[end - 1]!,
        buf[n > 1 ? end - 2 : start]!,
        buf[n > 2 ? end - 3 : start]!,
      ) &
      (SLOTS - 1);
    const cached = this.#strings[slot];
    const bytes = this.#bytes;
    const at = slot * MAX_CACHED_LENGTH;
    if (cached !== undefined && cached.length === n) {
      let k = 0;
      while (k < n && buf[start + k] === bytes[at + k]) k++;
      if (k === n) return cached;
    }
    const s = latin1Decode(buf, start, end);
    if (!this.#pinned[slot]) {
      this.#strings[slot] = s;
      for (let k = 0; k < n; k++) bytes[at + k] = buf[start + k]!;
    }
    return s;
  }
}

/** The hash of a name of `n` bytes from six of them (see intern() for which). */
function sampledHash(
  n: number,
  first: number,
  sixth: number,
  middle: number,
  last: number,
  last2: number,
  last3: number,
): number {
  let h = Math.imul(n ^ (last << 8) ^ (last2 << 16) ^ (last3 << 24), 0x9e3779b1);
  h = Math.imul(h ^ sixth ^ (middle << 8) ^ (first << 16), 0x01000193);
  return h ^ (h >>> 16);
}

function hashString(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const at = (i: number) => s.charCodeAt(i);
  return sampledHash(
    n,
    at(0),
    at(n > 5 ? 5 : 0),
    at(n >> 1),
    at(n - 1),
    at(n > 1 ? n - 2 : 0),
    at(n > 2 ? n - 3 : 0),
  );
}

/** The cache the codecs share: names are the same across protocols, so one table serves all. */
export const sharedNameCache: NameCache = new NameCache();
