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
import { type Connection, type Exchange, serveHttp } from "./front.js";
import { createPass, type PassOptions } from "./pass.js";
import type { Reply } from "./reply.js";

export interface ProxyOptions extends PassOptions {
  /** A request body may pause this long (ms) between two reads; else 408. Default 60000 (client_body_timeout). */
  bodyTimeout?: number | undefined;
  /** The HTTP request decoder's limits (a head over them is 431, a body over maxBodySize 413). */
  limits?: HttpDecoderOptions | undefined;
  keepAliveTimeout?: number | undefined;
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
  const where = typeof listen === "string" ? parseAddress(listen, "http") : listen;
  const pass = createPass(options, where.host || "localhost", "createProxy");
  const bodyTimeout = positive(options.bodyTimeout, 60_000, "bodyTimeout");
  const handle = (x: Exchange): Promise<Reply> => {
    if (x.head.body === "none") x.body.end();
    return pass({
      head: x.head,
      env: x.env,
      body: x.body,
      serverAddr: x.socket.localAddress ?? "",
      https: false,
      gone: x.gone,
      tunnels: true,
    });
  };
  return startListening(
    listen,
    (socket) =>
      serveHttp(socket, handle, {
        limits: options.limits,
        maxBody: options.maxBody ?? 1024 * 1024,
        bodyTimeout,
        dropHopByHop: true,
        keepAliveTimeout: options.keepAliveTimeout,
        tunnelTimeout: options.readTimeout,
        log: options.log,
      }),
    "http",
    () => pass.close(),
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
