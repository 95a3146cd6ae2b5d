// environ's CgiResponseDecoder with a small head and few fields.
// The target is the package's own, at @envwire/environ/fuzz, as outside harnesses get it.
import { cgiResponseLimits } from "@envwire/environ/fuzz";

export const { fuzz, seeds, dictionary, hold } = cgiResponseLimits;
