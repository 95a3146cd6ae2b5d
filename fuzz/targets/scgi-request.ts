// scgi-proto's RequestDecoder (what an application server reads from nginx's scgi_pass).
// The target is the package's own, at @envwire/scgi-proto/fuzz, as outside harnesses get it.
import { request } from "@envwire/scgi-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = request;
