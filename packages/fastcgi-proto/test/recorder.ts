// The fuzz targets' recorder (src/fuzz/recorder.ts), for the tests.

export { errorOf } from "../../../test/support/errors.js";
export {
  decodeRequests,
  decodeResponses,
  type RequestEvent,
  type RequestRecording,
  type ResponseEvent,
  type ResponseRecording,
} from "../src/fuzz/recorder.js";
