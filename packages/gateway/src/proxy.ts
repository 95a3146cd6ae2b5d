/**
 * `createProxy`: HTTP/1.1 in, each request sent on to one upstream in its protocol (uwsgi,
 * FastCGI, SCGI or HTTP) with the variables nginx's params files send, and the answer
 * written back as HTTP — what nginx does with uwsgi_pass, fastcgi_pass, scgi_pass and
 * proxy_pass in front of uWSGI, php-fpm or an HTTP application.
 */
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { HttpDecoderOptions } from "@envwire/http-proto";
import { type Address, parseAddress } from "./address.js";
import { positive } from "./deadline.js";
import { type Connection, type Exchange, hostOf, StatusError, serveHttp } from "./front.js";
import { normalizePath, upstreamEnviron } from "./params.js";
import type { Reply } from "./reply.js";
import { type Spooled, spool } from "./spool.js";
import { forward, UpstreamPool } from "./upstream.js";
import { VERSION } from "./version.js";

export interface ProxyOptions {
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
   * SERVER_NAME, as nginx's `server_name`: the proxy's own name for itself, never the
   * client's Host (which goes on as HTTP_HOST). Default: the listen address's host.
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
  /** A request body may pause this long (ms) between two reads; else 408. Default 60000 (client_body_timeout). */
  bodyTimeout?: number | undefined;
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
  /** The HTTP request decoder's limits (a head over them is 431, a body over maxBodySize 413). */
  limits?: HttpDecoderOptions | undefined;
  keepAliveTimeout?: number | undefined;
  /** One access line a request, and upstream errors. */
  log?: ((line: string) => void) | undefined;
}

/** A listening gateway: its address, and close() to shut it down gracefully. */
export interface Gateway {
  readonly server: Server;
  /** Where it listens (the port the system chose, for port 0). */
  readonly address: Address;
  /**
   * Stops accepting, lets every connection finish what it has begun (answering with
   * Connection: close), and closes those still open after `deadline` ms (default 10000).
   */
  close(deadline?: number): Promise<void>;
}

/** Starts listening on `listen` (`http://HOST:PORT`, or `HOST:PORT`). */
export async function createProxy(listen: string | Address, options: ProxyOptions): Promise<Gateway> {
  const fallback = addressOf(options.upstream);
  const routes = [...(options.routes ?? [])].map(([prefix, to]): [string, Address] => {
    if (typeof prefix !== "string" || !prefix.startsWith("/"))
      throw new TypeError(
        `createProxy: a route's prefix must be a path starting with /, not ${String(prefix)}`,
      );
    return [prefix, addressOf(to)];
  });
  routes.sort(([a], [b]) => b.length - a.length); // (the longest prefix first: it wins)
  const route = (uri: string): Address => routes.find(([prefix]) => uri.startsWith(prefix))?.[1] ?? fallback;
  const extra: [string, string][] = [...(options.params ?? [])].map(([n, v]) => [n, v]);
  if (options.scriptFilename !== undefined) extra.unshift(["SCRIPT_FILENAME", options.scriptFilename]);
  const bodyTimeout = positive(options.bodyTimeout, 60_000, "bodyTimeout");
  const maxBody = options.maxBody ?? 1024 * 1024;
  const spoolInMemory = options.spoolInMemory ?? 64 * 1024;
  const buffering = options.requestBuffering ?? true;
  const pool = new UpstreamPool(options.fastcgiKeepConn ?? 0);
  const where = typeof listen === "string" ? parseAddress(listen, "http") : listen;
  const serverName = options.serverName ?? (where.host || "localhost");
  assertLatin1Name(serverName);
  const upstreamOptions = {
    pool,
    connectTimeout: positive(options.connectTimeout, 60_000, "connectTimeout"),
    readTimeout: positive(options.readTimeout, 60_000, "readTimeout"),
    log: options.log,
  };
  const documentRoot = options.documentRoot ?? "/var/www/html";

  async function handle(x: Exchange): Promise<Reply> {
    const { head, body } = x;
    if (head.upgrade)
      throw new StatusError(501, "upgrades and CONNECT are not proxied", "UPGRADE_NOT_SUPPORTED");
    // nginx's $uri: the decoded path with its dot-segments resolved and slashes merged.
    const uri = normalizePath(x.env.get("PATH_INFO") ?? "/");
    if (uri === undefined)
      throw new StatusError(400, "the path goes above the root or holds a NUL", "BAD_PATH");
    const upstream = route(uri);
    // nginx's $host: the target's authority (absolute-form) or Host, else the server's name.
    const host = hostOf(x.env) || serverName;
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
      body.end();
      chunks = [];
      const given = x.env.get("CONTENT_LENGTH");
      if (given !== undefined) length = Number(given);
    }
    // An HTTP upstream is asked for the host the request was routed by: an absolute-form
    // target's authority, not a Host that says otherwise (RFC 9112 §3.2.2), else a name.
    if (upstream.protocol === "http") {
      if (head.targetForm === "absolute") x.env.set("HTTP_HOST", authorityOf(head.target));
      else if (!x.env.has("HTTP_HOST")) x.env.set("HTTP_HOST", serverName);
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
              https: false,
              serverName,
              host,
              serverAddr: x.socket.localAddress ?? "",
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
        { env, method: head.method, body: chunks, length, signal: x.signal },
        upstreamOptions,
      );
    } catch (error) {
      await spooled?.dispose();
      throw error;
    }
  }

  return startListening(
    listen,
    (socket) =>
      serveHttp(socket, handle, {
        limits: options.limits,
        maxBody,
        bodyTimeout,
        dropHopByHop: true,
        keepAliveTimeout: options.keepAliveTimeout,
        log: options.log,
      }),
    "http",
    () => pool.close(),
  );
}

function addressOf(upstream: string | Address): Address {
  return typeof upstream === "string" ? parseAddress(upstream) : upstream;
}

/** The authority of an absolute-form target ("http://o.test:81/a" → "o.test:81"), userinfo left out. */
function authorityOf(target: string): string {
  return target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*).*$/s, "$1").replace(/^.*@/, "");
}

function assertLatin1Name(name: string): void {
  if (typeof name !== "string" || /[^\x21-\x7e]/.test(name))
    throw new TypeError(
      `createProxy: serverName must be a host name (visible ASCII), not ${JSON.stringify(name)}`,
    );
}

/**
 * A net server on `listen` (`protocol` when the address names none) whose connections
 * `serve` takes; close() drains them, then calls `onClose`.
 */
export async function startListening(
  listen: string | Address,
  serve: (socket: Socket) => Connection,
  protocol: Address["protocol"] = "http",
  onClose: () => void = () => {},
): Promise<Gateway> {
  const address = typeof listen === "string" ? parseAddress(listen, protocol) : listen;
  const connections = new Map<Socket, Connection>();
  const server = createNetServer((socket) => {
    connections.set(socket, serve(socket));
    socket.once("close", () => connections.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listening = () => {
      server.off("error", reject);
      resolve();
    };
    if (address.path === undefined) server.listen(address.port, address.host, listening);
    else server.listen(address.path, listening);
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
  return {
    server,
    address: { ...address, port },
    async close(deadline = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections.values()) connection.drain();
      const timer = setTimeout(() => {
        for (const socket of connections.keys()) socket.destroy();
      }, deadline);
      await closed;
      clearTimeout(timer);
      onClose();
    },
  };
}
