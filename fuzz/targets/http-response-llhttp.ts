// http-proto's ResponseDecoder beside llhttp's response parser on the same bytes (each
// response taken as one to a GET): both accept or both reject, and agree on every message,
// but where fuzz/differential.ts lists a reason.
import { differential } from "../differential.js";

export { dictionary, seeds } from "./http-response.js";

export const fuzz: (data: Uint8Array) => string = differential("response");
