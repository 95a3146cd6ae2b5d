/**
 * `createProxy`: HTTP/1.1 in, each request sent on to one upstream in its protocol (uwsgi,
 * FastCGI, SCGI or HTTP) with the variables nginx's params files send, and the answer
 * written back as HTTP — what nginx does with uwsgi_pass, fastcgi_pass, scgi_pass and
 * proxy_pass in front of uWSGI, php-fpm or an HTTP application.
 */
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { HttpDecoderOptions } from "@envwire/http-proto";
import { type Address, parseAddress } from "./address.js";
import { type Connection, type Exchange, StatusError, serveHttp } from "./front.js";
import { normalizePath, upstreamEnviron } from "./params.js";
import type { Reply } from "./reply.js";
import { type Spooled, spool } from "./spool.js";
import { forward, UpstreamPool } from "./upstream.js";
import { VERSION } from "./version.js";

export interface ProxyOptions {
  /** `uwsgi://HOST:PORT`, `fastcgi://…`, `scgi://…` or `http://…`. */
  upstream: string | Address;
  /** Variables to add, after the params files' (as `uwsgi_param NAME VALUE` would). */
  params?: Iterable<readonly [string, string]> | undefined;
  /** SCRIPT_FILENAME, for php-fpm: the script every request runs. */
  scriptFilename?: string | undefined;
  /** DOCUMENT_ROOT. Default "/var/www/html" (Debian nginx's default site). */
  documentRoot?: string | undefined;
  /** Largest request body in bytes; over it, 413. Default 1 MiB (nginx's client_max_body_size). */
  maxBody?: number | undefined;
  /** A chunked upload is held in memory up to this many bytes, then in a temporary file. Default 64 KiB. */
  spoolInMemory?: number | undefined;
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
  const upstream = typeof options.upstream === "string" ? parseAddress(options.upstream) : options.upstream;
  const extra: [string, string][] = [...(options.params ?? [])].map(([n, v]) => [n, v]);
  if (options.scriptFilename !== undefined) extra.unshift(["SCRIPT_FILENAME", options.scriptFilename]);
  const maxBody = options.maxBody ?? 1024 * 1024;
  const spoolInMemory = options.spoolInMemory ?? 64 * 1024;
  const pool = new UpstreamPool();
  const upstreamOptions = {
    pool,
    connectTimeout: options.connectTimeout ?? 60_000,
    readTimeout: options.readTimeout ?? 60_000,
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
    let length: number | undefined;
    let chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = body;
    let spooled: Spooled | undefined;
    if (head.body === "length") {
      if (head.contentLength > maxBody)
        throw new StatusError(413, `the body is over ${maxBody} bytes`, "BODY_TOO_LARGE");
      length = head.contentLength;
    } else if (head.body === "chunked") {
      // Sent on with its length, as nginx does (proxy_request_buffering): the CGI protocols
      // cannot frame a body without one, and not every HTTP application reads chunked.
      spooled = await spool(body, maxBody, spoolInMemory);
      ({ length, chunks } = spooled);
      if (upstream.protocol === "http") x.env.set("CONTENT_LENGTH", String(length));
    } else {
      // No body: one that can be sent twice (on a kept connection, then a new one). A
      // Content-Length of 0 still goes on as "0", as nginx sends it.
      body.end();
      chunks = [];
      const given = x.env.get("CONTENT_LENGTH");
      if (given !== undefined) length = Number(given);
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
              serverAddr: x.socket.localAddress ?? "",
              documentRoot,
              serverSoftware: `envwire/${VERSION}`,
            },
            extra,
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
        limits: { maxBodySize: maxBody, ...options.limits },
        dropHopByHop: true,
        keepAliveTimeout: options.keepAliveTimeout,
        log: options.log,
      }),
    "http",
    () => pool.close(),
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
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve();
    });
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
