/**
 * Interns names decoded from bytes, so that the same CGI variable arriving in request after
 * request is one string, built once (msgpack's CachedKeyDecoder, with a bounded table).
 *
 * A fixed-size open table indexed by an FNV-1a hash of the bytes; a miss overwrites its slot,
 * so memory stays bounded whatever a peer sends. Well-known names are pinned: a flood of
 * hostile names can slow lookups down to plain decoding, never evict them.
 */
import { WELL_KNOWN_CGI_NAMES } from "./cgi-names.js";
import { latin1Decode, latin1Equals } from "./latin1.js";

const SLOTS = 1024; // a power of two
const MAX_CACHED_LENGTH = 48;

export class NameCache {
  readonly #strings: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
  readonly #pinned: boolean[] = new Array<boolean>(SLOTS).fill(false);

  constructor(pinned: readonly string[] = WELL_KNOWN_CGI_NAMES) {
    for (const name of pinned) {
      const slot = hashString(name) & (SLOTS - 1);
      if (this.#pinned[slot]) continue; // first come keeps the slot
      this.#strings[slot] = name;
      this.#pinned[slot] = true;
    }
  }

  /** The latin-1 string of `buf[start, end)`, the same string object each time it is seen. */
  intern(buf: Uint8Array, start: number, end: number): string {
    if (end - start > MAX_CACHED_LENGTH) return latin1Decode(buf, start, end);
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = h & (SLOTS - 1);
    const cached = this.#strings[slot];
    if (cached !== undefined && latin1Equals(buf, start, end, cached)) return cached;
    const s = latin1Decode(buf, start, end);
    if (!this.#pinned[slot]) this.#strings[slot] = s;
    return s;
  }
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** The cache the codecs share: names are the same across protocols, so one table serves all. */
export const sharedNameCache: NameCache = new NameCache();
