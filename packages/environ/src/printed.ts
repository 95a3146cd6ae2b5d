/**
 * How the objects users print look: in Node's util.inspect (console.log) an entry list prints
 * as `Environ(3) { REQUEST_METHOD: 'GET', HTTP_X_DUP: 'a', HTTP_X_DUP: 'b' }`, in wire order,
 * repeats kept, rather than a class's private state or its tables. Node (and Deno, Bun) look
 * for the method under the registered symbol `nodejs.util.inspect.custom`: no import from Node.
 * (Defined on the prototype, not in the class body: isolatedDeclarations cannot emit a
 * computed method name that is not a well-known symbol.)
 */

/** What util.inspect passes a custom inspect function, as far as it is read here. */
export interface InspectOptions {
  readonly depth?: number | null;
  readonly breakLength?: number;
  readonly maxArrayLength?: number | null;
  stylize?(text: string, style: string): string;
}

/** util.inspect itself, as passed to a custom inspect function (absent outside Node-like hosts). */
export type Inspect = (value: unknown, options?: InspectOptions) => string;

const INSPECT_CUSTOM = Symbol.for("nodejs.util.inspect.custom");

/** Makes util.inspect print instances of the class whose prototype is `proto` with `print`. */
export function printWith<T extends object>(
  proto: T,
  print: (self: T, depth: number, options: InspectOptions, inspect: Inspect) => string,
): void {
  Object.defineProperty(proto, INSPECT_CUSTOM, {
    value(this: T, depth: number, options: InspectOptions = {}, inspect: Inspect = plainInspect): string {
      return print(this, depth, options, inspect);
    },
    writable: true,
    configurable: true,
  });
}

/** Where no inspect is passed: strings quoted as JSON quotes them. */
function plainInspect(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `label(size) { name: 'value', ... }`: `entries` in order on one line, or one a line when that
 * is longer than breakLength; past maxArrayLength (100 by default, as Node cuts arrays) the
 * rest is counted, not printed. Below the depth inspect goes to, `[label]`.
 */
export function printEntries(
  label: string,
  size: number,
  entries: Iterable<readonly [string, string]>,
  depth: number,
  options: InspectOptions,
  inspect: Inspect,
): string {
  if (depth < 0) return options.stylize?.(`[${label}]`, "special") ?? `[${label}]`;
  const max = options.maxArrayLength === null ? Number.POSITIVE_INFINITY : (options.maxArrayLength ?? 100);
  const items: string[] = [];
  for (const [name, value] of entries) {
    if (items.length === max) break;
    items.push(`${IDENTIFIER.test(name) ? name : inspect(name, options)}: ${inspect(value, options)}`);
  }
  if (size > items.length) items.push(`... ${size - items.length} more`);
  const head = `${label}(${size})`;
  if (items.length === 0) return `${head} {}`;
  const line = `${head} { ${items.join(", ")} }`;
  if (line.length <= (options.breakLength ?? 80)) return line;
  return `${head} {\n${items.map((item) => `  ${item}`).join(",\n")}\n}`;
}
