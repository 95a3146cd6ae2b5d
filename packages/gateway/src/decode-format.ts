/**
 * How `envwire decode` writes what it found: body runs, Environ entries, bytes as text, and an
 * error with the bytes around it.
 */
import type { Environ, ProtocolError } from "@envwire/environ";
import type { ByteWindow } from "./byte-window.js";

/** Takes one line of output. */
export type Out = (line: string) => void;

/** The characters a body's preview shows. */
const PREVIEW = 40;

/**
 * Body (or tunnel) pieces that follow one another in the capture, as one line however the
 * input was split: `@N body LENGTH bytes "preview"`. Holds the preview's bytes, not the body.
 */
export class Run {
  readonly #kind: string;
  readonly #out: Out;
  readonly #preview = new Uint8Array(PREVIEW + 1);
  #at = 0;
  #length = 0;

  constructor(kind: string, out: Out) {
    this.#kind = kind;
    this.#out = out;
  }

  /** The piece `bytes` that lies at offset `at`. */
  add(at: number, bytes: Uint8Array): void {
    if (this.#length > 0 && at !== this.#at + this.#length) this.flush();
    if (this.#length === 0) this.#at = at;
    if (this.#length < this.#preview.length) {
      this.#preview.set(bytes.subarray(0, this.#preview.length - this.#length), this.#length);
    }
    this.#length += bytes.length;
  }

  /** Prints the run's line, if it has one. */
  flush(): void {
    if (this.#length === 0) return;
    const preview = this.#preview.subarray(0, Math.min(this.#length, this.#preview.length));
    this.#out(`@${this.#at} ${this.#kind} ${this.#length} bytes "${show(preview, PREVIEW, this.#length)}"`);
    this.#length = 0;
  }
}

/**
 * `NAME=value` per entry. With `layout`, each line has the entry's offset: the first at
 * `layout.at`, each next one past the entry before (its name, value and `framing` bytes).
 */
export function printEnviron(env: Environ, out: Out, layout?: { at: number; framing: number }): void {
  let at = layout?.at ?? 0;
  for (let i = 0; i < env.size; i++) {
    const name = env.nameAt(i);
    const bytes = env.bytesAt(i);
    out(`${layout === undefined ? "    " : `  @${at} `}${show(name, 48)}=${show(bytes)}`);
    at += name.length + bytes.length + (layout?.framing ?? 0);
  }
}

/**
 * Bytes (or a latin-1 string) as latin-1 text: control bytes and C1 as \xNN, "\" as "\\";
 * cut past `max` characters, with the whole length: "…(N bytes)". `value` may be the first
 * bytes (at least max + 1) of `length`.
 */
export function show(value: Uint8Array | string, max = 120, length: number = value.length): string {
  let text = "";
  for (let i = 0; i < value.length; i++) {
    const b = typeof value === "string" ? value.charCodeAt(i) : value[i]!;
    const piece =
      b === 0x5c
        ? "\\\\"
        : b < 0x20 || (b >= 0x7f && b < 0xa0) || b > 0xff
          ? `\\x${hex(b)}`
          : String.fromCharCode(b);
    if (text.length + piece.length > max) return `${text}…(${length} bytes)`;
    text += piece;
  }
  return text;
}

export function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/**
 * `error CODE at byte N: message`, then up to 16 bytes either side of N in hex and as text,
 * byte N in brackets ("[end]" when the capture, read to its end, ends there). The bytes come
 * from the window: when a decoder names a byte further back than it holds (a CGI head spread
 * over many small records), the dump starts where the window does.
 */
export function reportError(window: ByteWindow, ended: boolean, e: ProtocolError, out: Out): void {
  if (e.offset < 0) {
    out(`error ${e.code}: ${e.reason}`);
    return;
  }
  out(`error ${e.code} at byte ${e.offset}: ${e.reason}`);
  const length = ended ? window.end : Number.POSITIVE_INFINITY;
  const from = Math.max(window.start, Math.min(e.offset, length) - 16);
  const bytes = window.slice(from, e.offset + 17);
  const hexes: string[] = [];
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
    const mark = from + i === e.offset;
    hexes.push(mark ? `[${hex(b)}]` : hex(b));
    text += mark ? `[${c}]` : c;
  }
  if (e.offset >= length) {
    hexes.push("[end]");
    text += "[end]";
  }
  out(`  @${from} ${hexes.join(" ")}  |${text}|`);
}
