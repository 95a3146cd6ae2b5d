/** What every implementation of the byte kernels does (kernels.ts chooses one). */

/**
 * The most bytes one kernel call scans. A fixed window keeps the WebAssembly memory at one
 * page whatever the limits (8 KiB of bytes and 32 KiB of offsets), and a block larger than it
 * costs one call a window: nginx's heads are a few hundred bytes.
 */
export const KERNEL_WINDOW = 8192;

/**
 * Field names fieldLines recognises, each its bytes with the 0x20 bits set (lower case) and
 * its hash: the caller's list, kept as long as it passes the same array (one a realm, made
 * once). Only names whose bytes, so folded, match no other token's should be in it (letters,
 * digits and "-": "^~`|_" fold onto other bytes). Two names a set of the hash's top 9 bits at
 * most; a third is left out, and so is what does not fit the module's memory.
 */
export type FieldNameList = readonly { readonly hash: number; readonly bytes: Uint8Array }[];

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
  /**
   * HTTP field lines (RFC 9112 §5) of `buf` from `from` (a line's start) on, as far as each
   * is plain: a name of bytes 0x21-0x7E but ":", a colon, a value with no control byte (tab
   * aside) nor DEL, CR LF. Writes six numbers a line to `offsets` from index 0: where its
   * name ends (the colon), the name's hash (http-proto's nameHash, as its scanner takes it),
   * where its value starts and ends (spaces and tabs around it left out), where the next line
   * starts, all offsets in `buf`, and the index in `names` of the entry whose bytes the name's
   * are, letters in either case (see FieldNameList), or -1. It stops before the first line
   * that is not plain (the empty line that ends a head among them), or when it runs out of
   * bytes or room. Returns lines * 2, plus 1 when it stopped at the end of the bytes it had or
   * of its room, so that a call from where it stopped may give more. Giving fewer lines is
   * always correct: the caller reads the rest itself (the JavaScript kernels give none; the
   * HTTP scanner's own loop is their fallback). `buf` is only read, and must not change
   * until release().
   */
  fieldLines(buf: Uint8Array, from: number, names: FieldNameList): number;
  /**
   * An HTTP request line (RFC 9112 §3) of `buf` at `from`, when it is plain: a method of
   * capital letters, SP, a target of visible ASCII bytes (and bytes 0x80-0xFF when
   * `rawTargetBytes`), SP, HTTP/1.0 or HTTP/1.1, CR LF. Then it writes seven numbers to
   * `offsets` from index 0 — where the method ends, where the target ends, where its query
   * starts (past its first "?" before any "#") or -1, where its fragment starts (its first
   * "#") or -1, 1 when a "%" comes before both (else 0), the version's minor digit, where the
   * next line starts — and returns true. False when the line is anything else, or not whole
   * in the bytes it holds: the caller reads it itself (the JavaScript kernels always say
   * false; the scanner's own loop is their fallback). Holds `buf` as fieldLines does, which
   * reads on from that copy.
   */
  requestLine(buf: Uint8Array, from: number, rawTargetBytes: boolean): boolean;
  /**
   * An HTTP status line (RFC 9112 §4) of `buf` at `from`, when it is plain: HTTP/1.0 or
   * HTTP/1.1, SP, a status code from 100 to 999, then CR LF, or SP, a reason with no control
   * byte (tab aside) nor DEL, and CR LF. Then it writes five numbers to `offsets` from index
   * 0 — the version's minor digit, the status code, where the reason starts and ends, where
   * the next line starts — and returns true; false otherwise, as requestLine.
   */
  statusLine(buf: Uint8Array, from: number): boolean;
  /**
   * The bytes fieldLines last read, a copy of the caller's: `buf[i]` is `fieldBytes[i -
   * fieldBase]` for every offset it gave (valid until the next call), and a DataView of them,
   * made once, where a view of each caller's chunk would be a new object a chunk.
   */
  readonly fieldBytes: Uint8Array;
  readonly fieldView: DataView;
  readonly fieldBase: number;
  /**
   * Forgets the last buffer fieldLines copied (which a next call on the same buffer reuses),
   * so that no caller's chunk is kept: a decoder calls it at the end of each push.
   */
  release(): void;
}
