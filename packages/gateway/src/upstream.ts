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
  encodeChunk,
  encodeEnvironRequest,
  encodeLastChunk,
  ResponseDecoder as HttpResponseDecoder,
} from "@envwire/http-proto";
import { encodeRequest as encodeScgi } from "@envwire/scgi-proto";
import { encodeRequest as encodeUwsgi } from "@envwire/uwsgi-proto";
import type { Address } from "./address.js";
import { BodyStream } from "./body.js";
import { ClosedError, open, UpstreamError, write } from "./io.js";
import type { Reply } from "./reply.js";

export interface UpstreamRequest {
  /** The variables to send (for HTTP: the request's own, mapped back to a head). */
  readonly env: Environ;
  readonly method: string;
  /** The body, and its length when known (undefined: chunked, HTTP upstreams only). */
  readonly body: AsyncIterable<Uint8Array>;
  readonly length: number | undefined;
  readonly signal: AbortSignal;
}

export interface UpstreamOptions {
  /** Connecting may take this long (ms) before the answer is 504. Default 60000, as nginx. */
  connectTimeout: number;
  /** The upstream may be silent this long (ms) before the answer is 504. Default 60000. */
  readTimeout: number;
  /** Where an upstream's stderr (FastCGI) goes. */
  log?: ((line: string) => void) | undefined;
}

/** Idle FastCGI connections kept open (KEEP_CONN), by upstream. */
const idle = new Map<string, Socket[]>();

/** Upstreams that failed a request on a kept connection: they get a new connection each time. */
const keepsNot = new Set<string>();

/** Sends `request` to `upstream`; resolves with its answer once the head has arrived. */
export async function forward(
  upstream: Address,
  request: UpstreamRequest,
  options: UpstreamOptions,
): Promise<Reply> {
  const key = `${upstream.host}:${upstream.port}`;
  // A kept connection may be closed under us (uWSGI, for one, ignores KEEP_CONN): only a
  // request without a body, which can be sent again on a new connection, takes one.
  const bodiless = !request.length;
  const reused =
    upstream.protocol === "fastcgi" && bodiless && !keepsNot.has(key) ? takeIdle(key) : undefined;
  if (reused === undefined)
    return exchange(upstream, await open(upstream, options.connectTimeout), request, options, key);
  try {
    return await exchange(upstream, reused, request, options, key);
  } catch (error) {
    if (!(error instanceof UpstreamError) || error.status !== 502 || request.signal.aborted) throw error;
    keepsNot.add(key);
    return exchange(upstream, await open(upstream, options.connectTimeout), request, options, key);
  }
}

async function exchange(
  upstream: Address,
  socket: Socket,
  request: UpstreamRequest,
  options: UpstreamOptions,
  key: string,
): Promise<Reply> {
  const answer = readAnswer(upstream, socket, request, options, key);
  const abort = () => {
    if (upstream.protocol !== "fastcgi" || socket.destroyed) {
      socket.destroy();
      return;
    }
    // The application is told to stop (it answers with END_REQUEST, which nobody reads now).
    socket.end(encodeAbortRequest(1));
    setTimeout(() => socket.destroy(), 1000).unref();
  };
  request.signal.addEventListener("abort", abort, { once: true });
  // The answer may come before the body is all sent (an upstream that refuses it early).
  void send(upstream, socket, request).catch((error: unknown) => {
    if (!(error instanceof ClosedError)) socket.destroy(error as Error);
  });
  try {
    return await answer;
  } finally {
    request.signal.removeEventListener("abort", abort);
  }
}

function takeIdle(key: string): Socket | undefined {
  const sockets = idle.get(key);
  for (let socket = sockets?.pop(); socket !== undefined; socket = sockets?.pop()) {
    socket.removeAllListeners("close");
    if (!socket.destroyed) return socket;
  }
  return undefined;
}

/** Lets go of every kept FastCGI connection (a gateway shutting down). */
export function closeIdle(): void {
  for (const sockets of idle.values()) for (const socket of sockets) socket.destroy();
  idle.clear();
  keepsNot.clear();
}

/** Sends the request: its head goes out with the body's first chunk, in one write. */
async function send(upstream: Address, socket: Socket, request: UpstreamRequest): Promise<void> {
  socket.cork();
  try {
    await sendParts(upstream, socket, request, () => {
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
      await write(socket, encodeBeginRequest(1, Role.RESPONDER, true));
      await write(socket, encodeParams(1, request.env));
      for await (const chunk of request.body) {
        for (const part of encodeStream(RecordType.STDIN, 1, chunk)) await write(socket, part);
        uncork();
      }
      await write(socket, encodeStreamEnd(RecordType.STDIN, 1));
      return;
    }
    case "http": {
      const chunked = request.length === undefined;
      await write(socket, encodeEnvironRequest(request.env, { chunked }));
      for await (const chunk of request.body) {
        if (!chunked) await write(socket, chunk);
        else for (const part of encodeChunk(chunk)) await write(socket, part);
        uncork();
      }
      if (chunked) await write(socket, encodeLastChunk());
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
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let body: BodyStream | undefined;
    let done = false;
    const flow = { pause: () => socket.pause(), resume: () => socket.resume() };
    const fail = (error: Error) => {
      if (done) return;
      if (body === undefined) reject(error);
      else body.fail(error);
      done = true;
      socket.destroy();
    };
    const finish = (keep = false) => {
      if (done) return;
      done = true;
      body?.end();
      socket.setTimeout(0);
      socket.removeAllListeners("data");
      socket.removeAllListeners("close");
      socket.removeAllListeners("end");
      if (keep && !socket.destroyed) {
        const sockets = idle.get(key) ?? [];
        sockets.push(socket);
        idle.set(key, sockets);
        socket.once("close", () => sockets.splice(sockets.indexOf(socket) >>> 0, 1));
      } else {
        socket.end();
      }
    };
    const onHead = (
      status: number,
      reason: string,
      headers: [string, string][],
      length: number | undefined,
    ) => {
      body = new BodyStream(flow);
      resolve({ status, reason, headers, body, length });
    };
    const cgiHead = (head: CgiResponseHead) =>
      onHead(head.status, head.reason, head.headers, cgiLength(head));
    let push: (chunk: Uint8Array) => void;
    let end: () => void;
    switch (upstream.protocol) {
      case "uwsgi":
      case "http": {
        const decoder = new HttpResponseDecoder({
          onHead: (head) =>
            onHead(
              head.status,
              head.reason,
              [...head.headers],
              head.body === "length" ? head.contentLength : undefined,
            ),
          onBody: (chunk) => body?.push(chunk),
          onEnd: () => finish(),
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
      fail(
        new UpstreamError(
          504,
          `no answer from ${upstream.host}:${upstream.port} in ${options.readTimeout} ms`,
        ),
      ),
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        push(chunk);
      } catch (error) {
        fail(new UpstreamError(502, `a bad answer from upstream: ${(error as Error).message}`));
      }
    });
    socket.on("end", () => {
      try {
        end();
        finish();
      } catch (error) {
        fail(new UpstreamError(502, `the upstream closed early: ${(error as Error).message}`));
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => fail(new UpstreamError(502, "the upstream closed the connection")));
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
