/**
 * A JavaScript caller's wrong argument, reported where it is made: a TypeError naming the
 * argument and what it must be, checked once at a public entry point (never per byte), so a
 * number, a string or a plain object is not taken for bytes and does not fail later, far
 * from the mistake.
 */

/** What `x` is, for a message: its type, or its constructor's name. */
function kind(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  return (x as object).constructor?.name ?? "an object";
}

/** `chunk` (or the bytes called `argument`) must be a Uint8Array (a Buffer is one). */
export function checkChunk(chunk: unknown, where: string, argument = "chunk"): void {
  if (!(chunk instanceof Uint8Array))
    throw new TypeError(`${where}: ${argument} must be a Uint8Array (a Buffer is one), not ${kind(chunk)}`);
}

/** `handler` must be an object of callbacks. */
export function checkHandler(handler: unknown, where: string): void {
  if (typeof handler !== "object" || handler === null)
    throw new TypeError(`${where}: handler must be an object of callbacks, not ${kind(handler)}`);
}

/** `value` must be a string or a Uint8Array: what an Environ holds. */
export function checkValue(value: unknown, where: string): void {
  if (typeof value !== "string" && !(value instanceof Uint8Array))
    throw new TypeError(`${where}: a value must be a string or a Uint8Array, not ${kind(value)}`);
}

/** `name` must be a string. */
export function checkName(name: unknown, where: string): void {
  if (typeof name !== "string") throw new TypeError(`${where}: a name must be a string, not ${kind(name)}`);
}

/** `out` must be a Uint8Array and `offset` an index into it (where an encoder writes). */
export function checkOutput(out: unknown, offset: unknown, where: string): void {
  checkChunk(out, where, "out");
  if (
    !(Number.isInteger(offset) && (offset as number) >= 0 && (offset as number) <= (out as Uint8Array).length)
  )
    throw new TypeError(
      `${where}: offset must be an integer from 0 to out.length (${(out as Uint8Array).length}), not ${typeof offset === "number" ? offset : kind(offset)}`,
    );
}
