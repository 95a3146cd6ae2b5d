/**
 * The HTTP/1.1 side of a connection, as a server runs it: requests decoded as they arrive
 * (pipelined ones queued), each handed to the handler in turn and its answer written in
 * order, the connection kept open between them unless a side says close; `Expect:
 * 100-continue` answered when the handler first reads the body; a malformed request answered
 * 400 (413, 414, 431 by what is wrong) with its ProtocolError's code in the log, and the
 * connection closed after it.
 */
import type { Socket } from "node:net";
import { type Environ, ProtocolError } from "@envwire/environ";
import {
  type HttpDecoderOptions,
  HttpErrorCode,
  type HttpRequestHead,
  RequestDecoder,
  requestToEnviron,
} from "@envwire/http-proto";
import { BodyStream } from "./body.js";
import { ClosedError, UpstreamError } from "./io.js";
import { type Reply, writeReply } from "./reply.js";

/** One request, as a handler gets it. */
export interface Exchange {
  readonly head: HttpRequestHead;
  /** The request's CGI variables (views into its bytes). */
  readonly env: Environ;
  readonly body: BodyStream;
  /** Aborted when the client goes away before its answer is written. */
  readonly signal: AbortSignal;
  readonly socket: Socket;
}

export type Handler = (exchange: Exchange) => Promise<Reply>;

/** An answer the handler could not give, with the status that says why (413, for instance). */
export class StatusError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, message: string, code: string = `HTTP_${status}`) {
    super(message);
    this.status = status;
    this.code = code;
    this.name = "StatusError";
  }
}

export interface FrontOptions {
  /** The request decoder's limits. */
  limits?: HttpDecoderOptions | undefined;
  /** The connection is TLS (HTTPS=on). */
  https?: boolean | undefined;
  /** Leave hop-by-hop fields and Expect out of the Environ (a proxy frames and answers those itself). */
  dropHopByHop?: boolean | undefined;
  /** An idle kept-alive connection is closed after this many ms. Default 75000 (nginx's). */
  keepAliveTimeout?: number | undefined;
  /** One line a request (see accessLine). */
  log?: ((line: string) => void) | undefined;
}

interface Pending {
  head: HttpRequestHead | undefined;
  exchange: Exchange | undefined;
  /** A request that could not be read: answered with this, and the connection closed. */
  error: unknown;
  controller: AbortController;
  start: number;
}

/** The status a malformed request is answered with. */
function statusOf(error: unknown): number {
  if (error instanceof StatusError || error instanceof UpstreamError) return error.status;
  if (!(error instanceof ProtocolError)) return 500;
  switch (error.code) {
    case HttpErrorCode.BodyTooLarge:
      return 413;
    case HttpErrorCode.StartLineTooLong:
      return 414;
    case HttpErrorCode.HeadTooLarge:
    case HttpErrorCode.TooManyHeaders:
      return 431;
    default:
      return 400;
  }
}

function codeOf(error: unknown): string {
  if (error instanceof ProtocolError || error instanceof StatusError || error instanceof UpstreamError)
    return error.code;
  return "INTERNAL_ERROR";
}

/** A connection being served: `drain()` closes it once what it has begun is answered. */
export interface Connection {
  drain(): void;
}

