/**
 * Whether a decoder keeps a chunk alive after push: a WeakRef and a full collection.
 * gc() comes without starting node with --expose-gc: the flag, then a fresh context has it.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { settledBytesInUse } from "./heap.mjs";

setFlagsFromString("--expose-gc");
export const gc = runInNewContext("gc") as () => void;

/** Heap and array buffer bytes in use after a full collection (see heap.mjs). */
export const bytesInUse = (): number => settledBytesInUse(gc);

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
