/**
 * The byte kernels in plain JavaScript: what runs where WebAssembly SIMD does not (or where
 * ENVWIRE_KERNELS=js or a decoder's `kernels: false` asks for it), with the same results.
 */
import { type ByteKernels, type FieldNameList, KERNEL_WINDOW } from "./contract.js";

export class ScalarKernels implements ByteKernels {
  readonly path = "js";
  readonly offsets: Int32Array = new Int32Array(KERNEL_WINDOW);

  /** One plain loop, four bytes a step: no call a NUL (faster than memchr a NUL, or a DataView's words). */
  listNuls(buf: Uint8Array, from: number, to: number): number {
    const out = this.offsets;
    let k = 0;
    let i = from;
    for (; i + 4 <= to; i += 4) {
      if (buf[i] === 0) out[k++] = i;
      if (buf[i + 1] === 0) out[k++] = i + 1;
      if (buf[i + 2] === 0) out[k++] = i + 2;
      if (buf[i + 3] === 0) out[k++] = i + 3;
    }
    for (; i < to; i++) if (buf[i] === 0) out[k++] = i;
    return k;
  }

  readonly fieldBytes: Uint8Array = new Uint8Array(0);
  readonly fieldView: DataView = new DataView(new ArrayBuffer(0));
  readonly fieldBase = 0;

  /** None: the HTTP head scanner's own loop, which hashes names as it goes, reads every line. */
  fieldLines(_buf: Uint8Array, _from: number, _names: FieldNameList): number {
    return 0;
  }

  /** No: the HTTP head scanner's own loop reads every request line. */
  requestLine(_buf: Uint8Array, _from: number, _rawTargetBytes: boolean): boolean {
    return false;
  }

  /** No: the HTTP head scanner's own loop reads every status line. */
  statusLine(_buf: Uint8Array, _from: number): boolean {
    return false;
  }

  release(): void {}
}
