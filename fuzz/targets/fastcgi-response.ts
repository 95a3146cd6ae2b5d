// fastcgi-proto's ResponseDecoder (what nginx reads back from php-fpm).
// The target is the package's own, at @envwire/fastcgi-proto/fuzz, as outside harnesses get it.
import { response } from "@envwire/fastcgi-proto/fuzz";

export const { fuzz, seeds, dictionary, hold } = response;
