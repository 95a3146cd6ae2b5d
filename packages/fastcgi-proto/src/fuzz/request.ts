// RequestDecoder's fuzz targets (what php-fpm reads from nginx's fastcgi_pass): records,
// multiplexed requests, params split anywhere, management records.
import { Environ } from "@envwire/environ";
import { ascii, concat, type FuzzTarget, holder, sameValue, splitInvariant } from "@envwire/environ/fuzz";
import { RecordType, Role } from "../constants.js";
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeGetValues,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
} from "../encoder.js";
import { RequestDecoder } from "../request-decoder.js";
import { decodeRequests } from "./recorder.js";

const env = new Environ([
  ["REQUEST_METHOD", "POST"],
  ["SCRIPT_FILENAME", "/srv/index.php"],
  ["CONTENT_LENGTH", "5"],
  ["HTTP_X_DUP", "1"],
  ["HTTP_X_DUP", "2"],
]);
const message = (id: number, keepConn: boolean) =>
  concat([
    encodeBeginRequest(id, Role.RESPONDER, keepConn),
    encodeParams(id, env),
    ...encodeStream(RecordType.STDIN, id, ascii("hello")),
    encodeStreamEnd(RecordType.STDIN, id),
  ]);

const seeds: Uint8Array[] = [
  message(1, false),
  concat([message(1, true), message(2, true)]),
  concat([encodeBeginRequest(3, Role.RESPONDER, true), encodeParams(3, env), encodeAbortRequest(3)]),
  encodeGetValues(["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"]),
  concat([
    encodeBeginRequest(1, Role.FILTER),
    encodeParams(1, env),
    ...encodeStream(RecordType.DATA, 1, ascii("d")),
  ]),
];

const dictionary: Uint8Array[] = [
  "\x01\x01\x00\x01\x00\x08\x00\x00",
  "\x01\x04\x00\x01",
  "\x01\x05\x00\x01\x00\x00\x00\x00",
  "\x80\x00\x00\x00",
  "\x7f\xff\xff\xff",
  "CONTENT_LENGTH",
].map(ascii);

const hold = holder((keep) => new RequestDecoder({ onHead: ({ env }) => keep(env), onReply() {} }));

/**
 * RequestDecoder at its default limits: each request's events and the replies the same
 * however the input is cut (not the recorder's `order`, which notes every callback, body
 * pieces included), and each request's params go back through encodeParams to the same pairs.
 */
export const request: FuzzTarget = {
  fuzz: splitInvariant(
    (chunks) => {
      const { byId, replies } = decodeRequests(chunks);
      return { byId, replies };
    },
    ({ byId }) => {
      for (const events of byId.values()) {
        for (const event of events) {
          if (event.type !== "head") continue;
          const bytes = concat([encodeBeginRequest(1), encodeParams(1, new Environ(event.vars))]);
          const head = decodeRequests([bytes], undefined, false).byId.get(1)?.[1];
          if (head?.type !== "head" || !sameValue(head.vars, event.vars)) {
            throw new Error("a request's params re-encoded decode to other pairs");
          }
        }
      }
    },
  ),
  seeds,
  dictionary,
  hold,
};

/** The same with small params and one request at a time: the paths where a limit is hit. */
export const requestLimits: FuzzTarget = {
  fuzz: splitInvariant((chunks) => {
    const { byId, replies } = decodeRequests(chunks, { maxParamsSize: 48, maxConcurrentRequests: 1 });
    return { byId, replies };
  }),
  seeds,
  dictionary,
  hold,
};
