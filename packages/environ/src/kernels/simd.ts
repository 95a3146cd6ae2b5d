/**
 * The byte kernels in WebAssembly SIMD (kernels.wat, shipped as bytes in kernels-wasm.ts). The
 * caller's bytes are copied into the module's memory and the kernel returns offsets into
 * them: it never holds the caller's chunk, so every value a decoder makes stays a view of it.
 */
import { type ByteKernels, type FieldNameList, KERNEL_WINDOW } from "./contract.js";
import { KERNELS_WASM_BASE64 } from "./kernels-wasm.js";

/** Where the kernel writes its offsets: past the window and its 32 bytes of slack (see kernels.wat). */
const OUT = KERNEL_WINDOW + 32;
/**
 * Bytes past the window that a copy may take along: copying a chunk whole costs less than
 * making a view of the window (an allocation: 50-70 ns, the copy of a 400-byte head 30 ns)
 * while it holds little else, as a chunk that is one SCGI head does.
 */
const SPARE = 512;
/**
 * The HTTP kernels (requestLine, statusLine, fieldLines: see #hold) copy a buffer up to this
 * long whole, once, and serve every head in it from that copy (pipelined requests: one copy a
 * push); a longer one a window of FIELDS_WINDOW bytes from the line asked for, so that a head
 * before a large body costs no copy of it.
 */
const FIELDS_WHOLE = 4096;
const FIELDS_WINDOW = 2048;
/** Where the kernel's table of field names starts (its 512 sets of two slots), and its entries. */
const NAMES = 40992;
const NAME_ENTRIES = NAMES + 512 * 8;

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const WASM: Uint8Array<ArrayBuffer> = fromBase64(KERNELS_WASM_BASE64);

/** Whether this realm can run the kernels: WebAssembly with SIMD (validating the module itself asks exactly that). */
export function simdSupported(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(WASM);
  } catch {
    return false;
  }
}

interface Exports {
  memory: WebAssembly.Memory;
  nuls(start: number, end: number, base: number): number;
  fields(start: number, end: number, base: number): number;
  requestLine(start: number, end: number, base: number, raw: number): number;
  statusLine(start: number, end: number, base: number): number;
}

export class SimdKernels implements ByteKernels {
  readonly path = "simd";
  readonly offsets: Int32Array;
  readonly #input: Uint8Array;
  readonly #nuls: (start: number, end: number, base: number) => number;
  readonly #fields: (start: number, end: number, base: number) => number;
  readonly #requestLine: (start: number, end: number, base: number, raw: number) => number;
  readonly #statusLine: (start: number, end: number, base: number) => number;
  /**
   * The buffer whose bytes [#from, #to) the module's memory holds (from 0, a 0 after them),
   * for fieldLines, requestLine and statusLine to reuse; #short: the last fieldLines ran out of them
   * before the buffer's end.
   */
  #held: Uint8Array | undefined;
  readonly fieldBytes: Uint8Array;
  readonly fieldView: DataView;
  fieldBase = 0;
  #from = 0;
  #to = 0;
  #short = false;
  /** The names whose table is in the module's memory. */
  #names: FieldNameList | undefined;
  readonly #memory: WebAssembly.Memory;

  /** Instantiates the module (synchronously: it is far under the 4 KiB browsers allow on the main thread). */
  constructor() {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(WASM)).exports as unknown as Exports;
    // (The memory is one page and never grows, so these views never detach.)
    this.#input = new Uint8Array(exports.memory.buffer, 0, KERNEL_WINDOW);
    this.offsets = new Int32Array(exports.memory.buffer, OUT, KERNEL_WINDOW);
    this.#nuls = exports.nuls;
    this.#fields = exports.fields;
    this.#requestLine = exports.requestLine;
    this.#statusLine = exports.statusLine;
    this.#memory = exports.memory;
    this.fieldBytes = this.#input;
    this.fieldView = new DataView(exports.memory.buffer, 0, KERNEL_WINDOW);
  }

  listNuls(buf: Uint8Array, from: number, to: number): number {
    this.#held = undefined;
    if (buf.length <= KERNEL_WINDOW && buf.length - (to - from) <= SPARE) {
      this.#input.set(buf);
      return this.#nuls(from, to, 0);
    }
    this.#input.set(buf.subarray(from, to));
    return this.#nuls(0, to - from, from);
  }

  requestLine(buf: Uint8Array, from: number, rawTargetBytes: boolean): boolean {
    this.#hold(buf, from);
    const base = this.#from;
    return this.#requestLine(from - base, this.#to - base, base, rawTargetBytes ? 1 : 0) === 1;
  }

  statusLine(buf: Uint8Array, from: number): boolean {
    this.#hold(buf, from);
    const base = this.#from;
    return this.#statusLine(from - base, this.#to - base, base) === 1;
  }

  fieldLines(buf: Uint8Array, from: number, names: FieldNameList): number {
    if (names !== this.#names) this.#install(names);
    this.#hold(buf, from);
    const base = this.#from;
    this.fieldBase = base;
    const found = this.#fields(from - base, this.#to - base, base);
    this.#short = (found & 1) === 1 && this.#to < buf.length;
    return found;
  }

  /**
   * Copies `buf` into the module's memory (whole when it is short, else a window from
   * `from`), unless the bytes from `from` are there already: every head of a chunk is read
   * from one copy of it.
   */
  #hold(buf: Uint8Array, from: number): void {
    if (buf === this.#held && from >= this.#from && from < this.#to && !this.#short) return;
    const input = this.#input;
    if (buf.length <= FIELDS_WHOLE) {
      input.set(buf);
      this.#from = 0;
      this.#to = buf.length;
    } else {
      const to = Math.min(buf.length, from + FIELDS_WINDOW);
      input.set(buf.subarray(from, to));
      this.#from = from;
      this.#to = to;
    }
    // The kernel's searches stop at this 0 at the latest (see kernels.wat).
    input[this.#to - this.#from] = 0;
    this.#held = buf;
    this.#short = false;
  }

  release(): void {
    this.#held = undefined;
  }

  /** Writes the table of `names` the kernel looks up (see FieldNameList and kernels.wat). */
  #install(names: FieldNameList): void {
    const bytes = new Uint8Array(this.#memory.buffer);
    const view = new DataView(this.#memory.buffer);
    bytes.fill(0, NAMES, NAME_ENTRIES);
    let at = NAME_ENTRIES;
    names.forEach((name, id) => {
      const set = NAMES + ((name.hash >>> 23) << 3);
      const slot = view.getInt32(set, true) === 0 ? set : view.getInt32(set + 4, true) === 0 ? set + 4 : -1;
      const size = 8 + ((name.bytes.length + 3) & ~3);
      if (slot < 0 || at + size > bytes.length) return;
      view.setInt32(at, name.bytes.length, true);
      view.setInt32(at + 4, id, true);
      bytes.set(name.bytes, at + 8);
      view.setInt32(slot, at, true);
      at += size;
    });
    this.#names = names;
  }
}
