/**
 * Whether two decode records are the same (node:util's isDeepStrictEqual, for what records
 * hold, without importing Node): primitives by Object.is, Uint8Arrays byte by byte, arrays and
 * plain objects member by member, Maps entry by entry (their keys primitives). Anything else
 * throws: a record holding a class instance would compare as equal whatever it held.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const proto = Object.getPrototypeOf(a);
  if (proto !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Uint8Array) {
    const other = b as Uint8Array;
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== other[i]) return false;
    return true;
  }
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((x, i) => sameValue(x, other[i]));
  }
  if (a instanceof Map) {
    const other = b as Map<unknown, unknown>;
    if (a.size !== other.size) return false;
    for (const [key, value] of a) if (!other.has(key) || !sameValue(value, other.get(key))) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError(`sameValue: a record holds a ${proto.constructor?.name ?? "class instance"}`);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((k) => Object.hasOwn(y, k) && sameValue(x[k], y[k]));
}
