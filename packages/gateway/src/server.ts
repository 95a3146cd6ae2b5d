/**
 * `createServer`: the application side. Accepts requests in any of the four protocols —
 * from nginx (uwsgi_pass, fastcgi_pass, scgi_pass, proxy_pass) or from `createProxy` — and
 * answers each with `app(env, body)`, the body streamed in both directions. FastCGI requests
 * are multiplexed by id on a connection and GET_VALUES is answered; uwsgi and SCGI take one
 * request a connection, as their web servers send them; HTTP keeps its connections.
 */
import type { Socket } from "node:net";
import { type Environ, encodeCgiResponseHead } from "@envwire/environ";
import {
  encodeEndRequest,
  encodeStream,
  encodeStreamEnd,
  RequestDecoder as FcgiRequestDecoder,
  ProtocolStatus,
  RecordType,
} from "@envwire/fastcgi-proto";
import { type HttpDecoderOptions, STATUS_REASONS } from "@envwire/http-proto";
import { RequestDecoder as ScgiRequestDecoder } from "@envwire/scgi-proto";
import { RequestDecoder as UwsgiRequestDecoder } from "@envwire/uwsgi-proto";
import { ClientGone } from "./abort.js";
import { type Address, parseAddress } from "./address.js";
import { type BodyInit, BodyStream, bodyChunks } from "./body.js";
import { deadline, positive } from "./deadline.js";
import { type Connection, serveHttp } from "./front.js";
import { ClosedError, write, writeTogether } from "./io.js";
import { type Gateway, startListening } from "./proxy.js";
import { writeReply } from "./reply.js";

/** What an application answers. */
export interface AppResponse {
  status: number;
  reason?: string | undefined;
  headers?: Iterable<readonly [string, string]> | Readonly<Record<string, string>> | undefined;
  body?: BodyInit;
}

/** Where a request came from, and a signal aborted when its client goes away. */
export interface AppContext {
  readonly protocol: Address["protocol"];
  readonly signal: AbortSignal;
}

/** An application: the request's variables and body in, an answer out. */
export type App = (
  env: Environ,
  body: AsyncIterable<Uint8Array>,
  context: AppContext,
) => AppResponse | Promise<AppResponse>;

export interface ServerOptions {
  /** The HTTP listener's request limits. */
  limits?: HttpDecoderOptions | undefined;
  /** Most FastCGI requests at once on a connection. Default 64. */
  maxConcurrentRequests?: number | undefined;
  /**
   * A request that has begun must keep arriving: a connection whose request (its head,
   * params or body) pauses this many ms between two reads is closed (HTTP: answered 408).
   * Default 60000, as nginx's client_header_timeout and client_body_timeout.
   */
  readTimeout?: number | undefined;
  /** One line a request, and errors. */
  log?: ((line: string) => void) | undefined;
}

/** Listens on every address (`uwsgi://…`, `fastcgi://…`, `scgi://…`, `http://…`) and serves `app`. */
export async function createServer(
  app: App,
  listen: readonly (string | Address)[],
  options: ServerOptions = {},
): Promise<Gateway[]> {
  if (typeof app !== "function")
    throw new TypeError("createServer: app must be a function (env, body) → response");
  positive(options.readTimeout, READ_TIMEOUT, "readTimeout");
  const gateways: Gateway[] = [];
  try {
    for (const where of listen) {
      const address = typeof where === "string" ? parseAddress(where) : where;
      gateways.push(await listenFor(app, address, options));
    }
  } catch (error) {
    await Promise.all(gateways.map((g) => g.close(0)));
    throw error;
  }
  return gateways;
}

function listenFor(app: App, address: Address, options: ServerOptions): Promise<Gateway> {
  const log = options.log;
  switch (address.protocol) {
    case "http":
      return startListening(address, (socket) =>
        serveHttp(
          socket,
          async (x) => {
            let response: AppResponse;
            try {
              response = await call(app, x.env, x.body, "http", x.gone);
            } catch (error) {
              // (A body that could not be read is answered for what it is: 400, 408, 413.)
              if (error === x.body.error) throw error;
              response = errorResponse(error, log);
            }
            return { ...response, headers: headersOf(response.headers) };
          },
          { limits: options.limits, bodyTimeout: options.readTimeout, headTimeout: options.readTimeout, log },
        ),
      );
    case "uwsgi":
    case "scgi": {
      const protocol = address.protocol;
      const readTimeout = positive(options.readTimeout, READ_TIMEOUT, "readTimeout");
      return startListening(
        address,
        (socket) => serveOneRequest(socket, app, protocol, readTimeout, log),
        protocol,
      );
    }
    case "fastcgi":
      return startListening(address, (socket) => serveFastcgi(socket, app, options), "fastcgi");
  }
}

async function call(
  app: App,
  env: Environ,
  body: AsyncIterable<Uint8Array>,
  protocol: Address["protocol"],
  gone: ClientGone,
): Promise<AppResponse> {
  // (The AbortSignal made only if the app reads it: see ClientGone.)
  const response = await app(env, body, {
    protocol,
    get signal() {
      return gone.signal;
    },
  });
  if (typeof response?.status !== "number")
    throw new TypeError("the app must answer with an object whose status is a number");
  return response;
}

