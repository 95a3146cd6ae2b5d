// fastcgi-proto's ResponseDecoder with a small limit on GET_VALUES_RESULT.
// The target is the package's own, at @envwire/fastcgi-proto/fuzz, as outside harnesses get it.
import { responseLimits } from "@envwire/fastcgi-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = responseLimits;
