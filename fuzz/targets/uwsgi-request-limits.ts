// uwsgi-proto's RequestDecoder with small limits on the vars and the body.
import { decode } from "../../packages/uwsgi-proto/test/recorder.js";
import { splitInvariant } from "../oracle.js";

export { dictionary, hold, seeds } from "./uwsgi-request.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant(
  (chunks) => decode(chunks, { maxVarsSize: 64, maxBodySize: 4 }).events,
);