function headersOf(headers: AppResponse["headers"]): [string, string][] {
  if (headers === undefined) return [];
  if (Symbol.iterator in headers)
    return [...(headers as Iterable<readonly [string, string]>)].map(([n, v]) => [n, v]);
  return Object.entries(headers as Record<string, string>);
}

/** The answer for an app that threw: the error goes to the log, not to the client. */
function errorResponse(error: unknown, log: ServerOptions["log"]): AppResponse {
  log?.(`the app failed: ${(error as Error)?.stack ?? String(error)}`);
  return { status: 500, headers: [["Content-Type", "text/plain"]], body: "500 Internal Server Error\n" };
}

/** Connections with no request in progress are closed after this long (nginx's keepalive_timeout). */
const IDLE_TIMEOUT = 75_000;
/** A request that has begun may pause this long between two reads (nginx's client_body_timeout). */
const READ_TIMEOUT = 60_000;
/**
 * FastCGI params a connection may hold before their requests are whole, all requests
 * together: what nginx sends is about 1 KiB a request, a large Cookie some 8 KiB more.
 */
const MAX_PENDING_PARAMS = 64 * 1024;

/**
 * uwsgi or SCGI: one request on the connection, answered (uwsgi in HTTP, as uWSGI answers;
 * SCGI as a CGI response), then the connection closed.
 */
function serveOneRequest(
  socket: Socket,
  app: App,
  protocol: "uwsgi" | "scgi",
  readTimeout: number,
  log: ServerOptions["log"],
): Connection {
  const gone = new ClientGone();
  // From the first byte until the body is whole, the request must keep arriving. (Not while
  // the app is slow to read it: then the socket is paused, and the wait is the app's.)
  const arriving = deadline(readTimeout, () => {
    log?.(`${protocol} request from ${socket.remoteAddress}: nothing for ${readTimeout} ms, closed`);
    socket.destroy();
  });
  const body = new BodyStream({
    pause: () => {
      arriving.stop();
      socket.pause();
    },
    resume: () => {
      if (!body.ended && !socket.destroyed) arriving.start();
      socket.resume();
    },
  });
  let started = false;
  const onHead = ({ env }: { env: Environ }) => {
    started = true;
    void answer(env);
  };
  const onEnd = () => {
    arriving.stop();
    body.end();
  };
  const decoder =
    protocol === "uwsgi"
      ? new UwsgiRequestDecoder({ onHead, onBody: (c) => body.push(c), onEnd })
      : new ScgiRequestDecoder({ onHead, onBody: (c) => body.push(c), onEnd });
  socket.on("data", (chunk: Buffer) => {
    if (!body.ended) arriving.start();
    try {
      if (!body.ended || !started) decoder.push(chunk);
    } catch (error) {
      log?.(`${protocol} request from ${socket.remoteAddress}: ${(error as Error).message}`);
      body.fail(error);
      socket.destroy();
    }
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    arriving.stop();
    gone.abort();
    // (A body already whole stays readable; and no error made for nothing: 1.8 µs a request.)
    if (!body.ended) body.fail(new ClosedError());
  });
  // No request within the idle timeout, or an answer its reader takes nothing of: closed.
  socket.setTimeout(IDLE_TIMEOUT);
  socket.on("timeout", () => {
    if (!started || socket.writableLength > 0) socket.destroy();
  });

  async function answer(env: Environ): Promise<void> {
    const start = Date.now();
    let response: AppResponse;
    try {
      response = await call(app, env, body, protocol, gone);
    } catch (error) {
      response = errorResponse(error, log);
    }
    let bytes = 0;
    const method = env.get("REQUEST_METHOD") ?? "GET";
    const send = async (r: AppResponse) => {
      const headers = headersOf(r.headers);
      if (protocol === "uwsgi")
        ({ bytes } = await writeReply(socket, { ...r, headers }, method, "HTTP/1.0", false));
      else bytes = await writeCgi(socket, r.status, r.reason, headers, r.body, (part) => write(socket, part));
    };
    const before = socket.bytesWritten;
    try {
      await send(response);
      socket.end();
    } catch (error) {
      // An answer the app made malformed (a bad header): a 500 instead, if nothing went out.
      if (socket.bytesWritten !== before || socket.destroyed) socket.destroy();
      else {
        response = errorResponse(error, log);
        await send(response).then(
          () => socket.end(),
          () => socket.destroy(),
        );
      }
    }
    log?.(
      `${socket.remoteAddress ?? "-"} ${protocol} "${env.get("REQUEST_METHOD")} ${env.get("REQUEST_URI")}" ${response.status} ${bytes} ${Date.now() - start}ms`,
    );
    await body.discard();
  }

  return { drain: () => (started ? undefined : socket.end()) };
}

