// fastcgi-proto's RequestDecoder with small params and one request at a time.
// The target is the package's own, at @envwire/fastcgi-proto/fuzz, as outside harnesses get it.
import { requestLimits } from "@envwire/fastcgi-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = requestLimits;
