/**
 * What a header field name means to this package, looked up once per field from its bytes:
 * the CGI variable it maps to, whether it has "_" (dropped by default), and whether it is
 * one of the few fields that frame the message or matter to the Environ mapping.
 *
 * The head scanner hashes each name as it reads it (see NAME_HASH_*), so a field seen before
 * costs a compare or two, four bytes at a time: no string for the raw name, no case folding,
 * and no byte-by-byte token check (only valid tokens get into a table). Two tables answer:
 *
 * - the well-known names (KNOWN below), made once and never changed, shared by every decoder;
 * - a NameTable of each decoder's own, which learns the other names its peer sends: bounded
 *   (two ways a set; a new name displaces the older of the two), and the decoder's alone, so
 *   one connection's names can slow no other connection, nor push out a well-known name.
 *
 * Each name in a table has an id, unique among the names its tables hold, by which a head's
 * repeats are found without strings (NameTable's marks, cleared after each use).
 */
import { latin1Decode, latin1Encode } from "@envwire/environ";
import type { FieldNameList } from "@envwire/environ/codec";

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
  /** Keep-Alive, Proxy-Connection, TE, Trailer: the other hop-by-hop fields (RFC 9110 §7.6.1). */
  HopByHop: 256,
} as const;

/** Fields that change how a message is framed or whether the connection stays open. */
export const FRAMING_KINDS: number =
  FieldKind.Connection |
  FieldKind.TransferEncoding |
  FieldKind.ContentLength |
  FieldKind.Upgrade |
  FieldKind.Expect;

