// uwsgi-proto's RequestDecoder with small limits on the vars and the body.
// The target is the package's own, at @envwire/uwsgi-proto/fuzz, as outside harnesses get it.
import { requestLimits } from "@envwire/uwsgi-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = requestLimits;
