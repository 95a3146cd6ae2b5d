// fastcgi-proto's RequestDecoder (what php-fpm reads from nginx's fastcgi_pass): records,
// multiplexed requests, params split anywhere, management records.
import { isDeepStrictEqual } from "node:util";
import { Environ } from "@envwire/environ";
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeGetValues,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  RecordType,
  RequestDecoder,
  Role,
} from "@envwire/fastcgi-proto";
import { decodeRequests } from "../../packages/fastcgi-proto/test/recorder.js";
import { ascii, concat } from "../../test/support/chunks.js";
import { holder, splitInvariant } from "../oracle.js";

// (Each request's events, and the replies; not the recorder's `order`, which notes every
// callback, body pieces included, and so depends on the cuts.) And each request's params
// go back through encodeParams to the same pairs.
export const fuzz: (data: Uint8Array) => string = splitInvariant(
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
        if (head?.type !== "head" || !isDeepStrictEqual(head.vars, event.vars)) {
          throw new Error("a request's params re-encoded decode to other pairs");
        }
      }
    }
  },
);

const env = new Environ([
  ["REQUEST_METHOD", "POST"],
  ["SCRIPT_FILENAME", "/srv/index.php"],
  ["CONTENT_LENGTH", "5"],
  ["HTTP_X_DUP", "1"],
  ["HTTP_X_DUP", "2"],
]);
const request = (id: number, keepConn: boolean) =>
  concat([
    encodeBeginRequest(id, Role.RESPONDER, keepConn),
    encodeParams(id, env),
    ...encodeStream(RecordType.STDIN, id, ascii("hello")),
    encodeStreamEnd(RecordType.STDIN, id),
  ]);

export const seeds: Uint8Array[] = [
  request(1, false),
  concat([request(1, true), request(2, true)]),
  concat([encodeBeginRequest(3, Role.RESPONDER, true), encodeParams(3, env), encodeAbortRequest(3)]),
  encodeGetValues(["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"]),
  concat([
    encodeBeginRequest(1, Role.FILTER),
    encodeParams(1, env),
    ...encodeStream(RecordType.DATA, 1, ascii("d")),
  ]),
];

export const dictionary: Uint8Array[] = [
  "\x01\x01\x00\x01\x00\x08\x00\x00",
  "\x01\x04\x00\x01",
  "\x01\x05\x00\x01\x00\x00\x00\x00",
  "\x80\x00\x00\x00",
  "\x7f\xff\xff\xff",
  "CONTENT_LENGTH",
].map(ascii);

export const hold: (data: Uint8Array) => unknown = holder(
  (keep) => new RequestDecoder({ onHead: ({ env }) => keep(env), onReply() {} }),
);
