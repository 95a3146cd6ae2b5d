/**
 * Structure-aware mutations for the fuzz runner: byte-level changes (flips, interesting or
 * random values, deletions, duplications), the target's dictionary of protocol tokens inserted or
 * written over, splices of two corpus entries, and length fields rewritten — binary ones (8-,
 * 16- and 32-bit, either byte order) and decimal or hex digit runs (Content-Length, chunk
 * sizes) — to the values where limits and off-by-ones live. Deterministic for a given seed,
 * so a run is repeated by repeating its seed.
 */

// (The same generator chooses where the targets' oracle cuts an input.)
import { Random } from "@envwire/environ/fuzz";

export { Random };

const INTERESTING_BYTES = [
  0x00, 0x01, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x3a, 0x3b, 0x7f, 0x80, 0xff,
];
const INTERESTING_NUMBERS = [
  0, 1, 2, 7, 8, 15, 16, 127, 128, 255, 256, 4095, 4096, 8192, 32767, 32768, 65535, 65536,
];
const INTERESTING_TEXT = [
  "0",
  "1",
  "00",
  "-1",
  "+1",
  "65535",
  "2147483648",
  "9007199254740993",
  "ffffffffffffff",
  "1e3",
];
const MAX_LENGTH = 1 << 16;

function splice(a: Uint8Array, at: number, removed: number, inserted: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length - removed + inserted.length);
  out.set(a.subarray(0, at));
  out.set(inserted, at);
  out.set(a.subarray(at + removed), at + inserted.length);
  return out;
}

/** One mutation of `input` (a new array; `input` is left alone). */
function mutateOnce(
  input: Uint8Array,
  random: Random,
  dictionary: readonly Uint8Array[],
  corpus: readonly Uint8Array[],
): Uint8Array {
  const n = input.length;
  const at = random.below(n + 1);
  switch (random.below(11)) {
    case 0: {
      if (n === 0) return input;
      const out = input.slice();
      out[at % n] = out[at % n]! ^ (1 << random.below(8));
      return out;
    }
    case 1: {
      if (n === 0) return input;
      const out = input.slice();
      out[at % n] = random.pick(INTERESTING_BYTES);
      return out;
    }
    case 2:
      return splice(input, at, Math.min(n - at, 1 + random.below(16)), new Uint8Array(0));
    case 3: {
      const length = Math.min(n - at, 1 + random.below(64));
      return splice(input, random.below(n + 1), 0, input.slice(at, at + length));
    }
    case 4:
      return dictionary.length === 0 ? input : splice(input, at, 0, random.pick(dictionary));
    case 5: {
      if (dictionary.length === 0) return input;
      const token = random.pick(dictionary);
      return splice(input, at, Math.min(n - at, token.length), token);
    }
    case 6: {
      const other = random.pick(corpus);
      const cut = random.below(other.length + 1);
      return splice(input, at, n - at, other.subarray(cut));
    }
    case 7:
      return binaryLength(input, at, random);
    case 8:
      return textNumber(input, random);
    case 9: {
      if (n === 0) return input;
      const out = input.slice();
      out[at % n] = random.below(256);
      return out;
    }
    default: {
      if (n === 0) return input;
      const out = input.slice();
      out[at % n] = (out[at % n]! + (random.below(2) === 0 ? 1 : 255)) & 0xff;
      return out;
    }
  }
}

/** Writes an interesting number (or the old one ±1) as a 1-, 2- or 4-byte field at `at`. */
function binaryLength(input: Uint8Array, at: number, random: Random): Uint8Array {
  const width = random.pick([1, 2, 4]);
  if (input.length < width) return input;
  const start = Math.min(at, input.length - width);
  const littleEndian = random.below(2) === 0;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const old = width === 1 ? view.getUint8(start) : width === 2 ? view.getUint16(start, littleEndian) : 0;
  const value =
    random.below(3) === 0 ? old + (random.below(2) === 0 ? 1 : -1) : random.pick(INTERESTING_NUMBERS);
  const out = input.slice();
  const outView = new DataView(out.buffer);
  if (width === 1) outView.setUint8(start, value & 0xff);
  else if (width === 2) outView.setUint16(start, value & 0xffff, littleEndian);
  else outView.setUint32(start, value >>> 0, littleEndian);
  return out;
}

const isDigit = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Rewrites one of the input's runs of digits (a length, a chunk size, a port) as an interesting number. */
function textNumber(input: Uint8Array, random: Random): Uint8Array {
  const runs: [start: number, end: number][] = [];
  for (let i = 0; i < input.length; ) {
    if (!isDigit(input[i]!)) {
      i++;
      continue;
    }
    const start = i;
    while (i < input.length && isDigit(input[i]!)) i++;
    runs.push([start, i]);
  }
  if (runs.length === 0) return input;
  const [start, end] = random.pick(runs);
  const text = random.pick(INTERESTING_TEXT);
  return splice(
    input,
    start,
    end - start,
    Uint8Array.from(text, (c) => c.charCodeAt(0)),
  );
}

/**
 * `input` after a few mutations, kept under 64 kB: mostly one or two, as most changes to a
 * message already make it invalid, and a valid message with one odd part goes deepest.
 */
export function mutate(
  input: Uint8Array,
  random: Random,
  dictionary: readonly Uint8Array[],
  corpus: readonly Uint8Array[],
): Uint8Array {
  let out = input;
  const rounds = random.below(4) === 0 ? 1 + random.below(8) : 1 + random.below(2);
  for (let k = 0; k < rounds; k++) out = mutateOnce(out, random, dictionary, corpus);
  return out.length > MAX_LENGTH ? out.subarray(0, MAX_LENGTH) : out;
}