/** Serves HTTP/1.1 on `socket`, each request answered by `handler`. */
export function serveHttp(socket: Socket, handler: Handler, options: FrontOptions = {}): Connection {
  const queue: Pending[] = [];
  let draining = false;
  let current: BodyStream | undefined;
  let busy = false;
  let closed = false;
  let failed = false;
  socket.setNoDelay(true);
  socket.setTimeout(options.keepAliveTimeout ?? 75_000, () => {
    if (queue.length === 0 && !busy) socket.destroy();
  });
  const flow = {
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  };
  const decoder = new RequestDecoder(
    {
      onHead(head) {
        const controller = new AbortController();
        const pending: Pending = {
          head,
          exchange: undefined,
          error: undefined,
          controller,
          start: Date.now(),
        };
        const body = new BodyStream(flow, undefined, () => {
          // Only once it is this request's turn: an earlier answer may still be going out.
          if (head.expectContinue && head.body !== "none") socket.write("HTTP/1.1 100 Continue\r\n\r\n");
        });
        const env = requestToEnviron(head, {
          remoteAddr: socket.remoteAddress,
          remotePort: socket.remotePort,
          serverPort: socket.localPort,
          https: options.https,
          dropHopByHop: options.dropHopByHop,
        });
        pending.exchange = { head, env, body, signal: controller.signal, socket };
        current = body;
        queue.push(pending);
        void pump();
      },
      onBody(chunk) {
        current?.push(chunk);
      },
      onEnd() {
        current?.end();
        current = undefined;
      },
    },
    options.limits,
  );

  socket.on("data", (chunk: Buffer) => {
    if (failed) return;
    try {
      decoder.push(chunk);
    } catch (error) {
      fail(error);
    }
  });
  socket.on("end", () => {
    if (failed) return;
    try {
      decoder.end();
    } catch (error) {
      fail(error);
    }
    if (queue.length === 0 && !busy) socket.end();
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    closed = true;
    current?.fail(new ClosedError());
    for (const pending of queue) {
      pending.controller.abort();
      pending.exchange?.body.fail(new ClosedError());
    }
  });

  /** The request in progress (or the next) cannot be read: answered after those before it. */
  function fail(error: unknown): void {
    failed = true;
    current?.fail(error);
    current = undefined;
    queue.push({
      head: undefined,
      exchange: undefined,
      error,
      controller: new AbortController(),
      start: Date.now(),
    });
    void pump();
  }

  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      while (queue.length > 0 && !closed) {
        const pending = queue[0]!;
        const keepOpen = await answer(pending);
        queue.shift();
        if (!keepOpen || (draining && queue.length === 0)) {
          socket.end();
          closed = true;
          return;
        }
      }
      if (socket.readableEnded && queue.length === 0) socket.end();
    } finally {
      busy = false;
    }
  }

  /** Answers one request; says whether the connection stays open. */
  async function answer(pending: Pending): Promise<boolean> {
    const exchange = pending.exchange;
    const head = pending.head;
    if (exchange === undefined || head === undefined) {
      await errorReply(pending, pending.error, "-", "-", "HTTP/1.1");
      return false;
    }
    let reply: Reply;
    try {
      reply = await handler(exchange);
    } catch (error) {
      if (closed || error instanceof ClosedError) return false;
      // A request whose body could not be read (or was too large) ends its connection.
      const close = !exchange.body.ended || error instanceof ProtocolError;
      await errorReply(pending, error, head.method, head.target, head.version);
      if (close) return false;
      await exchange.body.discard();
      return head.keepAlive;
    }
    try {
      const open = head.keepAlive && !draining;
      const { bytes, keepAlive } = await writeReply(socket, reply, head.method, head.version, open);
      log(pending, head.method, head.target, head.version, reply.status, bytes, "-");
      if (!keepAlive) return false;
    } catch (error) {
      // The answer broke off (the upstream or the client went away): nothing more can be said.
      log(pending, head.method, head.target, head.version, reply.status, 0, codeOf(error));
      socket.destroy();
      return false;
    }
    await exchange.body.discard();
    return true;
  }

  return {
    drain() {
      draining = true;
      if (queue.length === 0 && !busy) socket.end();
    },
  };

  async function errorReply(
    pending: Pending,
    error: unknown,
    method: string,
    target: string,
    version: "HTTP/1.0" | "HTTP/1.1",
  ): Promise<void> {
    const status = statusOf(error);
    const text = `${status} ${codeOf(error)}\n`;
    log(pending, method, target, version, status, text.length, codeOf(error));
    try {
      await writeReply(
        socket,
        { status, headers: [["Content-Type", "text/plain"]], body: text },
        method === "-" ? "GET" : method,
        version,
        false,
      );
    } catch {
      socket.destroy();
    }
  }

  function log(
    pending: Pending,
    method: string,
    target: string,
    version: string,
    status: number,
    bytes: number,
    code: string,
  ): void {
    options.log?.(
      `${socket.remoteAddress ?? "-"} "${method} ${target} ${version}" ${status} ${bytes} ${Date.now() - pending.start}ms ${code}`,
    );
  }
}
