// http-proto's RequestDecoder with every limit small and bare LF allowed.
// The target is the package's own, at @envwire/http-proto/fuzz, as outside harnesses get it.
import { requestLimits } from "@envwire/http-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = requestLimits;
