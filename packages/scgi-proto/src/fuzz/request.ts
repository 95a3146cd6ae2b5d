// RequestDecoder's fuzz targets (what an application server reads from nginx's scgi_pass).
import { Environ } from "@envwire/environ";
import { ascii, concat, type FuzzTarget, holder, sameValue, splitInvariant } from "@envwire/environ/fuzz";
import { RequestDecoder } from "../decoder.js";
import { encodeRequest } from "../encoder.js";
import { decode } from "./recorder.js";

const get = new Environ([
  ["REQUEST_METHOD", "GET"],
  ["REQUEST_URI", "/a?b=1"],
  ["QUERY_STRING", "b=1"],
  ["CONTENT_TYPE", ""],
  ["HTTP_HOST", "h.test"],
  ["HTTP_X_DUP", "1"],
  ["HTTP_X_DUP", "2"],
]);
const post = new Environ([
  ["REQUEST_METHOD", "POST"],
  ["CONTENT_LENGTH", "5"],
  ["CONTENT_TYPE", "text/plain"],
]);

const seeds: Uint8Array[] = [
  encodeRequest(get),
  concat([encodeRequest(post), ascii("hello")]),
  concat([encodeRequest(get), encodeRequest(post), ascii("hello"), encodeRequest(get)]),
  ascii(
    "70:CONTENT_LENGTH\u000027\u0000SCGI\u00001\u0000REQUEST_METHOD\u0000POST\u0000REQUEST_URI\u0000/deepthought\u0000,What is the answer to life?",
  ),
];

const dictionary: Uint8Array[] = [
  "CONTENT_LENGTH\u0000",
  "SCGI\u00001\u0000",
  "\u0000",
  "\u0000\u0000",
  ":",
  ",",
].map(ascii);

const hold = holder((keep) => new RequestDecoder({ onHead: ({ env }) => keep(env) }));

/**
 * RequestDecoder at its default limits: the same events however the input is cut, and each
 * request decoded goes back through encodeRequest to the same headers (CONTENT_LENGTH first
 * stays first, and a repeat of it agrees, so it is written once: compared without repeats).
 */
export const request: FuzzTarget = {
  fuzz: splitInvariant(
    (chunks) => decode(chunks).events,
    (events) => {
      for (const event of events) {
        if (event.type !== "head") continue;
        const once = event.headers.filter(([name], i) => i === 0 || name !== "CONTENT_LENGTH");
        const again = decode([encodeRequest(new Environ(event.headers))], undefined, false).events[0];
        if (again?.type !== "head" || !sameValue(again.headers, once)) {
          throw new Error("a request re-encoded decodes to other headers");
        }
      }
    },
  ),
  seeds,
  dictionary,
  hold,
};

/** The same with small limits on the header block and the body: the paths where a limit is hit. */
export const requestLimits: FuzzTarget = {
  fuzz: splitInvariant((chunks) => decode(chunks, { maxHeadersSize: 48, maxBodySize: 4 }).events),
  seeds,
  dictionary,
  hold,
};
