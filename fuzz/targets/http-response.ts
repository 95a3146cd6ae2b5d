// http-proto's ResponseDecoder (what a proxy's back end reads).
// The target is the package's own, at @envwire/http-proto/fuzz, as outside harnesses get it.
import { response } from "@envwire/http-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = response;
