// fastcgi-proto's RequestDecoder with small params and one request at a time.
import { decodeRequests } from "../../packages/fastcgi-proto/test/recorder.js";
import { splitInvariant } from "../oracle.js";

export { dictionary, hold, seeds } from "./fastcgi-request.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant((chunks) => {
  const { byId, replies } = decodeRequests(chunks, { maxParamsSize: 48, maxConcurrentRequests: 1 });
  return { byId, replies };
});
