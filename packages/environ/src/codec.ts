/**
 * @envwire/environ/codec: what the envwire codecs share beneath their public faces, for
 * codec authors. It may change in a minor version; a proxy or an application needs only the
 * package's main entry point.
 */
export { checkChunk, checkHandler } from "./arguments.js";
export { CutEntries } from "./cut-entries.js";
export { checkEnviron } from "./environ.js";
export { quote } from "./errors.js";
export { indexOfByte } from "./find.js";
