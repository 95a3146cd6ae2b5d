/**
 * Whether a decoder keeps a chunk alive after push: a WeakRef and a full collection.
 * gc() comes without starting node with --expose-gc: the flag, then a fresh context has it.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
export const gc = runInNewContext("gc") as () => void;

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Heap and array buffer bytes in use after a full collection. V8 frees array buffers' memory
 * on a background thread after the collection: wait (a millisecond at a time, at most 50)
 * until the count stops falling, or a buffer just let go would count as held.
 */
export function bytesInUse(): number {
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

/** Pushes the chunk `make()` returns (made here, so only `push` could keep it) and tells whether it outlived a full collection. */
export async function outlives(push: (chunk: Uint8Array) => void, make: () => Uint8Array): Promise<boolean> {
  const ref = (() => {
    const chunk = make();
    push(chunk);
    return new WeakRef(chunk);
  })();
  // WeakRefs hold their target to the end of the current job.
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  return ref.deref() !== undefined;
}

/** Pushes a copy of each of `chunks` in turn; the indexes of those that outlived a full collection. */
export async function keptChunks(
  push: (chunk: Uint8Array) => void,
  chunks: readonly Uint8Array[],
): Promise<number[]> {
  const kept: number[] = [];
  for (const [k, chunk] of chunks.entries()) if (await outlives(push, () => chunk.slice())) kept.push(k);
  return kept;
}
