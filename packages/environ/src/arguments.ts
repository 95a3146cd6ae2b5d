/**
 * A JavaScript caller's wrong argument, reported where it is made: a TypeError naming the
 * argument and what it must be, checked once at a public entry point (never per byte), so a
 * number, a string or a plain object is not taken for bytes and does not fail later, far
 * from the mistake.
 */

/** What `x` is, for a message: its type, or its constructor's name. */
export function kind(x: unknown): string {
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

/** `value` (the argument called `argument`) must be a string. */
export function checkString(value: unknown, where: string, argument: string): void {
  if (typeof value !== "string")
    throw new TypeError(`${where}: ${argument} must be a string, not ${kind(value)}`);
}

/**
 * `value` must be a number: a string or anything else is a caller's mistake (a TypeError), not
 * a number out of the protocol's range (the encoder's ProtocolError says that one).
 */
export function checkNumber(value: unknown, where: string, argument: string): void {
  if (typeof value !== "number")
    throw new TypeError(`${where}: ${argument} must be a number, not ${kind(value)}`);
}

/** `value` must be a boolean (a string "false" is not false). */
export function checkBoolean(value: unknown, where: string, argument: string): void {
  if (typeof value !== "boolean")
    throw new TypeError(`${where}: ${argument} must be a boolean, not ${kind(value)}`);
}

/** `value` must be an object (an init, options): not null, a string or a number. */
export function checkObject(value: unknown, where: string, argument: string): void {
  if (typeof value !== "object" || value === null)
    throw new TypeError(`${where}: ${argument} must be an object, not ${kind(value)}`);
}