/** A field name's meaning (immutable: heads keep it). */
export interface FieldName {
  /** Unique among the names the tables hold (see the module comment); -1 for a name no table took. */
  readonly id: number;
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
  /**
   * The name has a byte other than a letter, a digit, "-" or "_" (a token may: "X.User",
   * "X~A"): nginx ignores such fields (ignore_invalid_headers), and PHP reads "." as "_".
   */
  readonly odd: boolean;
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

const KINDS: readonly (readonly [string, number])[] = [
  ["connection", FieldKind.Connection],
  ["transfer-encoding", FieldKind.TransferEncoding],
  ["content-length", FieldKind.ContentLength],
  ["upgrade", FieldKind.Upgrade],
  ["expect", FieldKind.Expect],
  ["host", FieldKind.Host],
  ["content-type", FieldKind.ContentType],
  ["cookie", FieldKind.Cookie],
  ["keep-alive", FieldKind.HopByHop],
  ["proxy-connection", FieldKind.HopByHop],
  ["te", FieldKind.HopByHop],
  ["trailer", FieldKind.HopByHop],
];

/** The names every table knows from the start: those that frame messages, and common ones. */
const KNOWN = [
  ...KINDS.map(([name]) => name),
  "accept",
  "accept-charset",
  "accept-encoding",
  "accept-language",
  "accept-ranges",
  "access-control-request-headers",
  "access-control-request-method",
  "age",
  "authorization",
  "cache-control",
  "content-disposition",
  "content-encoding",
  "content-language",
  "content-location",
  "content-range",
  "date",
  "dnt",
  "etag",
  "expires",
  "forwarded",
  "from",
  "if-match",
  "if-modified-since",
  "if-none-match",
  "if-range",
  "if-unmodified-since",
  "last-modified",
  "link",
  "location",
  "max-forwards",
  "origin",
  "pragma",
  "priority",
  "proxy-authorization",
  "range",
  "referer",
  "retry-after",
  "sec-ch-ua",
  "sec-ch-ua-mobile",
  "sec-ch-ua-platform",
  "sec-fetch-dest",
  "sec-fetch-mode",
  "sec-fetch-site",
  "sec-fetch-user",
  "sec-websocket-extensions",
  "sec-websocket-key",
  "sec-websocket-protocol",
  "sec-websocket-version",
  "server",
  "set-cookie",
  "upgrade-insecure-requests",
  "user-agent",
  "vary",
  "via",
  "www-authenticate",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
  "x-request-id",
  "x-requested-with",
];

/** Letters, digits and "-": the bytes of a name nginx passes on (see FieldName's odd). */
const NAME_PLAIN = new Uint8Array(256);
for (let c = 0; c < 256; c++)
  NAME_PLAIN[c] =
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d ? 1 : 0;

/** Where a name's CGI variable is spelled before it becomes a string: one, reused, grown when a name needs more. */
let cgiScratch = latin1Encode(`HTTP_${" ".repeat(123)}`);

/**
 * The entry for the name `buf[start, end)` (a token), made from its bytes in one pass. (A
 * name no table holds costs one of these per field, so it allocates little: the entry, its
 * words and its strings.)
 */
function entryOf(buf: Uint8Array, start: number, end: number, id: number, kind: number): FieldName {
  const length = end - start;
  if (cgiScratch.length < length + 5) {
    const grown = new Uint8Array(length + 5);
    grown.set(cgiScratch.subarray(0, 5));
    cgiScratch = grown;
  }
  const cgi = cgiScratch;
  let underscore = false;
  let odd = false;
  let confusable = false;
  for (let k = 0; k < length; k++) {
    const c = buf[start + k]!;
    cgi[5 + k] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c === 0x2d ? 0x5f : c;
    if (c === 0x5f) underscore = true;
    else if (NAME_PLAIN[c] !== 1) odd = true;
    if (c === 0x5e || c === 0x7e || c === 0x60 || c === 0x7c || c === 0x5f) confusable = true;
  }
  const wordCount = length >> 2;
  const words = new Int32Array(wordCount);
  for (let k = 0, i = start; k < wordCount; k++, i += 4)
    words[k] = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24) | 0x20202020;
  let tail = 0;
  for (let i = start + wordCount * 4; i < end; i++) tail = (tail << 8) | buf[i]! | 0x20;
  return {
    id,
    length,
    words,
    wordCount,
    tail,
    cgi:
      kind === FieldKind.ContentType
        ? "CONTENT_TYPE"
        : kind === FieldKind.ContentLength
          ? "CONTENT_LENGTH"
          : latin1Decode(cgi, 0, length + 5),
    underscore,
    odd,
    exact: confusable ? latin1Decode(buf, start, end).replace(/[A-Z]+/g, (s) => s.toLowerCase()) : undefined,
    kind,
  };
}

/** A two-ways-a-set table of names, by hash: the newest of a set first, the one before it second. */
class Ways {
  readonly #bits: number;
  readonly names: (FieldName | undefined)[];

  constructor(setBits: number) {
    this.#bits = setBits;
    this.names = new Array<FieldName | undefined>(2 << setBits).fill(undefined);
  }

