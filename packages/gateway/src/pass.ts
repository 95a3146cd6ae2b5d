/**
 * What the proxy does with one request, whatever brought it (the proxy's own HTTP front, a
 * `node:http` server, a fetch handler): its upstream chosen by path prefix, its body read
 * whole first (or streamed through), the variables nginx's params files send made from its
 * head, and the request sent on (upstream.ts), resolving with the answer as a Reply whose body
 * streams — nginx's uwsgi_pass, fastcgi_pass, scgi_pass and proxy_pass.
 */
import type { Environ } from "@envwire/environ";
import type { HttpRequestHead } from "@envwire/http-proto";
import type { Gone } from "./abort.js";
import { type Address, parseAddress } from "./address.js";
import { positive } from "./deadline.js";
import { hostOf, StatusError } from "./front.js";
import { normalizePath, upstreamEnviron } from "./params.js";
import type { Reply } from "./reply.js";
import { type Spooled, spool } from "./spool.js";
import { forward, UpstreamPool } from "./upstream.js";
import { VERSION } from "./version.js";

/** Where and how requests go on: the options the proxy and the handlers share. */
export interface PassOptions {
  /** `uwsgi://HOST:PORT`, `fastcgi://…`, `scgi://…` or `http://…`; or a Unix socket, `fastcgi:///run/php/php8.2-fpm.sock`. */
  upstream: string | Address;
  /**
   * Other upstreams, by path prefix, as nginx's `location /prefix/ { …_pass … }`: a request
   * whose path (normalized, as $uri) starts with a prefix goes to its upstream, the longest
   * prefix winning; the rest go to `upstream`. `[["/api/", "http://127.0.0.1:9000"]]`.
   */
  routes?: Iterable<readonly [prefix: string, upstream: string | Address]> | undefined;
  /** Variables to add, after the params files' (as `uwsgi_param NAME VALUE` would). */
  params?: Iterable<readonly [string, string]> | undefined;
  /**
   * SCRIPT_FILENAME, for php-fpm: the script every request runs (a front controller). Without
   * it, FastCGI requests get nginx's `$document_root$fastcgi_script_name` (Debian's
   * fastcgi.conf): the document root and the request's normalized path, so /info.php runs
   * DOCUMENT_ROOT/info.php.
   */
  scriptFilename?: string | undefined;
  /** DOCUMENT_ROOT. Default "/var/www/html" (Debian nginx's default site). */
  documentRoot?: string | undefined;
  /**
   * SERVER_NAME, as nginx's `server_name`: the server's own name for itself, never the
   * client's Host (which goes on as HTTP_HOST). Default: the listen address's host (the
   * proxy), `localhost` (the handlers).
   */
  serverName?: string | undefined;
  /** Largest request body in bytes; over it, 413. Default 1 MiB (nginx's client_max_body_size). */
  maxBody?: number | undefined;
  /**
   * Read a request's whole body before the upstream is called, as nginx's
   * `proxy_request_buffering` and `fastcgi_request_buffering` (on by default): a client
   * that sends its body slowly then holds no upstream worker. Off, bodies stream through
   * (a chunked one is still held: the CGI protocols announce the length first). Default true.
   */
  requestBuffering?: boolean | undefined;
  /** A body being buffered is held in memory up to this many bytes, then in an unlinked temporary file. Default 64 KiB. */
  spoolInMemory?: number | undefined;
  /**
   * Idle FastCGI connections kept (KEEP_CONN) for requests without a body, at most. Default
   * 0, as nginx's default (no `keepalive` in its upstream): php-fpm gives each connection a
   * worker for as long as it is open, so every kept connection holds one of its pool idle.
   * Keep this well below the pool (`pm.max_children`); idle ones are closed before a new
   * connection is opened, so they can never hold every worker a request needs.
   */
  fastcgiKeepConn?: number | undefined;
  /** Connect and read deadlines for the upstream, in ms (504 past them). Default 60000 each. */
  connectTimeout?: number | undefined;
  readTimeout?: number | undefined;
  /** One access line a request, and upstream errors. */
  log?: ((line: string) => void) | undefined;
}

