// scgi-proto's RequestDecoder with small limits on the header block and the body.
// The target is the package's own, at @envwire/scgi-proto/fuzz, as outside harnesses get it.
import { requestLimits } from "@envwire/scgi-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = requestLimits;
