/**
 * A request sent on to an upstream in its protocol, and its answer read back as a Reply whose
 * body streams as it arrives: uwsgi and HTTP answer in HTTP, SCGI in CGI until it closes,
 * FastCGI in CGI inside STDOUT records until END_REQUEST. The upstream's socket is paused
 * while the client is slow to take the body (the Reply's body flows back to it).
 */
import type { Socket } from "node:net";
import { CgiResponseDecoder, type CgiResponseHead, type Environ } from "@envwire/environ";
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  ResponseDecoder as FcgiResponseDecoder,
  RecordType,
  Role,
} from "@envwire/fastcgi-proto";
import {
  encodeRequestHead,
  environToRequestHead,
  ResponseDecoder as HttpResponseDecoder,
} from "@envwire/http-proto";
import { encodeRequest as encodeScgi } from "@envwire/scgi-proto";
import { encodeRequest as encodeUwsgi } from "@envwire/uwsgi-proto";
import type { Gone } from "./abort.js";
import { type Address, formatAddress } from "./address.js";
import { BodyStream } from "./body.js";
import { ClosedError, open, UpstreamError, write, writeTogether } from "./io.js";
import type { Reply } from "./reply.js";

export interface UpstreamRequest {
  /** The variables to send (for HTTP: the request's own, mapped back to a head). */
  readonly env: Environ;
  readonly method: string;
  /**
   * The body, and its length (undefined: none; a chunked upload is counted before it is
   * sent). A bodiless request's body must be readable again (an empty array): it may be sent
   * twice, on a kept connection and then on a new one.
   */
  readonly body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  readonly length: number | undefined;
  /** Aborted when the client goes away: the upstream request is abandoned (FastCGI: ABORT_REQUEST). */
  readonly gone: Gone;
  /**
   * HTTP only: the client's Upgrade (`websocket`), sent on with `Connection: upgrade`, as
   * nginx's `proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"`.
   * A 101 is then the answer (its Reply's `tunnel`); to any other request it is a 502.
   */
  readonly upgrade?: string | undefined;
}

export interface UpstreamOptions {
  /** Connecting may take this long (ms) before the answer is 504. Default 60000, as nginx. */
  connectTimeout: number;
  /** The upstream may be silent this long (ms) before the answer is 504. Default 60000. */
  readTimeout: number;
  /** Where an upstream's stderr (FastCGI) goes. */
  log?: ((line: string) => void) | undefined;
  /** The proxy's kept FastCGI connections. */
  pool: UpstreamPool;
}

const IDLE_TIMEOUT = 60_000;

