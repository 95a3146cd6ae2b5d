/**
 * @envwire/environ/codec: what the envwire codecs share beneath their public faces, for
 * codec authors. It may change in a minor version; a proxy or an application needs only the
 * package's main entry point. Exports are grouped by what they are for, not sorted.
 */

// Filling an Environ without allocating, and writing its entries straight from their bytes
// (or, unchanged since a decoder read them whole, as the one block they came in).
export {
  appendEncoded,
  appendRun,
  appendSlice,
  checkEnviron,
  type Environ,
  type EnvironInit,
  type EnvironRun,
  type EnvironValue,
  markSource,
  nameByteLength,
  nameEquals,
  ownEntries,
  sourceByteLength,
  valueByteLength,
  writeNameAt,
  writeSource,
  writeValueAt,
} from "./environ.js";
export { ByteWriter } from "./writer.js";

// Decoders' shared parts: a fixed-size header read across chunks, push/end bookkeeping,
// entries cut by a chunk boundary, names turned into strings once.
export { CutEntries } from "./cut-entries.js";
export { FixedHeaderReader } from "./fixed-header.js";
export { messageHandler } from "./decoder-stream.js";
export { DecoderLifecycle, PausableDecoder } from "./lifecycle.js";
export { NameCache, sharedNameCache } from "./name-cache.js";

// Byte kernels (WebAssembly SIMD where the realm has it, else plain JavaScript, with the same
// results): the seam every decoder's scans go through.
export { type ByteKernels, byteKernels, type FieldNameList, KERNEL_WINDOW } from "./kernels.js";

// Arguments checked at a public entry point (a TypeError naming the argument).
export {
  checkBoolean,
  checkChunk,
  checkHandler,
  checkNumber,
  checkObject,
  checkOutput,
  checkString,
} from "./arguments.js";
// How entry lists print in util.inspect (console.log), without importing Node.
export { type Inspect, type InspectOptions, printEntries, printWith } from "./printed.js";

// Header fields a caller gives (pairs or a plain object), checked and written as lines.
export { fieldLines } from "./fields.js";

// Bytes: copies, searches, decimal numbers, latin-1 and HTTP tokens.
export { copyBytes } from "./copy.js";
export { parseCgiContentLength } from "./content-length.js";
export { DECIMAL_INVALID, DECIMAL_OVERFLOW, parseDecimal } from "./decimal.js";
export { quote } from "./errors.js";
export { indexOfByte } from "./find.js";
export { assertLatin1, firstNonLatin1, latin1Equals, latin1Output } from "./latin1.js";
export { badFieldValueIndex, FIELD_VALUE, isToken, TOKEN } from "./token.js";
