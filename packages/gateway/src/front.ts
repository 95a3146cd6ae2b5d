/**
 * The HTTP/1.1 side of a connection, as a server runs it: requests decoded as they arrive
 * (pipelined ones queued), each handed to the handler in turn and its answer written in
 * order, the connection kept open between them unless a side says close; `Expect:
 * 100-continue` answered when the handler first reads the body; a malformed request answered
 * 400 (413, 414, 431 by what is wrong) with its ProtocolError's code in the log. A request
 * refused from its head (a Host nginx refuses, a transfer coding other than chunked, a body
 * over maxBody) is answered without its handler. After an answer nginx closes on (400, 408,
 * 413, 414, 431, 500, 501) nothing more is read: what the client still sends is read and let
 * go for a while (nginx's lingering close), so that it sees the answer rather than a reset,
 * and the connection is closed.
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
import { ClientGone } from "./abort.js";
import { BodyStream } from "./body.js";
import { deadline, positive } from "./deadline.js";
import { ClosedError, UpstreamError } from "./io.js";
import { type Reply, switchingHead, writeReply } from "./reply.js";
import { tunnel } from "./tunnel.js";

/** One request, as a handler gets it. */
export interface Exchange {
  readonly head: HttpRequestHead;
  /** The request's CGI variables (views into its bytes). */
  readonly env: Environ;
  readonly body: BodyStream;
  /** Aborted when the client goes away before its answer is written. */
  readonly gone: ClientGone;
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
  /**
   * An idle kept-alive connection is closed after this many ms, and so is one whose client
   * takes nothing of its answer for as long. Default 75000 (nginx's keepalive_timeout).
   */
  keepAliveTimeout?: number | undefined;
  /** A request head must arrive whole within this many ms (else 408). Default 60000 (nginx's client_header_timeout). */
  headTimeout?: number | undefined;
  /**
   * A request body may pause this many ms between two reads (else 408), while its reader
   * waits for it. Default 60000 (nginx's client_body_timeout).
   */
  bodyTimeout?: number | undefined;
  /**
   * A request whose Content-Length is over this is answered 413 from its head, and a chunked
   * one once it grows over it. Default: no limit but the decoder's (`limits.maxBodySize`).
   */
  maxBody?: number | undefined;
  /**
   * A tunnel (a handler's reply with `tunnel`: 101 Switching Protocols) is closed once
   * nothing has gone either way for this many ms. Default 60000 (nginx's proxy_read_timeout).
   */
  tunnelTimeout?: number | undefined;
  /** One line a request (see accessLine). */
  log?: ((line: string) => void) | undefined;
}

/** Pipelined requests read ahead of the one being answered, at most: then the socket is paused. */
const MAX_QUEUED = 8;

/** Bytes a client sends after an Upgrade request, held until its answer says whether they go through a tunnel: then the socket is paused. */
const MAX_EARLY = 64 * 1024;

interface Pending {
  head: HttpRequestHead | undefined;
  /** Its answer has begun: too late for 100 Continue. */
  replied: boolean;
  exchange: Exchange | undefined;
  /** A request that could not be read: answered with this, and the connection closed. */
  error: unknown;
  gone: ClientGone;
  start: number;
}

/** The answers after which nginx closes the connection (ngx_http_special_response_handler). */
export const CLOSING: ReadonlySet<number> = new Set([400, 408, 413, 414, 431, 500, 501]);

/** After a close the gateway began: what the client still sends is let go for this long between reads (nginx's lingering_timeout)… */
const LINGER_TIMEOUT = 5_000;
/** …and this long in all (lingering_time). */
const LINGER_TIME = 30_000;

/**
 * The request's host as nginx's $host: the absolute-form target's or Host's, lower-cased,
 * without its port and one trailing dot ("Example.COM." is example.com); "" for none.
 */
export function hostOf(env: Environ): string {
  const host = (env.get("SERVER_NAME") ?? "").toLowerCase();
  return host.endsWith(".") && !host.endsWith("..") ? host.slice(0, -1) : host;
}

/**
 * Why nginx refuses a request from its head, before any handler sees it, or undefined: a
 * transfer coding other than chunked (501: the body would reach the application still
 * coded, unlabelled), an absolute-form target with userinfo (RFC 9110 §4.2.4), a Host that
 * is empty (on HTTP/1.1, or sent empty) or holds ".." (400), a body over `maxBody` (413).
 * (Host's grammar the decoder holds: HTTP_BAD_HOST.)
 */
