// uwsgi-proto's RequestDecoder (what an application server reads from nginx's uwsgi_pass).
import { isDeepStrictEqual } from "node:util";
import { Environ } from "@envwire/environ";
import { encodePacketHeader, encodeRequest, Modifier1, RequestDecoder } from "@envwire/uwsgi-proto";
import { decode } from "../../packages/uwsgi-proto/test/recorder.js";
import { ascii, concat } from "../../test/support/chunks.js";
import { holder, splitInvariant } from "../oracle.js";

// And each request decoded goes back through encodeRequest to the same vars: what the
// decoder accepts, a gateway can send on as it came.
export const fuzz: (data: Uint8Array) => string = splitInvariant(
  (chunks) => decode(chunks).events,
  (events) => {
    for (const event of events) {
      if (event.type !== "head") continue;
      const { modifier1, modifier2, vars } = event;
      const again = decode([encodeRequest(new Environ(vars), { modifier1, modifier2 })], undefined, false);
      const head = again.events[0];
      if (head?.type !== "head" || !isDeepStrictEqual(head.vars, vars)) {
        throw new Error("a request re-encoded decodes to other vars");
      }
    }
  },
);

const get = new Environ([
  ["REQUEST_METHOD", "GET"],
  ["REQUEST_URI", "/a?b=1"],
  ["PATH_INFO", "/a"],
  ["QUERY_STRING", "b=1"],
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
  encodePacketHeader(Modifier1.MANAGEMENT, 0, 7),
  concat([encodePacketHeader(Modifier1.EVAL, 4), ascii("ping")]),
];

export const dictionary: Uint8Array[] = [
  "CONTENT_LENGTH",
  "REQUEST_METHOD",
  "HTTP_",
  "\x00\x00",
  "\xff\xff",
  "\x0e\x00",
].map(ascii);

export const hold: (data: Uint8Array) => unknown = holder(
  (keep) => new RequestDecoder({ onHead: ({ env }) => keep(env), onPacket: keep }),
);
