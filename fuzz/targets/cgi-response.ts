// environ's CgiResponseDecoder (a CGI response head, as FastCGI's STDOUT or SCGI's reply carries it).
// The target is the package's own, at @envwire/environ/fuzz, as outside harnesses get it.
import { cgiResponse } from "@envwire/environ/fuzz";

export const { fuzz, seeds, dictionary, hold } = cgiResponse;
