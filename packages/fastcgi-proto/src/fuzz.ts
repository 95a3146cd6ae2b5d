/**
 * @envwire/fastcgi-proto/fuzz: the request and response decoders' fuzz targets, for harnesses
 * outside this repository (Jazzer.js's `fuzz(data)`, with seeds, a dictionary and `hold`: see
 * FuzzTarget in @envwire/environ/fuzz). Not part of the package's main entry point.
 */
export { request, requestLimits } from "./fuzz/request.js";
export { response, responseLimits } from "./fuzz/response.js";
