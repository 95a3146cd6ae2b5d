// scgi-proto's RequestDecoder with small limits on the header block and the body.
import { decode } from "../../packages/scgi-proto/test/recorder.js";
import { splitInvariant } from "../oracle.js";

export { dictionary, hold, seeds } from "./scgi-request.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant(
  (chunks) => decode(chunks, { maxHeadersSize: 48, maxBodySize: 4 }).events,
);
