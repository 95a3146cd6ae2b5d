// http-proto's RequestDecoder beside llhttp (Node's parser) on the same bytes: both accept or
// both reject, and agree on every message, but where fuzz/differential.ts lists a reason.
import { differential } from "../differential.js";

export { dictionary, seeds } from "./http-request.js";

export const fuzz: (data: Uint8Array) => string = differential("request");
