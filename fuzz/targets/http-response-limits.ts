// http-proto's ResponseDecoder with every limit small and bare LF allowed (see http-request-limits).
import { decodeResponses } from "../../packages/http-proto/test/recorder.js";
import { splitInvariant } from "../oracle.js";

export { dictionary, hold, seeds } from "./http-response.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant(
  (chunks) =>
    decodeResponses(chunks, ["GET", "HEAD", "GET", "CONNECT"], {
      maxHeadSize: 80,
      maxStartLineLength: 24,
      maxHeaders: 2,
      maxChunkExtensionLength: 4,
      maxTrailerSize: 16,
      maxBodySize: 8,
      allowBareLf: true,
    }).events,
);
