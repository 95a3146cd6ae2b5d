// http-proto's RequestDecoder with every limit small and bare LF allowed: the paths where a
// limit is hit, which must give the same error at the same offset however the input is cut.
import { decodeRequests } from "../../packages/http-proto/test/recorder.js";
import { splitInvariant } from "../oracle.js";

export { dictionary, hold, seeds } from "./http-request.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant(
  (chunks) =>
    decodeRequests(chunks, {
      maxHeadSize: 96,
      maxStartLineLength: 40,
      maxHeaders: 3,
      maxChunkExtensionLength: 6,
      maxTrailerSize: 24,
      maxBodySize: 12,
      allowBareLf: true,
    }).events,
);