  /** The first slot of `hash`'s set: the top bits, into which a multiply mixes every bit below. */
  setOf(hash: number): number {
    return (hash >>> (32 - this.#bits)) << 1;
  }

  find(view: DataView, buf: Uint8Array, start: number, end: number, hash: number): FieldName | undefined {
    const set = this.setOf(hash);
    const first = this.names[set];
    if (first !== undefined && isName(first, view, buf, start, end)) return first;
    const second = this.names[set + 1];
    return second !== undefined && isName(second, view, buf, start, end) ? second : undefined;
  }
}

/** The well-known names: ids 0 to KNOWN_IDS - 1. */
const known = new Ways(9);
const kernelEntries: FieldName[] = [];
const kernelNames: { hash: number; bytes: Uint8Array }[] = [];
/**
 * The well-known names (those with no byte of "^~`|_": see nameHash) for the byte kernels'
 * table (ByteKernels.fieldLines), and their entries, by the index fieldLines gives.
 */
export const KERNEL_NAMES: FieldNameList = kernelNames;
export const KERNEL_NAME_ENTRIES: readonly FieldName[] = kernelEntries;
for (const [id, name] of KNOWN.entries()) {
  const bytes = latin1Encode(name);
  const hash = nameHash(bytes, 0, bytes.length);
  const set = known.setOf(hash);
  const slot = known.names[set] === undefined ? set : set + 1;
  if (known.names[slot] !== undefined) throw new Error(`field name table: ${name} meets two other names`);
  const kind = KINDS.find(([k]) => k === name)?.[1] ?? FieldKind.Other;
  const entry = entryOf(bytes, 0, bytes.length, id, kind);
  known.names[slot] = entry;
  if (entry.exact === undefined) {
    kernelEntries.push(entry);
    kernelNames.push({ hash, bytes: bytes.map((b) => b | 0x20) });
  }
}
const KNOWN_IDS = KNOWN.length;

/** Names longer than this are not learned (each one seen is new): few are, and none is common. */
const MAX_LEARNED_LENGTH = 64;
/** Sets in a decoder's own table: 2 ^ LEARNED_SET_BITS, two names each. */
const LEARNED_SET_BITS = 6;
const LEARNED = 2 << LEARNED_SET_BITS;

const IDS = KNOWN_IDS + LEARNED;
/**
 * What a table's scratch starts as, copied: a slice of an array of small integers is one copy
 * (130 ns here), where a typed array of the same length costs its own backing store (250–400
 * ns, more under load), and a proxy makes a response decoder, and so a table, a request.
 */
const ZEROS: readonly number[] = new Array<number>(IDS).fill(0);
const NONE_YET: readonly number[] = new Array<number>(IDS).fill(-1);

/**
 * A decoder's names: the well-known ones, and those it learns from its peer. Also the scratch
 * its scans and mappings use one at a time, by name id (see the module comment).
 */
export class NameTable {
  readonly #learned = new Ways(LEARNED_SET_BITS);
  /**
   * Learned ids handed out so far (KNOWN_IDS up): once all LEARNED are, a new name takes the
   * id of the one it displaces. (A counter, not a list of free ids: a list made with each
   * table cost most of a decoder's construction, 100 K instructions, and a proxy makes a
   * response decoder a request.)
   */
  #idsUsed = 0;
  /** How many names were not found in a table: while it stands still, the tables stood still. */
  misses = 0;
  /** The names a scan has met so far (1), cleared after each scan, as the decoder's alone. */
  readonly marks: number[] = ZEROS.slice();
  #firstAt: number[] | undefined = undefined;

  /** Each name id's first field, for one survey at a time, which leaves it as found (-1). */
  get firstAt(): number[] {
    this.#firstAt ??= NONE_YET.slice();
    return this.#firstAt;
  }

  /**
   * The entry for the field name `buf[start, end)`, whose nameHash is `hash`, if a table has
   * it (then the name is a valid token); `view` is a DataView of `buf`, for four-byte compares.
   */
  find(view: DataView, buf: Uint8Array, start: number, end: number, hash: number): FieldName | undefined {
    return known.find(view, buf, start, end, hash) ?? this.#learned.find(view, buf, start, end, hash);
  }

  /** A new entry for the field name `buf[start, end)` (a token no table has), learned if it may be. */
  learn(buf: Uint8Array, start: number, end: number, hash: number): FieldName {
    this.misses++;
    if (end - start > MAX_LEARNED_LENGTH) return entryOf(buf, start, end, -1, FieldKind.Other);
    const names = this.#learned.names;
    const set = this.#learned.setOf(hash);
    // The newest name goes first, the one before it second; the one that was second goes, and
    // its id is the new name's.
    const displaced = names[set + 1];
    const id = displaced === undefined ? KNOWN_IDS + this.#idsUsed++ : displaced.id;
    const entry = entryOf(buf, start, end, id, FieldKind.Other);
    names[set + 1] = names[set];
    names[set] = entry;
    return entry;
  }
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
