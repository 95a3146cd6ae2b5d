// RequestDecoder's fuzz targets (what an application server reads from nginx's uwsgi_pass).
import { Environ } from "@envwire/environ";
import { ascii, concat, type FuzzTarget, holder, sameValue, splitInvariant } from "@envwire/environ/fuzz";
import { Modifier1 } from "../constants.js";
import { RequestDecoder } from "../decoder.js";
import { encodePacketHeader, encodeRequest } from "../encoder.js";
import { decode } from "./recorder.js";

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

const seeds: Uint8Array[] = [
  encodeRequest(get),
  concat([encodeRequest(post), ascii("hello")]),
  concat([encodeRequest(get), encodeRequest(post), ascii("hello"), encodeRequest(get)]),
  encodePacketHeader(Modifier1.MANAGEMENT, 0, 7),
  concat([encodePacketHeader(Modifier1.EVAL, 4), ascii("ping")]),
];

const dictionary: Uint8Array[] = [
  "CONTENT_LENGTH",
  "REQUEST_METHOD",
  "HTTP_",
  "\x00\x00",
  "\xff\xff",
  "\x0e\x00",
].map(ascii);

const hold = holder((keep) => new RequestDecoder({ onHead: ({ env }) => keep(env), onPacket: keep }));

/**
 * RequestDecoder at its default limits: the same events however the input is cut, and each
 * request decoded goes back through encodeRequest to the same vars (what the decoder accepts,
 * a gateway can send on as it came).
 */
export const request: FuzzTarget = {
  fuzz: splitInvariant(
    (chunks) => decode(chunks).events,
    (events) => {
      for (const event of events) {
        if (event.type !== "head") continue;
        const { modifier1, modifier2, vars } = event;
        const again = decode([encodeRequest(new Environ(vars), { modifier1, modifier2 })], undefined, false);
        const head = again.events[0];
        if (head?.type !== "head" || !sameValue(head.vars, vars)) {
          throw new Error("a request re-encoded decodes to other vars");
        }
      }
    },
  ),
  seeds,
  dictionary,
  hold,
};

/** The same with small limits on the vars and the body: the paths where a limit is hit. */
export const requestLimits: FuzzTarget = {
  fuzz: splitInvariant((chunks) => decode(chunks, { maxVarsSize: 64, maxBodySize: 4 }).events),
  seeds,
  dictionary,
  hold,
};
