/** What every implementation of the byte kernels does (kernels.ts chooses one). */

/**
 * The most bytes one kernel call scans. A fixed window keeps the WebAssembly memory at one
 * page whatever the limits (8 KiB of bytes and 32 KiB of offsets), and a block larger than it
 * costs one call a window: nginx's heads are a few hundred bytes.
 */
export const KERNEL_WINDOW = 8192;

/** The byte scans a decoder's hot loop runs, as offsets into the caller's bytes. */
export interface ByteKernels {
  /** Which implementation this is: "simd" (WebAssembly) or "js" (the plain JavaScript fallback). */
  readonly path: "simd" | "js";
  /** Where the last call wrote its offsets (valid until the next call of any decoder in this realm). */
  readonly offsets: Int32Array;
  /**
   * Writes the offset in `buf` of every NUL of `buf[from, to)`, in order, to `offsets` from
   * index 0; returns how many. `to - from` is at most KERNEL_WINDOW. `buf` is only read.
   */
  listNuls(buf: Uint8Array, from: number, to: number): number;
}
