/**
 * @envwire/scgi-proto/fuzz: RequestDecoder's fuzz targets, for harnesses outside this
 * repository (Jazzer.js's `fuzz(data)`, with seeds, a dictionary and `hold`: see FuzzTarget in
 * @envwire/environ/fuzz); the CGI response the application answers with is
 * @envwire/environ/fuzz's cgiResponse. Not part of the package's main entry point.
 */
export { request, requestLimits } from "./fuzz/request.js";
