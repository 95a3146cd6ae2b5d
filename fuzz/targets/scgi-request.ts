// scgi-proto's RequestDecoder (what an application server reads from nginx's scgi_pass).
import { isDeepStrictEqual } from "node:util";
import { Environ } from "@envwire/environ";
import { encodeRequest, RequestDecoder } from "@envwire/scgi-proto";
import { decode } from "../../packages/scgi-proto/test/recorder.js";
import { ascii, concat } from "../../test/support/chunks.js";
import { holder, splitInvariant } from "../oracle.js";

// And each request decoded goes back through encodeRequest to the same headers: what the
// decoder accepts, a gateway can send on as it came (CONTENT_LENGTH first stays first, and
// a repeat of it agrees, so it is written once: compared without its repeats).
export const fuzz: (data: Uint8Array) => string = splitInvariant(
  (chunks) => decode(chunks).events,
  (events) => {
    for (const event of events) {
      if (event.type !== "head") continue;
      const once = event.headers.filter(([name], i) => i === 0 || name !== "CONTENT_LENGTH");
      const again = decode([encodeRequest(new Environ(event.headers))], undefined, false).events[0];
      if (again?.type !== "head" || !isDeepStrictEqual(again.headers, once)) {
        throw new Error("a request re-encoded decodes to other headers");
      }
    }
  },
);

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

export const seeds: Uint8Array[] = [
  encodeRequest(get),
  concat([encodeRequest(post), ascii("hello")]),
  concat([encodeRequest(get), encodeRequest(post), ascii("hello"), encodeRequest(get)]),
  ascii(
    "70:CONTENT_LENGTH\u000027\u0000SCGI\u00001\u0000REQUEST_METHOD\u0000POST\u0000REQUEST_URI\u0000/deepthought\u0000,What is the answer to life?",
  ),
];

export const dictionary: Uint8Array[] = [
  "CONTENT_LENGTH\u0000",
  "SCGI\u00001\u0000",
  "\u0000",
  "\u0000\u0000",
  ":",
  ",",
].map(ascii);

export const hold: (data: Uint8Array) => unknown = holder(
  (keep) => new RequestDecoder({ onHead: ({ env }) => keep(env) }),
);
