// environ's CgiResponseDecoder with a small head and few fields.
import { splitInvariant } from "../oracle.js";
import { decodeCgi } from "./cgi-response.js";

export { dictionary, hold, seeds } from "./cgi-response.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant((chunks) =>
  decodeCgi(chunks, { maxHeadSize: 40, maxHeaders: 2 }),
);