/** A proxy's idle FastCGI connections (KEEP_CONN), by upstream, and the upstreams that do not keep them. */
export class UpstreamPool {
  readonly #idle = new Map<string, Socket[]>();
  /** Upstreams that failed a request on a kept connection: they get a new connection each time. */
  readonly #keepsNot = new Set<string>();
  /** Idle connections kept an upstream, at most (nginx's `keepalive`); 0: none. */
  readonly #max: number;
  /** Requests, by upstream, on new connections that have no answer yet. */
  readonly #opening = new Map<string, number>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 0)
      throw new TypeError(`fastcgiKeepConn must be a whole number of connections, not ${max}`);
    this.#max = max;
  }

  /** Whether requests to `key` ask to keep their connection. */
  keeps(key: string): boolean {
    return this.#max > 0 && !this.#keepsNot.has(key);
  }

  /** An idle connection to `key`, unless it does not keep them. */
  take(key: string): Socket | undefined {
    if (this.#keepsNot.has(key)) return undefined;
    const sockets = this.#idle.get(key);
    for (let socket = sockets?.pop(); socket !== undefined; socket = sockets?.pop()) {
      socket.removeAllListeners("close");
      socket.removeAllListeners("timeout");
      socket.setTimeout(0);
      if (!socket.destroyed) return socket;
    }
    return undefined;
  }

  /**
   * A request to `key` is about to open a new connection: the idle ones are closed first,
   * as an application that gives each connection a worker (php-fpm) may have none left for
   * it while they are open; and until it has its answer (`answered`), no connection is kept
   * idle either (a request in flight would otherwise keep its connection, and its worker,
   * while this one waits for one).
   */
  opens(key: string): void {
    for (const socket of this.#idle.get(key)?.splice(0) ?? []) socket.destroy();
    this.#opening.set(key, (this.#opening.get(key) ?? 0) + 1);
  }

  /** A request that opened a new connection (see opens) has its answer, or failed. */
  answered(key: string): void {
    const n = (this.#opening.get(key) ?? 1) - 1;
    if (n > 0) this.#opening.set(key, n);
    else this.#opening.delete(key);
  }

  /**
   * Keeps `socket`, idle, for the next request to `key`: at most the pool's max a key
   * (nginx's `keepalive`), each closed after IDLE_TIMEOUT ms unused (`keepalive_timeout`).
   */
  keep(key: string, socket: Socket): void {
    const sockets = this.#idle.get(key) ?? [];
    if (sockets.length >= this.#max || this.#opening.has(key)) {
      socket.end();
      return;
    }
    sockets.push(socket);
    this.#idle.set(key, sockets);
    socket.setTimeout(IDLE_TIMEOUT, () => socket.destroy());
    socket.once("close", () => {
      const at = sockets.indexOf(socket);
      if (at >= 0) sockets.splice(at, 1);
    });
  }

  keepsNot(key: string): void {
    this.#keepsNot.add(key);
  }

  /** Closes every idle connection. */
  close(): void {
    for (const sockets of this.#idle.values()) for (const socket of sockets) socket.destroy();
    this.#idle.clear();
  }
}

/** Sends `request` to `upstream`; resolves with its answer once the head has arrived. */
export async function forward(
  upstream: Address,
  request: UpstreamRequest,
  options: UpstreamOptions,
): Promise<Reply> {
  const key = formatAddress(upstream);
  // A kept connection may be closed under us (uWSGI, for one, ignores KEEP_CONN): only a
  // request without a body, which can be sent again on a new connection, asks to keep its
  // connection (KEEP_CONN) or takes a kept one. (A request with a body is sent once, on a
  // connection the application closes after it: a kept one would hold a php-fpm worker.)
  const keep = upstream.protocol === "fastcgi" && !request.length && options.pool.keeps(key);
  const reused = keep ? options.pool.take(key) : undefined;
  if (reused === undefined) return onNewConnection(upstream, request, options, key, keep);
  try {
    return await exchange(upstream, reused, request, options, key, keep);
  } catch (error) {
    // Sent again only when the kept connection gave no byte of an answer (it was closed under
    // the request, as uWSGI closes them) and the method may be repeated (RFC 9110 §9.2.2;
    // nginx retries no POST, LOCK or PATCH either).
    if (!(error instanceof Unanswered) || request.gone.aborted || !IDEMPOTENT.has(request.method))
      throw error;
    options.pool.keepsNot(key);
    return onNewConnection(upstream, request, options, key, keep);
  }
}

const IDEMPOTENT: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** An upstream that closed without a byte of an answer: the request may not have been read. */
class Unanswered extends UpstreamError {}

/** `request` on a new connection (see UpstreamPool.opens). */
async function onNewConnection(
  upstream: Address,
  request: UpstreamRequest,
  options: UpstreamOptions,
  key: string,
  keep: boolean,
): Promise<Reply> {
  options.pool.opens(key);
  // (Once: when the head arrives, which must be before its connection may be kept.)
  let settled = false;
  const answered = () => {
    if (!settled) options.pool.answered(key);
    settled = true;
  };
  try {
    const socket = await open(upstream, options.connectTimeout);
    if (request.gone.aborted) {
      socket.destroy();
      throw new UpstreamError(502, "the client went away");
    }
    return await exchange(upstream, socket, request, options, key, keep, answered);
  } finally {
    answered();
  }
}

async function exchange(
  upstream: Address,
  socket: Socket,
  request: UpstreamRequest,
  options: UpstreamOptions,
  key: string,
  keep: boolean,
  answered: () => void = () => {},
): Promise<Reply> {
  const abort = () => {
    if (upstream.protocol !== "fastcgi" || socket.destroyed) {
      socket.destroy();
      return;
    }
    // The application is told to stop (it answers with END_REQUEST, which nobody reads now),
    // after the record being written, whose parts go together (see send).
    socket.end(encodeAbortRequest(1));
    setTimeout(() => socket.destroy(), 1000).unref();
  };
  // Until the answer is over, body included: a client gone mid-download ends it too.
  const done = request.gone.onAbort(abort);
  // The answer may come before the request is all sent (an upstream that refuses it early):
  // the connection is kept for another request only once both are over.
  const sent = send(upstream, socket, request, keep).then(
    () => true,
    (error: unknown) => {
      if (!(error instanceof ClosedError)) socket.destroy(error as Error);
      return false;
    },
  );
  return readAnswer(upstream, socket, request, options, key, done, answered, sent, keep);
}

/** Sends the request: its head goes out with the body's first chunk, in one write. */
async function send(
  upstream: Address,
  socket: Socket,
  request: UpstreamRequest,
  keep: boolean,
): Promise<void> {
  socket.cork();
  try {
    await sendParts(upstream, socket, request, keep, () => {
      if (socket.writableCorked > 0) socket.uncork();
    });
  } finally {
    if (socket.writableCorked > 0) socket.uncork();
  }
}

async function sendParts(
  upstream: Address,
  socket: Socket,
  request: UpstreamRequest,
  keep: boolean,
  uncork: () => void,
): Promise<void> {
  switch (upstream.protocol) {
    case "uwsgi":
    case "scgi": {
      await write(socket, upstream.protocol === "uwsgi" ? encodeUwsgi(request.env) : encodeScgi(request.env));
      for await (const chunk of request.body) {
        await write(socket, chunk);
        uncork();
      }
      return;
    }
    case "fastcgi": {
      await write(socket, encodeBeginRequest(1, Role.RESPONDER, keep));
      await write(socket, encodeParams(1, request.env));
      for await (const chunk of request.body) {
        await writeTogether(socket, encodeStream(RecordType.STDIN, 1, chunk));
        uncork();
      }
      await write(socket, encodeStreamEnd(RecordType.STDIN, 1));
      return;
    }
    case "http": {
      const head = environToRequestHead(request.env);
      // (environToRequestHead gives its fields as pairs.)
      if (request.upgrade !== undefined)
        (head.headers as [string, string][]).push(["Upgrade", request.upgrade], ["Connection", "upgrade"]);
      await write(socket, encodeRequestHead(head));
      for await (const chunk of request.body) {
        await write(socket, chunk);
        uncork();
      }
      return;
    }
  }
}

/** Reads the answer on `socket`: resolves at its head, then streams its body. */
function readAnswer(
  upstream: Address,
  socket: Socket,
  request: UpstreamRequest,
  options: UpstreamOptions,
  key: string,
  done: () => void,
  answered: () => void,
  sent: Promise<boolean>,
  keepConn: boolean,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let body: BodyStream | undefined;
    let over = false;
    /** Whether any byte of an answer came (a close before one may be retried: see forward). */
    let answering = false;
    const closed = (why: string) =>
      answering ? new UpstreamError(502, why) : new Unanswered(502, `${why}, without a byte of an answer`);
    const flow = { pause: () => socket.pause(), resume: () => socket.resume() };
    const fail = (error: Error) => {
      if (over) return;
      over = true;
      done();
      answered();
      if (body === undefined) reject(error);
      else body.fail(error);
      socket.destroy();
    };
    const finish = (keep = false) => {
      if (over) return;
      if (body === undefined) {
        fail(closed("the upstream closed without an answer"));
        return;
      }
      over = true;
      done();
      body.end();
      socket.setTimeout(0);
      for (const event of ["data", "close", "end", "error", "timeout"]) socket.removeAllListeners(event);
      socket.on("error", () => {});
      if (!keep || !keepConn || socket.destroyed) socket.end();
      else
        void sent.then((whole) =>
          whole && !socket.destroyed ? options.pool.keep(key, socket) : socket.end(),
        );
    };
    const onHead = (
      status: number,
      reason: string,
      headers: [string, string][],
      length: number | undefined,
    ) => {
      body = new BodyStream(flow);
      answered();
      resolve({ status, reason, headers, body, length });
    };
    // A CGI answer is one head: a 1xx in Status would be written to the client as an interim
    // answer, and the next request's answer taken as this one's (nginx: 502).
    const cgiHead = (head: CgiResponseHead) =>
      head.status < 200
        ? fail(
            new UpstreamError(
              502,
              `the upstream answered Status ${head.status}, an interim status, as its answer`,
            ),
          )
        : onHead(head.status, head.reason, head.headers, cgiLength(head));
    /** The upstream switched protocols (101, to an Upgrade request): the socket is handed over. */
    let switched: Reply | undefined;
    const early: Uint8Array[] = [];
    const handOver = (reply: Reply) => {
      over = true;
      answered();
      socket.pause(); // (until the tunnel reads it)
      // Not before the request is all written: the tunnel's bytes must come after its body.
      // (Silent for readTimeout meanwhile: the write fails, and so does the upgrade.)
      socket.removeAllListeners("timeout");
      socket.once("timeout", () => socket.destroy());
      void sent.then((whole) => {
        done();
        if (!whole || socket.destroyed) {
          socket.destroy();
          reject(new UpstreamError(502, "the upstream switched protocols before it took the whole request"));
          return;
        }
        socket.setTimeout(0);
        for (const event of ["data", "close", "end", "error", "timeout"]) socket.removeAllListeners(event);
        socket.on("error", () => {});
        resolve({ ...reply, tunnel: { socket, early } });
      });
    };
    let push: (chunk: Uint8Array) => void;
    let end: () => void;
    switch (upstream.protocol) {
      case "uwsgi":
      case "http": {
        // An interim answer (1xx: 100 Continue, 103 Early Hints) is skipped, as nginx skips it;
        // 101 switches protocols, for an Upgrade request only (else the bytes after it, a
        // tunnel to the upstream, would be read as the answers to the client's next requests).
        let interim = false;
        const decoder = new HttpResponseDecoder({
          onHead: (head) => {
            interim = head.status < 200;
            if (head.status === 101 && request.upgrade !== undefined)
              switched = { status: 101, reason: head.reason, headers: [...head.headers] };
            else if (head.status === 101) fail(new UpstreamError(502, "the upstream switched protocols"));
            else if (!interim)
              onHead(
                head.status,
                head.reason,
                [...head.headers],
                head.body === "length" ? head.contentLength : undefined,
              );
          },
          onBody: (chunk) => body?.push(chunk),
          onEnd: () => {
            if (!interim) finish();
          },
          // (After a 101: the upstream's first tunnel bytes, in the read that brought its head.)
          onTunnel: (chunk) => early.push(chunk),
        });
        decoder.expectResponseTo(request.method);
        push = (chunk) => decoder.push(chunk);
        end = () => decoder.end();
        break;
      }
      case "scgi": {
        const decoder = new CgiResponseDecoder({ onHead: cgiHead, onBody: (chunk) => body?.push(chunk) });
        push = (chunk) => decoder.push(chunk);
        end = () => {
          decoder.end();
          finish();
        };
        break;
      }
      case "fastcgi": {
        const cgi = new CgiResponseDecoder({ onHead: cgiHead, onBody: (chunk) => body?.push(chunk) });
        const decoder = new FcgiResponseDecoder({
          onStdout: (_, chunk) => cgi.push(chunk),
          onStderr: (_, chunk) =>
            options.log?.(`upstream stderr: ${new TextDecoder().decode(chunk).trimEnd()}`),
          // The answer is over at END_REQUEST (php-fpm sends no empty STDOUT before it).
          onEndRequest: () => {
            cgi.end();
            finish(true);
          },
        });
        decoder.expect(1);
        push = (chunk) => decoder.push(chunk);
        end = () => decoder.end();
        break;
      }
    }
    socket.setTimeout(options.readTimeout, () =>
      fail(new UpstreamError(504, `no answer from ${formatAddress(upstream)} in ${options.readTimeout} ms`)),
    );
    socket.on("data", (chunk: Buffer) => {
      answering = true;
      try {
        push(chunk);
      } catch (error) {
        fail(new UpstreamError(502, `a bad answer from upstream: ${(error as Error).message}`));
      }
      if (switched !== undefined && !over) handOver(switched);
    });
    socket.on("end", () => {
      try {
        end();
        finish();
      } catch (error) {
        fail(closed(`the upstream closed early: ${(error as Error).message}`));
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => fail(closed("the upstream closed the connection")));
  });
}

/** The body length a CGI answer states, when it states one validly. */
function cgiLength(head: CgiResponseHead): number | undefined {
  let length: number | undefined;
  for (const [name, value] of head.headers) {
    if (name.length !== 14 || name.toLowerCase() !== "content-length") continue;
    if (!/^[0-9]{1,15}$/.test(value.trim())) return undefined;
    const n = Number(value.trim());
    if (length !== undefined && n !== length) return undefined;
    length = n;
  }
  return length;
}
