// The fuzz target's recorder (src/fuzz/recorder.ts), for the tests.

export { errorOf } from "../../../test/support/errors.js";
export { decode, type Event, type Recording } from "../src/fuzz/recorder.js";