export function refusal(head: HttpRequestHead, env: Environ, maxBody: number): StatusError | undefined {
  if (head.transferCodings.length > 0)
    return new StatusError(
      501,
      `transfer coding ${head.transferCodings.join(", ")}`,
      "UNKNOWN_TRANSFER_CODING",
    );
  if (head.targetForm === "absolute" && /^[^/?#]*:\/\/[^/?#]*@/.test(head.target))
    return new StatusError(400, "a target with userinfo", "BAD_TARGET");
  const host = hostOf(env);
  if ((host === "" && (head.version === "HTTP/1.1" || env.has("HTTP_HOST"))) || host.includes(".."))
    return new StatusError(400, `the host ${JSON.stringify(host)} is not a host name`, "BAD_HOST");
  if (head.body === "length" && head.contentLength > maxBody)
    return new StatusError(413, `the body is over ${maxBody} bytes`, "BODY_TOO_LARGE");
  return undefined;
}

/** The status a malformed request is answered with. */
export function statusOf(error: unknown): number {
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

export function codeOf(error: unknown): string {
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
  /** The body being read, and its request. */
  let current: BodyStream | undefined;
  let currentPending: Pending | undefined;
  /** The current body's reader has asked for it (the client may have waited for 100 Continue until then). */
  let bodyWanted = false;
  let busy = false;
  let closed = false;
  /** Nothing more is read: the input failed, or the connection closes after the answers due. */
  let failed = false;
  socket.setNoDelay(true);
  // (on, not setTimeout's callback, which is called once only)
  socket.setTimeout(options.keepAliveTimeout ?? 75_000);
  const onTimeout = () => {
    // Idle between requests, or an answer the client has taken nothing of for as long.
    if ((queue.length === 0 && !busy) || socket.writableLength > 0) socket.destroy();
  };
  socket.on("timeout", onTimeout);
  // The socket is paused while a body is read ahead of its reader, or requests are.
  let bodyFull = false;
  let queueFull = false;
  /**
   * What came after an Upgrade request (RFC 9110 §7.8): nothing after it is a request; it goes
   * through the tunnel if the upstream switches protocols, and is let go if it does not.
   */
  let upgraded = false;
  const early: Uint8Array[] = [];
  let earlyBytes = 0;
  let earlyFull = false;
  /** The gateway closed the connection: what still comes is let go (see linger). */
  let lingering = false;
  const reading = () => {
    if (!lingering && (bodyFull || queueFull || earlyFull || failed)) socket.pause();
    else socket.resume();
    // A body must keep coming while its reader waits for it and the socket is read: a client
    // that sends a byte every few seconds would otherwise hold whatever reads it (an upstream
    // worker). Not before the reader asks (the client may be waiting for 100 Continue), nor
    // while the gateway itself is not reading (a reader behind, requests queued).
    if (bodyWanted && current !== undefined && !bodyFull && !queueFull && !failed && !closed)
      bodyDeadline.start();
    else bodyDeadline.stop();
  };
  const flow = {
    pause: () => {
      bodyFull = true;
      reading();
    },
    resume: () => {
      bodyFull = false;
      reading();
    },
  };
  const bodyTimeout = positive(options.bodyTimeout, 60_000, "bodyTimeout");
  const tunnelTimeout = positive(options.tunnelTimeout, 60_000, "tunnelTimeout");
  const bodyDeadline = deadline(bodyTimeout, () =>
    fail(new StatusError(408, `the body paused over ${bodyTimeout} ms`, "BODY_TIMEOUT")),
  );
  const maxBody = options.maxBody ?? Number.POSITIVE_INFINITY;
  /** The body bytes of the request being read, held to maxBody (a chunked body says no length first). */
  let bodyBytes = 0;
  // A head must arrive whole in time: a client sending it a byte at a time (slowloris) would
  // otherwise hold the connection, as each byte restarts the idle timer.
  const headTimeout = positive(options.headTimeout, 60_000, "headTimeout");
  let headTimer: NodeJS.Timeout | undefined;
  const headStarts = () => {
    headTimer ??= setTimeout(
      () => fail(new StatusError(408, `no whole request head in ${headTimeout} ms`, "HEAD_TIMEOUT")),
      headTimeout,
    );
  };
  const headEnds = () => {
    clearTimeout(headTimer);
    headTimer = undefined;
  };
  const decoder = new RequestDecoder(
    {
      onHead(head) {
        headEnds();
        if (head.upgrade) upgraded = true;
        const gone = new ClientGone();
        const pending: Pending = {
          head,
          replied: false,
          exchange: undefined,
          error: undefined,
          gone,
          start: Date.now(),
        };
        const body = new BodyStream(flow, undefined, () => {
          if (current === body) {
            bodyWanted = true;
            reading();
          }
          // Only once it is this request's turn (an earlier answer may still be going out),
          // before its own answer (an HTTP/1.0 client is not sent one, RFC 9110 §10.1.1), and
          // while the body can still come.
          if (
            head.expectContinue &&
            head.body !== "none" &&
            head.version === "HTTP/1.1" &&
            !pending.replied &&
            body.error === undefined &&
            !closed
          )
            socket.write("HTTP/1.1 100 Continue\r\n\r\n");
        });
        const env = requestToEnviron(head, {
          remoteAddr: socket.remoteAddress,
          remotePort: socket.remotePort,
          serverPort: socket.localPort,
          https: options.https,
          dropHopByHop: options.dropHopByHop,
        });
        const refused = refusal(head, env, maxBody);
        if (refused !== undefined) {
          // Answered in turn without its handler; nothing after it is read.
          pending.error = refused;
          failed = true;
          reading();
          queue.push(pending);
          void pump();
          return;
        }
        pending.exchange = { head, env, body, gone, socket };
        current = body;
        currentPending = pending;
        bodyWanted = false;
        bodyBytes = 0;
        queue.push(pending);
        if (queue.length > MAX_QUEUED) {
          queueFull = true;
          reading();
        }
        void pump();
      },
      onBody(chunk) {
        bodyBytes += chunk.length;
        if (bodyBytes > maxBody)
          fail(new StatusError(413, `the body is over ${maxBody} bytes`, "BODY_TOO_LARGE"));
        else current?.push(chunk);
      },
      onEnd() {
        const body = current;
        current = undefined;
        currentPending = undefined;
        reading();
        body?.end();
        lastEnd = decoder.offset;
      },
      onTunnel(data) {
        if (failed) return;
        early.push(data);
        earlyBytes += data.length;
        if (earlyBytes > MAX_EARLY && !earlyFull) {
          earlyFull = true;
          reading();
        }
      },
    },
    options.limits,
  );

  /** Where the last message ended: bytes past it, with no head yet, are a head on its way. */
  let lastEnd = 0;
  const onData = (chunk: Buffer) => {
    if (failed) return;
    bodyDeadline.touch();
    try {
      decoder.push(chunk);
      if (current === undefined && decoder.offset > lastEnd && !upgraded) headStarts();
    } catch (error) {
      fail(error);
    }
  };
  socket.on("data", onData);
  const onEnd = () => {
    if (failed) return;
    try {
      decoder.end();
    } catch (error) {
      fail(error);
    }
    if (queue.length === 0 && !busy) socket.end();
  };
  socket.on("end", onEnd);
  socket.on("error", () => {});
  socket.on("close", () => {
    closed = true;
    headEnds();
    bodyDeadline.stop();
    const body = current;
    current = undefined;
    body?.fail(new ClosedError());
    for (const pending of queue) {
      pending.gone.abort();
      pending.exchange?.body.fail(new ClosedError());
    }
  });

  /** The request in progress (or the next) cannot be read: answered after those before it. */
  function fail(error: unknown): void {
    if (failed) return;
    failed = true;
    headEnds();
    reading();
    const body = current;
    // A request already answered gets no second answer: its connection just closes (see rest).
    const answered = currentPending?.replied === true;
    current = undefined;
    currentPending = undefined;
    body?.fail(error);
    if (answered) return;
    queue.push({
      head: undefined,
      replied: false,
      exchange: undefined,
      error,
      gone: new ClientGone(),
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
        if (queueFull && queue.length <= MAX_QUEUED >> 1) {
          queueFull = false;
          reading();
        }
        if (!keepOpen || (draining && queue.length === 0)) {
          failed = true; // (nothing more is read from a connection that closes)
          headEnds();
          linger();
          closed = true;
          return;
        }
      }
      if (socket.readableEnded && queue.length === 0) socket.end();
    } finally {
      busy = false;
    }
  }

  /**
   * Ends the connection as nginx's lingering close does: the answer and a FIN go out, and
   * what the client still sends (the rest of a body refused from its head) is read and let
   * go until it pauses LINGER_TIMEOUT ms or LINGER_TIME ms have passed; then it is closed.
   * Not reading it would leave the connection half-open for as long as the client likes,
   * and closing at once would reset it, which may destroy the answer before it is read.
   */
  function linger(): void {
    lingering = true;
    socket.end();
    reading();
    if (socket.destroyed) return;
    // (From when the answer has all gone out: a client slow to take it still gets it whole.
    // Until then the idle timeout holds it.)
    socket.once("finish", () => {
      const quiet = setTimeout(() => socket.destroy(), LINGER_TIMEOUT);
      const total = setTimeout(() => socket.destroy(), LINGER_TIME);
      socket.on("data", () => quiet.refresh());
      socket.once("close", () => {
        clearTimeout(quiet);
        clearTimeout(total);
      });
    });
  }

  /** Answers one request; says whether the connection stays open. */
  async function answer(pending: Pending): Promise<boolean> {
    const exchange = pending.exchange;
    const head = pending.head;
    if (exchange === undefined || head === undefined) {
      const [method, target, version] =
        head === undefined ? ["-", "-", "HTTP/1.1" as const] : [head.method, head.target, head.version];
      pending.replied = true;
      await errorReply(pending, pending.error, method, target, version, false);
      return false;
    }
    let reply: Reply;
    try {
      reply = await handler(exchange);
    } catch (error) {
      if (closed || error instanceof ClosedError) return false;
      // A request whose body could not be read (or was too large) ends its connection, and
      // so does every answer nginx closes after, and any answer to an Upgrade request that
      // does not switch protocols (what follows it was sent for the tunnel: see upgraded).
      const open =
        exchange.body.ended &&
        !(error instanceof ProtocolError) &&
        !CLOSING.has(statusOf(error)) &&
        head.keepAlive &&
        !head.upgrade &&
        !draining;
      pending.replied = true;
      await errorReply(pending, error, head.method, head.target, head.version, open);
      if (!open) return false;
      return rest(exchange.body);
    }
    if (reply.tunnel !== undefined) return switchProtocols(pending, head, reply, reply.tunnel);
    pending.replied = true;
    const before = socket.bytesWritten;
    try {
      const open = head.keepAlive && !head.upgrade && !draining;
      const { bytes, keepAlive } = await writeReply(socket, reply, head.method, head.version, open);
      log(pending, head.method, head.target, head.version, reply.status, bytes, "-");
      if (!keepAlive) return false;
    } catch (error) {
      // An answer that could not be written at all (a field no HTTP can carry) is a 500; one
      // that broke off (the upstream or the client went away) leaves nothing more to say.
      if (socket.bytesWritten === before && !socket.destroyed && !(error instanceof ClosedError)) {
        options.log?.(
          `the answer to "${head.method} ${head.target}" could not be written: ${(error as Error).message}`,
        );
        const bad = new StatusError(500, "the answer could not be written", "BAD_ANSWER");
        await errorReply(pending, bad, head.method, head.target, head.version, false);
        return false;
      }
      log(pending, head.method, head.target, head.version, reply.status, 0, codeOf(error));
      socket.destroy();
      return false;
    }
    return rest(exchange.body);
  }

  /**
   * Answers 101 and pipes the client's connection to the upstream's (tunnel.ts), the bytes
   * the client sent after its request first; the connection ends with the tunnel. The front
   * lets go of it: its reads, its decoder and its timers.
   */
  async function switchProtocols(
    pending: Pending,
    head: HttpRequestHead,
    reply: Reply,
    ends: NonNullable<Reply["tunnel"]>,
  ): Promise<boolean> {
    pending.replied = true;
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("timeout", onTimeout);
    socket.setTimeout(0);
    headEnds();
    bodyDeadline.stop();
    socket.pause();
    if (socket.destroyed || socket.writableEnded) {
      ends.socket.destroy();
      log(pending, head.method, head.target, head.version, 101, 0, "CLIENT_GONE");
      return false;
    }
    // (Not waited for: a client that takes nothing is the tunnel's to time out, as it pauses
    // the upstream's side until the client drains.)
    socket.write(switchingHead(reply, head.headers.get("upgrade") ?? ""));
    const { down } = await tunnel({
      client: socket,
      fromClient: early.splice(0),
      upstream: ends.socket,
      fromUpstream: ends.early,
      idleTimeout: tunnelTimeout,
    });
    log(pending, head.method, head.target, head.version, 101, down, "-");
    return false;
  }

  /**
   * The rest of an answered request's body, let go as it arrives: the next request follows
   * it. A client that does not send it within the idle timeout loses the connection.
   */
  async function rest(body: BodyStream): Promise<boolean> {
    if (body.ended) return body.error === undefined;
    if (current === body) {
      bodyWanted = true; // (read to be let go: it must keep coming as any body read)
      reading();
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), options.keepAliveTimeout ?? 75_000);
    });
    const whole = await Promise.race([body.discard().then(() => body.error === undefined), late]);
    clearTimeout(timer);
    return whole;
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
    keepAlive: boolean,
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
        keepAlive,
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
