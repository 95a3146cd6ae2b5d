// fastcgi-proto's RequestDecoder (what php-fpm reads from nginx's fastcgi_pass).
// The target is the package's own, at @envwire/fastcgi-proto/fuzz, as outside harnesses get it.
import { request } from "@envwire/fastcgi-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = request;