/** A CGI response (Status and fields, then the body) through `send`; returns the body's bytes. */
async function writeCgi(
  socket: Socket,
  status: number,
  reason: string | undefined,
  headers: [string, string][],
  body: BodyInit,
  send: (part: Uint8Array) => Promise<void> | undefined,
): Promise<number> {
  const { chunks, length } = bodyChunks(body);
  if (length !== undefined && !headers.some(([n]) => n.toLowerCase() === "content-length"))
    headers.push(["Content-Length", String(length)]);
  await send(encodeCgiResponseHead({ status, reason: reason ?? STATUS_REASONS[status] ?? "", headers }));
  let bytes = 0;
  for await (const chunk of chunks) {
    if (socket.destroyed) throw new ClosedError();
    bytes += chunk.length;
    await send(chunk);
  }
  return bytes;
}

/** FastCGI: any number of requests, interleaved by id; each answered in STDOUT records. */
function serveFastcgi(socket: Socket, app: App, options: ServerOptions): Connection {
  const log = options.log;
  const requests = new Map<number, { body: BodyStream; gone: ClientGone }>();
  let draining = false;
  // While a begun request's params or body are not all in, they must keep arriving (not
  // while an app is slow to read a body: then the socket is paused, and the wait is its own).
  const readTimeout = positive(options.readTimeout, READ_TIMEOUT, "readTimeout");
  const arriving = deadline(readTimeout, () => {
    log?.(`fastcgi connection from ${socket.remoteAddress}: nothing for ${readTimeout} ms, closed`);
    socket.destroy();
  });
  let paused = false;
  const incomplete = new Set<number>();
  const flow = {
    pause: () => {
      paused = true;
      arriving.stop();
      socket.pause();
    },
    resume: () => {
      paused = false;
      if (incomplete.size > 0 && !socket.destroyed) arriving.start();
      socket.resume();
    },
  };
  const settle = (id: number) => {
    incomplete.delete(id);
    if (incomplete.size === 0) arriving.stop();
  };
  const decoder = new FcgiRequestDecoder(
    {
      onBegin({ requestId }) {
        requests.set(requestId, { body: new BodyStream(flow), gone: new ClientGone() });
        incomplete.add(requestId);
        if (!paused) arriving.start();
      },
      onHead({ requestId, env, keepConn }) {
        void answer(requestId, env, keepConn);
      },
      onBody: (id, chunk) => requests.get(id)?.body.push(chunk),
      onEnd: (id) => {
        settle(id);
        requests.get(id)?.body.end();
      },
      onAbort(id) {
        settle(id);
        const request = requests.get(id);
        request?.gone.abort();
        request?.body.fail(new ClosedError());
      },
      onReply: (record) => socket.write(record),
    },
    {
      maxPendingParamsSize: MAX_PENDING_PARAMS,
      ...(options.maxConcurrentRequests === undefined
        ? {}
        : { maxConcurrentRequests: options.maxConcurrentRequests }),
    },
  );
  socket.on("data", (chunk: Buffer) => {
    if (incomplete.size > 0) arriving.touch();
    try {
      decoder.push(chunk);
    } catch (error) {
      log?.(`fastcgi connection from ${socket.remoteAddress}: ${(error as Error).message}`);
      socket.destroy();
    }
  });
  socket.on("error", () => {});
  // No request within the idle timeout, or answers their reader takes nothing of: closed.
  socket.setTimeout(IDLE_TIMEOUT);
  socket.on("timeout", () => {
    if (requests.size === 0 || socket.writableLength > 0) socket.destroy();
  });
  socket.on("close", () => {
    incomplete.clear();
    arriving.stop();
    for (const { body, gone } of requests.values()) {
      gone.abort();
      body.fail(new ClosedError());
    }
  });

  async function answer(id: number, env: Environ, keepConn: boolean): Promise<void> {
    const request = requests.get(id)!;
    const start = Date.now();
    let response: AppResponse;
    try {
      response = await call(app, env, request.body, "fastcgi", request.gone);
    } catch (error) {
      response = errorResponse(error, log);
    }
    let bytes = 0;
    let sent = false;
    const send = (r: AppResponse) =>
      writeCgi(socket, r.status, r.reason, headersOf(r.headers), r.body, (part) => {
        sent = true;
        return writeTogether(socket, encodeStream(RecordType.STDOUT, id, part));
      });
    try {
      bytes = await send(response);
    } catch (error) {
      // An answer the app made malformed (a bad header): a 500 instead, if nothing went out.
      // (A body that broke off ends the request as it stands.)
      if (!sent && !socket.destroyed) {
        response = errorResponse(error, log);
        bytes = await send(response).catch(() => 0);
      }
    }
    await request.body.discard();
    requests.delete(id);
    decoder.completeRequest(id);
    if (!socket.destroyed) {
      socket.write(encodeStreamEnd(RecordType.STDOUT, id));
      socket.write(encodeEndRequest(id, 0, ProtocolStatus.REQUEST_COMPLETE));
      if (!keepConn || (draining && requests.size === 0)) socket.end();
    }
    log?.(
      `${socket.remoteAddress ?? "-"} fastcgi#${id} "${env.get("REQUEST_METHOD")} ${env.get("REQUEST_URI")}" ${response.status} ${bytes} ${Date.now() - start}ms`,
    );
  }

  return {
    drain() {
      draining = true;
      if (requests.size === 0) socket.end();
    },
  };
}
