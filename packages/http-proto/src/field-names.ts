/**
 * What a header field name means to this package, looked up once per field from its bytes:
 * the CGI variable it maps to, whether it has "_" (dropped by default), and whether it is
 * one of the few fields that frame the message or matter to the Environ mapping.
 *
 * The head scanner hashes each name as it reads it (see NAME_HASH_*), so a field seen
 * before costs a compare or two, four bytes at a time: no string for the raw name, no case
 * folding, and no byte-by-byte token check (only valid tokens get into the table). The table
 * is bounded, two ways a set; a new name displaces the older of the two. The names that
 * frame a message are pinned, so a flood of hostile names can slow lookups down, never
 * change what they return.
 */
import { headerToCgiName, latin1Decode, latin1Encode } from "@envwire/environ";

/** Kinds, as bits, so a head's kinds can be or-ed together and tested at once. */
export const FieldKind = {
  Other: 0,
  Connection: 1,
  TransferEncoding: 2,
  ContentLength: 4,
  Upgrade: 8,
  Expect: 16,
  Host: 32,
  ContentType: 64,
  Cookie: 128,
} as const;

/** Fields that change how a message is framed or whether the connection stays open. */
export const FRAMING_KINDS: number =
  FieldKind.Connection |
  FieldKind.TransferEncoding |
  FieldKind.ContentLength |
  FieldKind.Upgrade |
  FieldKind.Expect;

/**
 * Scratch for requestToEnviron, which finds a head's repeated fields in one pass by marking
 * them: the mapping that last saw this name, its first field there, and how many there are.
 */
export interface FieldGroup {
  seenBy: number;
  firstAt: number;
  count: number;
}

/** A field name's meaning; also the group of its fields while the name table stands still. */
export interface FieldName extends FieldGroup {
  /** Scratch for the head scanner: the scan that last saw this name (see nextStamp). */
  scannedBy: number;
  /**
   * The name's length and its bytes with the 0x20 bit set (lower case, for a token): as
   * little-endian words, and the last length % 4 bytes as one number, first byte highest.
   * (Counts kept as numbers: a typed array's length is read as a float, then checked.)
   */
  readonly length: number;
  readonly words: Int32Array;
  readonly wordCount: number;
  readonly tail: number;
  /** The CGI variable: HTTP_*, CONTENT_TYPE or CONTENT_LENGTH. */
  readonly cgi: string;
  readonly underscore: boolean;
  /** The name in lower case when it has one of "^~`|_", whose bytes the hash's folding confuses (see below); else undefined. */
  readonly exact: string | undefined;
  /** One FieldKind. */
  readonly kind: number;
}

/**
 * Name hashes xor in the name four bytes at a time, then byte by byte, each with the 0x20
 * bits set, multiplying by the golden ratio's 32 bits after each: the slot is the top bits,
 * into which such a multiply mixes every bit (Knuth's multiplicative hashing). Setting the
 * 0x20 bit lower-cases letters, but also makes "^" of "~", "`" of "@", "|" of "\\" and DEL
 * of "_": so an entry whose name has one of "^~`|_" is compared byte by byte (letters up to
 * case), and any other matches exactly its own name up to case.
 */
// (As int32s: written as they are, both are past 2^31, and a hash started from a float stays one.)
export const NAME_HASH_SEED: number = 0x811c9dc5 | 0;
export const NAME_HASH_PRIME: number = 0x9e3779b1 | 0;

/**
 * Two ways a set, so that two common names whose hashes meet (or one that meets a pinned
 * name) do not evict each other on every request.
 */
const SET_BITS = 9;
const SLOTS = 2 << SET_BITS;
/** A hash's set (its first slot): the top bits, which a multiply mixes from every bit below. */
const setOf = (hash: number) => (hash >>> (32 - SET_BITS)) << 1;
const MAX_CACHED_LENGTH = 40;

const KINDS: Record<string, number> = {
  connection: FieldKind.Connection,
  "transfer-encoding": FieldKind.TransferEncoding,
  "content-length": FieldKind.ContentLength,
  upgrade: FieldKind.Upgrade,
  expect: FieldKind.Expect,
  host: FieldKind.Host,
  "content-type": FieldKind.ContentType,
  cookie: FieldKind.Cookie,
};

const table: (FieldName | undefined)[] = new Array<FieldName | undefined>(SLOTS).fill(undefined);
const pinned: boolean[] = new Array<boolean>(SLOTS).fill(false);

