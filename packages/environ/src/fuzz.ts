/**
 * @envwire/environ/fuzz: fuzz targets for harnesses outside this repository (Jazzer.js's
 * `fuzz(data)` shape: see FuzzTarget), CgiResponseDecoder's here, and what the codecs'
 * own `/fuzz` entries build theirs from. Not part of the package's main entry point.
 */

// Bytes and choices for targets, recorders and runners.
export { ascii, concat, recordPiece, splitAt } from "./fuzz/bytes.js";
// The targets: CGI response heads, at the default limits and at small ones.
export { cgiResponse, cgiResponseLimits } from "./fuzz/cgi-response.js";
// Building a target: the whole-against-cut oracle, what a decoder holds, comparing records.
export { type FuzzTarget, holder, splitInvariant } from "./fuzz/oracle.js";
export { Random } from "./fuzz/random.js";
export { sameValue } from "./fuzz/same-value.js";
