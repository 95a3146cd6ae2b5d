// fastcgi-proto's ResponseDecoder (what nginx reads back from php-fpm).
import { Environ } from "@envwire/environ";
import {
  encodeEndRequest,
  encodeGetValuesResult,
  encodeStream,
  encodeStreamEnd,
  encodeUnknownType,
  RecordType,
  ResponseDecoder,
} from "@envwire/fastcgi-proto";
import { decodeResponses } from "../../packages/fastcgi-proto/test/recorder.js";
import { ascii, concat } from "../../test/support/chunks.js";
import { holder, splitInvariant } from "../oracle.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant((chunks) => decodeResponses(chunks, [1, 2]));

const response = (id: number) =>
  concat([
    ...encodeStream(RecordType.STDOUT, id, ascii("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhi")),
    ...encodeStream(RecordType.STDERR, id, ascii("warning")),
    encodeStreamEnd(RecordType.STDOUT, id),
    encodeEndRequest(id, 0),
  ]);

export const seeds: Uint8Array[] = [
  response(1),
  concat([response(1), response(2)]),
  encodeGetValuesResult(new Environ([["FCGI_MPXS_CONNS", "0"]])),
  encodeUnknownType(42),
];

export const dictionary: Uint8Array[] = [
  "\x01\x06\x00\x01",
  "\x01\x03\x00\x01\x00\x08\x00\x00",
  "\r\n\r\n",
].map(ascii);

/** (Expecting the ids the seeds use, so that their records get past the check.) */
export const hold: (data: Uint8Array) => unknown = holder((keep) => {
  const decoder = new ResponseDecoder({ onGetValuesResult: keep });
  for (const id of [1, 2, 3]) decoder.expect(id);
  return decoder;
});
