/**
 * The seam between the decoders and their byte kernels: decoders ask byteKernels() for an
 * implementation and call it, never the WebAssembly module. Which one runs is settled once,
 * at load: the WebAssembly SIMD kernels where the realm has WebAssembly with SIMD, unless the
 * environment variable ENVWIRE_KERNELS is "js"; else the plain JavaScript ones, which give
 * the same results. The module is instantiated once per realm, at the first decoder that asks
 * (and if that fails, say under a Content-Security-Policy without wasm-unsafe-eval, the
 * JavaScript kernels serve instead).
 */
import type { ByteKernels } from "./kernels/contract.js";
import { ScalarKernels } from "./kernels/scalar.js";
import { SimdKernels, simdSupported } from "./kernels/simd.js";

export { type ByteKernels, type FieldNameList, KERNEL_WINDOW } from "./kernels/contract.js";

interface Runtime {
  process?: { env?: Record<string, string | undefined> };
  Deno?: { permissions?: { querySync?(d: { name: "env"; variable: string }): { state: string } } };
}

/**
 * ENVWIRE_KERNELS where there is a process (Node, Bun, Deno's Node layer). Deno asks the user
 * at a read it was not granted (a prompt, from a library: not ours to cause), so there it is
 * read only when already granted; any refusal reads as unset.
 */
function fromEnvironment(): string | undefined {
  try {
    const runtime = globalThis as Runtime;
    const deno = runtime.Deno;
    if (deno !== undefined) {
      const query = deno.permissions?.querySync?.({ name: "env", variable: "ENVWIRE_KERNELS" });
      if (query?.state !== "granted") return undefined;
    }
    return runtime.process?.env?.ENVWIRE_KERNELS;
  } catch {
    return undefined;
  }
}

const SIMD = fromEnvironment() !== "js" && simdSupported();

let scalar: ScalarKernels | undefined;
let simd: ByteKernels | undefined;

/**
 * The realm's kernels: the SIMD ones where they run (see above), or the JavaScript ones when
 * they do not or `allowSimd` is false (a decoder's `kernels: false`).
 */
export function byteKernels(allowSimd = true): ByteKernels {
  if (SIMD && allowSimd) {
    if (simd === undefined) {
      try {
        simd = new SimdKernels();
      } catch {
        simd = byteKernels(false);
      }
    }
    return simd;
  }
  scalar ??= new ScalarKernels();
  return scalar;
}
