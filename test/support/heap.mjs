// Bytes in use after a full collection, for the memory checks (test/cost, the fuzz runner)
// and bench/hostile.mjs alike. V8 frees array buffers' memory on a background thread after
// the collection: wait (a millisecond at a time, at most 50) until the count stops falling,
// or a buffer just let go would count as held.
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Heap and array buffer bytes in use once `gc()` (a full collection) has run and settled. */
export function settledBytesInUse(gc) {
  gc();
  let last = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 50; i++) {
    Atomics.wait(pause, 0, 0, 1);
    const now = process.memoryUsage().arrayBuffers;
    if (now === last) break;
    last = now;
  }
  return process.memoryUsage().heapUsed + last;
}
