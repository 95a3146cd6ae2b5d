// An independent builder of FastCGI bytes for fixtures, written from the spec with plain
// arrays: the encoders under test never make the bytes they are tested against.
import { ascii, concat } from "../../../test/support/chunks.js";

type Bytes = string | Uint8Array | readonly number[];
export const bytesOf = (b: Bytes): Uint8Array =>
  typeof b === "string" ? ascii(b) : b instanceof Uint8Array ? b : Uint8Array.from(b);

export function record(type: number, requestId: number, content: Bytes = [], padding = 0): Uint8Array {
  const c = bytesOf(content);
  if (c.length > 0xffff) throw new Error("builder: a record holds at most 65535 bytes");
  return Uint8Array.from([
    1,
    type,
    requestId >> 8,
    requestId & 0xff,
    c.length >> 8,
    c.length & 0xff,
    padding,
    0,
    ...c,
    ...new Array<number>(padding).fill(0),
  ]);
}

const length = (n: number) =>
  n < 128 ? [n] : [((n >>> 24) & 0x7f) | 0x80, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

export function pair(name: Bytes, value: Bytes): Uint8Array {
  const n = bytesOf(name);
  const v = bytesOf(value);
  return concat([Uint8Array.from([...length(n.length), ...length(v.length)]), n, v]);
}

export const pairs = (list: readonly (readonly [Bytes, Bytes])[]): Uint8Array =>
  concat(list.map(([n, v]) => pair(n, v)));

export const begin = (id: number, role = 1, flags = 0) =>
  record(1, id, [role >> 8, role & 0xff, flags, 0, 0, 0, 0, 0]);
export const end = (id: number, appStatus = 0, protocolStatus = 0) =>
  record(3, id, [
    appStatus >>> 24,
    (appStatus >>> 16) & 0xff,
    (appStatus >>> 8) & 0xff,
    appStatus & 0xff,
    protocolStatus,
    0,
    0,
    0,
  ]);

/** A stream's content cut into records at the given content lengths, then its empty record. */
export function stream(
  type: number,
  id: number,
  content: Uint8Array,
  recordSizes: readonly number[] = [],
  pad = false,
) {
  const records: Uint8Array[] = [];
  let at = 0;
  const sizes = [...recordSizes];
  while (at < content.length) {
    // The given sizes first, then whatever is left, at most a record's 65535 bytes at a time.
    const piece = content.subarray(
      at,
      Math.min(content.length, at + Math.min(sizes.shift() ?? 0xffff, 0xffff)),
    );
    records.push(record(type, id, piece, pad ? (8 - (piece.length % 8)) % 8 : 0));
    at += piece.length;
  }
  records.push(record(type, id));
  return concat(records);
}
