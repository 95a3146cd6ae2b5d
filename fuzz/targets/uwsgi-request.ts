// uwsgi-proto's RequestDecoder (what an application server reads from nginx's uwsgi_pass).
// The target is the package's own, at @envwire/uwsgi-proto/fuzz, as outside harnesses get it.
import { request } from "@envwire/uwsgi-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = request;