function entryFor(raw: string): FieldName {
  const lower = raw.toLowerCase();
  const folded = Uint8Array.from(raw, (c) => c.charCodeAt(0) | 0x20);
  const view = new DataView(folded.buffer);
  const words = new Int32Array(folded.length >> 2);
  for (let k = 0; k < words.length; k++) words[k] = view.getInt32(k * 4, true);
  let tail = 0;
  for (let k = words.length * 4; k < folded.length; k++) tail = (tail << 8) | folded[k]!;
  return {
    length: folded.length,
    words,
    wordCount: words.length,
    tail,
    cgi: headerToCgiName(raw),
    underscore: raw.includes("_"),
    exact: /[\^~`|_]/.test(raw) ? lower : undefined,
    kind: KINDS[lower] ?? FieldKind.Other,
    seenBy: 0,
    firstAt: 0,
    count: 0,
    scannedBy: 0,
  };
}

/** The hash the scanner computes for the name `buf[start, end)` (words little-endian). */
export function nameHash(buf: Uint8Array, start: number, end: number): number {
  let h = NAME_HASH_SEED;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const word = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    h = Math.imul(h ^ (word | 0x20202020), NAME_HASH_PRIME);
  }
  for (; i < end; i++) h = Math.imul(h ^ (buf[i]! | 0x20), NAME_HASH_PRIME);
  return h;
}

for (const name of Object.keys(KINDS)) {
  const set = setOf(nameHash(latin1Encode(name), 0, name.length));
  const slot = pinned[set] ? set + 1 : set;
  if (pinned[slot]) throw new Error(`field name table: ${name} meets two pinned names`);
  table[slot] = entryFor(name);
  pinned[slot] = true;
}

let stamps = 0;

/**
 * A stamp no mark on a name holds yet, for the scanner's marks (FieldName.scannedBy) and the
 * Environ mapping's (FieldGroup.seenBy) alike: one counter, so each stamp is one use's own.
 * Stamps stay small integers (the engine stores them unboxed): past 2^30 they start over,
 * and the table's names forget every mark, so no stale one can look current.
 */
export function nextStamp(): number {
  if (++stamps === 0x40000000) {
    stamps = 1;
    for (const name of table) {
      if (name === undefined) continue;
      name.seenBy = 0;
      name.scannedBy = 0;
    }
  }
  return stamps;
}

let misses = 0;

/**
 * How many lookups have missed the table so far. While it stands still, each name maps to
 * one entry: two fields share an entry exactly when their names are the same.
 */
export function fieldNameMisses(): number {
  return misses;
}

/**
 * The entry for the field name `buf[start, end)`, whose nameHash is `hash`, if the table has
 * it (then the name is a valid token); `view` is a DataView of `buf`, for four-byte compares.
 */
export function knownFieldName(
  view: DataView,
  buf: Uint8Array,
  start: number,
  end: number,
  hash: number,
): FieldName | undefined {
  const set = setOf(hash);
  const first = table[set];
  if (first !== undefined && isName(first, view, buf, start, end)) return first;
  const second = table[set + 1];
  return second !== undefined && isName(second, view, buf, start, end) ? second : undefined;
}

/** A new entry for the field name `buf[start, end)` (a token the table does not have), kept if it may be. */
export function newFieldName(buf: Uint8Array, start: number, end: number, hash: number): FieldName {
  misses++;
  const raw = latin1Decode(buf, start, end);
  const entry = entryFor(raw);
  if (end - start > MAX_CACHED_LENGTH) return entry;
  // The newest name goes first, the one it displaces second; pinned names stay where they are.
  const set = setOf(hash);
  if (pinned[set]) {
    if (!pinned[set + 1]) table[set + 1] = entry;
  } else {
    if (!pinned[set + 1]) table[set + 1] = table[set];
    table[set] = entry;
  }
  return entry;
}

function isName(name: FieldName, view: DataView, buf: Uint8Array, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  const words = name.words;
  const wordCount = name.wordCount;
  let i = start;
  for (let k = 0; k < wordCount; k++, i += 4)
    if ((view.getInt32(i, true) | 0x20202020) !== words[k]) return false;
  let tail = 0;
  for (; i < end; i++) tail = (tail << 8) | buf[i]! | 0x20;
  return tail === name.tail && (name.exact === undefined || isExactly(name.exact, buf, start));
}

/** True when `buf[start…]` holds `lower`'s bytes, its letters in either case. */
function isExactly(lower: string, buf: Uint8Array, start: number): boolean {
  for (let k = 0; k < lower.length; k++) {
    const b = buf[start + k]!;
    if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== lower.charCodeAt(k)) return false;
  }
  return true;
}
