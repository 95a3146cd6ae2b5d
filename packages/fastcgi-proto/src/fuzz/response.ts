// ResponseDecoder's fuzz targets (what nginx reads back from php-fpm).
import { Environ } from "@envwire/environ";
import { ascii, concat, type FuzzTarget, holder, splitInvariant } from "@envwire/environ/fuzz";
import { RecordType } from "../constants.js";
import {
  encodeEndRequest,
  encodeGetValuesResult,
  encodeStream,
  encodeStreamEnd,
  encodeUnknownType,
} from "../encoder.js";
import { ResponseDecoder } from "../response-decoder.js";
import { decodeResponses } from "./recorder.js";

const answer = (id: number) =>
  concat([
    ...encodeStream(RecordType.STDOUT, id, ascii("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhi")),
    ...encodeStream(RecordType.STDERR, id, ascii("warning")),
    encodeStreamEnd(RecordType.STDOUT, id),
    encodeEndRequest(id, 0),
  ]);

const seeds: Uint8Array[] = [
  answer(1),
  concat([answer(1), answer(2)]),
  encodeGetValuesResult(new Environ([["FCGI_MPXS_CONNS", "0"]])),
  encodeUnknownType(42),
];

const dictionary: Uint8Array[] = ["\x01\x06\x00\x01", "\x01\x03\x00\x01\x00\x08\x00\x00", "\r\n\r\n"].map(
  ascii,
);

/** (Expecting the ids the seeds use, so that their records get past the check.) */
const hold = holder((keep) => {
  const decoder = new ResponseDecoder({ onGetValuesResult: keep });
  for (const id of [1, 2, 3]) decoder.expect(id);
  return decoder;
});

/** ResponseDecoder at its default limits, expecting ids 1 and 2: the same records however the input is cut. */
export const response: FuzzTarget = {
  fuzz: splitInvariant((chunks) => decodeResponses(chunks, [1, 2])),
  seeds,
  dictionary,
  hold,
};

/** The same with a small limit on GET_VALUES_RESULT. */
export const responseLimits: FuzzTarget = {
  fuzz: splitInvariant((chunks) => decodeResponses(chunks, [1, 2], { maxValuesSize: 12 })),
  seeds,
  dictionary,
  hold,
};
