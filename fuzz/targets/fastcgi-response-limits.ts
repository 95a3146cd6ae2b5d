// fastcgi-proto's ResponseDecoder with a small limit on GET_VALUES_RESULT.
import { decodeResponses } from "../../packages/fastcgi-proto/test/recorder.js";
import { splitInvariant } from "../oracle.js";

export { dictionary, hold, seeds } from "./fastcgi-response.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant((chunks) =>
  decodeResponses(chunks, [1, 2], { maxValuesSize: 12 }),
);