/** One request to pass on: its decoded head, its Environ (requestToEnviron's), its body. */
export interface Passed {
  readonly head: HttpRequestHead;
  readonly env: Environ;
  /** The body's bytes as they arrive (de-chunked); not read when the head says none. */
  readonly body: AsyncIterable<Uint8Array>;
  /** SERVER_ADDR: the address the request came in on. */
  readonly serverAddr: string;
  readonly https: boolean;
  readonly gone: Gone;
  /** Whoever brought the request can pipe a tunnel (a Reply's `tunnel`): an Upgrade may go to an HTTP upstream. */
  readonly tunnels?: boolean | undefined;
}

/** The Upgrade a proxy passes on: one protocol, `websocket` (any case, RFC 9110 §7.8). */
const WEBSOCKET = /^[ \t]*websocket[ \t]*$/i;

/** Passes requests on; `close()` lets go of the kept FastCGI connections. */
export interface Pass {
  (request: Passed): Promise<Reply>;
  readonly serverName: string;
  close(): void;
}

/** `caller` names the function in a TypeError; `serverName` is the default SERVER_NAME. */
export function createPass(options: PassOptions, serverName: string, caller: string): Pass {
  if (typeof options !== "object" || options === null)
    throw new TypeError(`${caller}: options must be an object with an upstream`);
  const fallback = addressOf(options.upstream);
  const routes = [...(options.routes ?? [])].map(([prefix, to]): [string, Address] => {
    if (typeof prefix !== "string" || !prefix.startsWith("/"))
      throw new TypeError(
        `${caller}: a route's prefix must be a path starting with /, not ${String(prefix)}`,
      );
    return [prefix, addressOf(to)];
  });
  routes.sort(([a], [b]) => b.length - a.length); // (the longest prefix first: it wins)
  const route = (uri: string): Address => routes.find(([prefix]) => uri.startsWith(prefix))?.[1] ?? fallback;
  const extra: [string, string][] = [...(options.params ?? [])].map(([n, v]) => [n, v]);
  if (options.scriptFilename !== undefined) extra.unshift(["SCRIPT_FILENAME", options.scriptFilename]);
  const maxBody = options.maxBody ?? 1024 * 1024;
  const spoolInMemory = options.spoolInMemory ?? 64 * 1024;
  const buffering = options.requestBuffering ?? true;
  const pool = new UpstreamPool(options.fastcgiKeepConn ?? 0);
  const name = options.serverName ?? serverName;
  if (typeof name !== "string" || /[^\x21-\x7e]/.test(name))
    throw new TypeError(
      `${caller}: serverName must be a host name (visible ASCII), not ${JSON.stringify(name)}`,
    );
  const upstreamOptions = {
    pool,
    connectTimeout: positive(options.connectTimeout, 60_000, "connectTimeout"),
    readTimeout: positive(options.readTimeout, 60_000, "readTimeout"),
    log: options.log,
  };
  const documentRoot = options.documentRoot ?? "/var/www/html";

  async function pass(x: Passed): Promise<Reply> {
    const { head, body } = x;
    if (head.method === "CONNECT")
      throw new StatusError(501, "CONNECT is not proxied", "UPGRADE_NOT_SUPPORTED");
    // nginx's $uri: the decoded path with its dot-segments resolved and slashes merged.
    const uri = normalizePath(x.env.get("PATH_INFO") ?? "/");
    if (uri === undefined)
      throw new StatusError(400, "the path goes above the root or holds a NUL", "BAD_PATH");
    const upstream = route(uri);
    // An Upgrade (WebSocket) goes on to an HTTP upstream with its Upgrade field, as nginx's
    // proxy_pass with `proxy_set_header Upgrade $http_upgrade`; uwsgi, FastCGI and SCGI
    // cannot carry one (nginx cannot either).
    // (An HTTP/1.0 request's Upgrade is ignored, RFC 9110 §7.8: it goes on as a plain request,
    // and a 101 to it is a 502; what the client sends after it is still never read as a request.)
    let upgrade: string | undefined;
    if (head.upgrade && head.version === "HTTP/1.1") {
      upgrade = head.headers.get("upgrade");
      if (upstream.protocol !== "http" || upgrade === undefined)
        throw new StatusError(
          501,
          `an upgrade is proxied to an HTTP upstream only, not ${upstream.protocol}`,
          "UPGRADE_NOT_SUPPORTED",
        );
      // WebSocket only: an h2c upgrade would let the client speak HTTP/2 to the upstream
      // past every rule the proxy applies a request (h2c smuggling).
      if (!WEBSOCKET.test(upgrade))
        throw new StatusError(
          501,
          `an upgrade to ${JSON.stringify(upgrade)} is not proxied`,
          "UPGRADE_NOT_SUPPORTED",
        );
      if (x.tunnels !== true)
        throw new StatusError(
          501,
          "an upgrade is proxied by envwire proxy only, not a handler",
          "UPGRADE_NOT_SUPPORTED",
        );
    }
    // nginx's $host: the target's authority (absolute-form) or Host, else the server's name.
    const host = hostOf(x.env) || name;
    let length: number | undefined;
    let chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = body;
    let spooled: Spooled | undefined;
    if (head.body === "chunked" || (head.body === "length" && buffering)) {
      // Read whole before the upstream is called (see requestBuffering); a chunked body is
      // sent on with its length, as nginx does: the CGI protocols cannot frame a body
      // without one, and not every HTTP application reads chunked.
      spooled = await spool(body, maxBody, spoolInMemory);
      ({ length, chunks } = spooled);
      if (upstream.protocol === "http" && head.body === "chunked")
        x.env.set("CONTENT_LENGTH", String(length));
    } else if (head.body === "length") {
      length = head.contentLength;
    } else {
      // No body: one that can be sent twice (on a kept connection, then a new one). A
      // Content-Length of 0 still goes on as "0", as nginx sends it.
      chunks = [];
      const given = x.env.get("CONTENT_LENGTH");
      if (given !== undefined) length = Number(given);
    }
    // An HTTP upstream is asked for the host the request was routed by: an absolute-form
    // target's authority, not a Host that says otherwise (RFC 9112 §3.2.2), else a name.
    if (upstream.protocol === "http") {
      if (head.targetForm === "absolute") x.env.set("HTTP_HOST", authorityOf(head.target));
      else if (!x.env.has("HTTP_HOST")) x.env.set("HTTP_HOST", name);
    }
    const env =
      upstream.protocol === "http"
        ? x.env
        : upstreamEnviron(
            upstream.protocol,
            {
              env: x.env,
              contentLength: length,
              uri,
              https: x.https,
              serverName: name,
              host,
              serverAddr: x.serverAddr,
              documentRoot,
              serverSoftware: `envwire/${VERSION}`,
            },
            // (The path is normalized: it cannot climb out of the document root.)
            options.scriptFilename === undefined && upstream.protocol === "fastcgi"
              ? [["SCRIPT_FILENAME", documentRoot.replace(/\/+$/, "") + uri], ...extra]
              : extra,
          );
    try {
      return await forward(
        upstream,
        { env, method: head.method, body: chunks, length, gone: x.gone, upgrade },
        upstreamOptions,
      );
    } catch (error) {
      await spooled?.dispose();
      throw error;
    }
  }
  return Object.assign(pass, { serverName: name, close: () => pool.close() });
}

function addressOf(upstream: string | Address): Address {
  return typeof upstream === "string" ? parseAddress(upstream) : upstream;
}

/** The authority of an absolute-form target ("http://o.test:81/a" → "o.test:81"), userinfo left out. */
function authorityOf(target: string): string {
  return target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*).*$/s, "$1").replace(/^.*@/, "");
}
