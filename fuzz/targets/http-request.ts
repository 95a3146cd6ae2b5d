// http-proto's RequestDecoder (what a proxy's front end reads), each head mapped to an Environ.
// The target is the package's own, at @envwire/http-proto/fuzz, as outside harnesses get it.
import { request } from "@envwire/http-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = request;
