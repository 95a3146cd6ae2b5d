// The fuzz targets' recorder (src/fuzz/recorder.ts), for the tests.

export { errorOf } from "../../../test/support/errors.js";
export { decodeRequests, decodeResponses, type Event, type Recording } from "../src/fuzz/recorder.js";
