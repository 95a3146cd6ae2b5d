/**
 * Where to listen or connect, as the command line says it: `uwsgi://127.0.0.1:3031`, or a
 * Unix socket, `fastcgi:///run/php/php8.2-fpm.sock` (Debian's php-fpm listens there) or
 * nginx's spelling, `fastcgi://unix:/run/php/php8.2-fpm.sock`.
 */

export type Protocol = "uwsgi" | "fastcgi" | "scgi" | "http";

export interface Address {
  readonly protocol: Protocol;
  /** The host ("" for a Unix socket). */
  readonly host: string;
  /** The port (0 for a Unix socket). */
  readonly port: number;
  /** A Unix socket's path, in place of host and port. */
  readonly path?: string | undefined;
}

const PROTOCOLS: readonly string[] = ["uwsgi", "fastcgi", "scgi", "http"];

/**
 * `PROTOCOL://HOST:PORT` (HOST may be an IPv6 literal in brackets); without `PROTOCOL://`,
 * `fallback` is the protocol; `PROTOCOL:///PATH` or `PROTOCOL://unix:/PATH`, a Unix socket.
 * Throws a TypeError saying what is wrong.
 */
export function parseAddress(text: string, fallback?: Protocol): Address {
  if (typeof text !== "string") throw new TypeError(`an address must be a string, not ${typeof text}`);
  const unix = /^([a-z]+):\/\/(?:unix:)?(\/.*)$/.exec(text);
  if (unix !== null) {
    if (!PROTOCOLS.includes(unix[1]!))
      throw new TypeError(`address ${JSON.stringify(text)}: PROTOCOL must be one of ${PROTOCOLS.join(", ")}`);
    return { protocol: unix[1] as Protocol, host: "", port: 0, path: unix[2]! };
  }
  const match = /^(?:([a-z]+):\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):([0-9]{1,5})\/?$/.exec(text);
  const protocol = match?.[1] ?? fallback;
  if (match === null || protocol === undefined || !PROTOCOLS.includes(protocol)) {
    const form = fallback === undefined ? "PROTOCOL://HOST:PORT" : `HOST:PORT or PROTOCOL://HOST:PORT`;
    throw new TypeError(
      `address ${JSON.stringify(text)} must be ${form}, PROTOCOL one of ${PROTOCOLS.join(", ")}`,
    );
  }
  const port = Number(match[3]);
  if (port > 65535) throw new TypeError(`address ${JSON.stringify(text)}: port ${port} is over 65535`);
  const host = match[2]!.startsWith("[") ? match[2]!.slice(1, -1) : match[2]!;
  return { protocol: protocol as Protocol, host, port };
}

/** The address as parseAddress reads it. */
export function formatAddress(address: Address): string {
  if (address.path !== undefined) return `${address.protocol}://${address.path}`;
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `${address.protocol}://${host}:${address.port}`;
}
