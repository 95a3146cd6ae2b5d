/**
 * Header fields as a caller gives them to an encoder (an HTTP head, trailers, a CGI response
 * head): [name, value] pairs in order, repeats kept (an array, a Map, a Headers), or a plain
 * object of name → value as users write them (`{ "Content-Type": "text/plain" }`), an array of
 * values for a field that repeats (`Set-Cookie`). Checked and written here, once for every
 * encoder that takes them.
 */
import { kind } from "./arguments.js";
import { ProtocolError, quote } from "./errors.js";
import { badFieldValueIndex, isToken } from "./token.js";

export type FieldsInit =
  | Iterable<readonly [name: string, value: string]>
  | Readonly<Record<string, string | readonly string[]>>;

/**
 * The lines `name: value` CR LF of `fields` (undefined: none), the argument `argument` of
 * `where`, in a head whose text before them is `at` bytes long. A TypeError for anything but
 * FieldsInit (a string, a pair that is not two strings, a number for a value, a class instance
 * that is not iterable); a ProtocolError `code`, at the line's offset, for a name that is not a
 * token or a value with a byte a peer would misread (CR, LF, NUL, another control).
 */
export function fieldLines(
  fields: unknown,
  where: string,
  argument: string,
  code: string,
  at: number,
): string {
  let text = "";
  for (const [name, value] of fieldPairs(fields, where, argument)) {
    const offset = at + text.length;
    if (!isToken(name)) throw new ProtocolError(code, `${quote(name)} is not a field name`, offset);
    if (badFieldValueIndex(value) >= 0)
      throw new ProtocolError(code, `the value of ${quote(name)} has a byte a peer would misread`, offset);
    text += `${name}: ${value}\r\n`;
  }
  return text;
}

function fieldPairs(fields: unknown, where: string, argument: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (fields === undefined) return pairs;
  if (typeof fields === "object" && fields !== null && Symbol.iterator in fields) {
    for (const pair of fields as Iterable<unknown>) {
      if (!(Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "string"))
        throw new TypeError(
          `${where}: ${argument}[${pairs.length}] must be a [name, value] pair of strings, not ${
            Array.isArray(pair) ? `[${pair.map(kind).join(", ")}]` : kind(pair)
          }`,
        );
      pairs.push([pair[0], pair[1]]);
    }
    return pairs;
  }
  // (A class instance that is not iterable has no fields to give: a mistake, not an empty head.)
  const proto = typeof fields === "object" && fields !== null ? Object.getPrototypeOf(fields) : undefined;
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError(
      `${where}: ${argument} must be [name, value] pairs or a plain object of name → value, not ${kind(fields)}`,
    );
  const record = fields as Readonly<Record<string, unknown>>;
  for (const name of Object.keys(record)) {
    const value = record[name];
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one !== "string")
        throw new TypeError(
          `${where}: ${argument}[${quote(name)}] must be a string or an array of strings, not ${kind(one)}`,
        );
      pairs.push([name, one]);
    }
  }
  return pairs;
}
