/**
 * The proxy as a handler, for a server someone else runs: `createHandler` answers a
 * `node:http` request (mounted in an app, Express-style, with `next` for errors), and
 * `createFetchHandler` a fetch-style `Request` (Deno.serve, Bun.serve, any server of
 * `(Request) => Response`) — each request passed on to php-fpm, uWSGI, an SCGI or HTTP
 * application as `envwire proxy` passes it (pass.ts: the same routes, params, body buffering
 * and upstream code), and its answer streamed back.
 *
 * The request's head is made again from what the server decoded (method, target, fields in
 * their order) and read by http-proto's decoder, so the variables are the proxy's own to the
 * byte: the same fields left out (hop-by-hop, names with `_` or odd bytes), the same Host
 * rules. The connection, its keep-alive and its timeouts are the server's.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import {
  type HttpDecoderOptions,
  type HttpRequestHead,
  RequestDecoder,
  requestToEnviron,
} from "@envwire/http-proto";
import { goneWith } from "./abort.js";
import { bodyChunks } from "./body.js";
import { CLOSING, codeOf, refusal, StatusError, statusOf } from "./front.js";
import { createPass, type Pass, type PassOptions } from "./pass.js";
import { checkedBody, type Reply, replyFields } from "./reply.js";

/** createHandler's and createFetchHandler's options: the proxy's, where they mean the same. */
export interface HandlerOptions extends PassOptions {
  /** The limits of the decoder that reads each request's head again (see @envwire/http-proto). Default: http-proto's. */
  limits?: HttpDecoderOptions | undefined;
}

/**
 * A `node:http` request handler: `server.on("request", handler)`, or mounted in an app
 * (`app.use("/php/", handler)`: the target sent on is `req.originalUrl`, the whole one, as
 * nginx sends `$request_uri`). With `next`, a request that cannot be answered (the upstream
 * failed: an UpstreamError, 502 or 504; a request refused, with its `status`) goes to
 * `next(error)` before anything is written; without it, the handler answers the status
 * itself. `close()` lets go of the kept FastCGI connections.
 */
export interface NodeHandler {
  /** Answers `req` on `res`: passed on upstream, the answer streamed back (errors to `next` when given). */
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Closes the kept FastCGI connections. */
  close(): void;
}

/** What a fetch-style server knows of the connection (Deno.serve's second argument is one). */
export interface FetchHandlerInfo {
  /** REMOTE_ADDR and REMOTE_PORT: Deno's `info.remoteAddr` ({ hostname, port }), or Bun's `server.requestIP(request)` ({ address, port }). */
  readonly remoteAddr?: {
    readonly hostname?: string;
    readonly address?: string;
    readonly port?: number;
  } | null;
}

/** A fetch-style handler: `Deno.serve(handler)`, `Bun.serve({ fetch: handler })`. `close()` lets go of the kept FastCGI connections. */
export interface FetchHandler {
  /** The upstream's answer to `request`, its body streaming; an error status (400, 413, 502, 504) when there is none. */
  (request: Request, info?: FetchHandlerInfo): Promise<Response>;
  /** Closes the kept FastCGI connections. */
  close(): void;
}

/** A request passed on, with how it came. */
interface Arrival {
  method: string;
  target: string;
  version: string;
  fields: Iterable<readonly [string, string]>;
  body: AsyncIterable<Uint8Array>;
  remoteAddr: string | undefined;
  remotePort: number | undefined;
  serverAddr: string;
  serverPort: number | undefined;
  https: boolean;
  signal: AbortSignal;
}

/** The request's head as http-proto's decoder reads it, from what the server decoded. */
function readHead(arrival: Arrival, limits: HttpDecoderOptions | undefined): HttpRequestHead {
  let text = `${arrival.method} ${arrival.target} HTTP/${arrival.version}\r\n`;
  for (const [name, value] of arrival.fields) text += `${name}: ${value}\r\n`;
  let head: HttpRequestHead | undefined;
  const decoder = new RequestDecoder(
    {
      onHead: (decoded) => {
        head = decoded;
      },
      onBody: () => {},
      onEnd: () => {},
    },
    limits,
  );
  // (Only the head: the body comes from the server, already de-chunked.)
  decoder.push(Buffer.from(`${text}\r\n`, "latin1"));
  if (head === undefined) throw new TypeError("the request head could not be read again");
  return head;
}

/** Passes `arrival` on: the upstream's answer, or throws why there is none (statusOf says its status). */
async function passOn(pass: Pass, arrival: Arrival, options: HandlerOptions): Promise<Reply> {
  const head = readHead(arrival, options.limits);
  const env = requestToEnviron(head, {
    remoteAddr: arrival.remoteAddr,
    remotePort: arrival.remotePort,
    serverPort: arrival.serverPort,
    https: arrival.https,
    dropHopByHop: true,
  });
  const refused = refusal(head, env, options.maxBody ?? 1024 * 1024);
  if (refused !== undefined) throw refused;
  // A body of a stated length must be that long (a Request's Content-Length may lie): an
  // HTTP upstream frames it by its Content-Length, and bytes past it would be read there as
  // another request. Such a body is a 400, whatever its upstream request then failed with.
  let lie: StatusError | undefined;
  const body =
    head.body === "length"
      ? checkedBody(arrival.body, head.contentLength, (why) => {
          lie = new StatusError(400, `${why} (its Content-Length)`, "BODY_LENGTH");
          return lie;
        })
      : arrival.body;
  try {
    return await pass({
      head,
      env,
      body,
      serverAddr: arrival.serverAddr,
      https: arrival.https,
      gone: goneWith(arrival.signal),
    });
  } catch (error) {
    throw lie ?? error;
  }
}

function errorText(error: unknown): string {
  return `${statusOf(error)} ${codeOf(error)}\n`;
}

/** A `node:http` handler passing each request on to `options.upstream` (see NodeHandler). */
export function createHandler(options: HandlerOptions): NodeHandler {
  const pass = createPass(options, "localhost", "createHandler");
  const handler = (
    req: IncomingMessage & { originalUrl?: string },
    res: ServerResponse,
    next?: (error?: unknown) => void,
  ): void => {
    const controller = new AbortController();
    // (A response closed before it finished: the client went away.)
    res.once("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const socket = req.socket;
    const arrival: Arrival = {
      method: req.method ?? "GET",
      target: req.originalUrl ?? req.url ?? "/",
      version: req.httpVersion,
      fields: pairs(req.rawHeaders),
      body: req,
      remoteAddr: socket.remoteAddress,
      remotePort: socket.remotePort,
      serverAddr: socket.localAddress ?? "",
      serverPort: socket.localPort,
      https: (socket as TLSSocket).encrypted === true,
      signal: controller.signal,
    };
    void answerNode(pass, arrival, options, res).catch((error: unknown) => {
      controller.abort();
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      options.log?.(`"${arrival.method} ${arrival.target}" ${statusOf(error)}: ${(error as Error).message}`);
      if (next !== undefined) {
        next(error);
        return;
      }
      const status = statusOf(error);
      const text = errorText(error);
      res.writeHead(status, {
        "Content-Type": "text/plain",
        "Content-Length": text.length,
        ...(CLOSING.has(status) ? { Connection: "close" } : {}),
      });
      res.end(text);
    });
  };
  return Object.assign(handler, { close: () => pass.close() });
}

async function answerNode(
  pass: Pass,
  arrival: Arrival,
  options: HandlerOptions,
  res: ServerResponse,
): Promise<void> {
  const reply = await passOn(pass, arrival, options);
  const { headers, chunks, length, body } = replyFields(reply, arrival.method);
  res.writeHead(reply.status, reply.reason || undefined, headers.flat());
  if (!body) {
    // (A body given anyway, as a CGI application may for HEAD, is read and let go.)
    for await (const _ of chunks) {
    }
    res.end();
    return;
  }
  for await (const chunk of checkedBody(chunks, length)) {
    if (res.destroyed) throw new Error("the client went away");
    // A slow client holds the upstream back: its socket is not read while this waits.
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
}

/** Resolves when `res` can take more, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Node's rawHeaders, [name, value, name, value, …], as pairs. */
function* pairs(raw: readonly string[]): Iterable<readonly [string, string]> {
  for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i]!, raw[i + 1]!];
}

/** A fetch-style handler passing each request on to `options.upstream` (see FetchHandler). */
export function createFetchHandler(options: HandlerOptions): FetchHandler {
  const pass = createPass(options, "localhost", "createFetchHandler");
  const handler = async (request: Request, info?: FetchHandlerInfo): Promise<Response> => {
    if (!(request instanceof Request)) throw new TypeError("createFetchHandler: request must be a Request");
    const url = new URL(request.url);
    const https = url.protocol === "https:";
    const controller = new AbortController();
    const fields: [string, string][] = [];
    request.headers.forEach((value, name) => {
      // A body's framing is the Request's: a stated length for what it has, chunked for a
      // stream of unknown length, nothing for none.
      if (name === "transfer-encoding" || (name === "content-length" && request.body === null)) return;
      fields.push([name, value]);
    });
    if (!request.headers.has("host")) fields.unshift(["host", url.host]);
    if (request.body !== null && !request.headers.has("content-length"))
      fields.push(["transfer-encoding", "chunked"]);
    const arrival: Arrival = {
      method: request.method,
      target: url.pathname + url.search,
      version: "1.1",
      fields,
      body: bodyChunks(request.body).chunks,
      remoteAddr: info?.remoteAddr?.hostname ?? info?.remoteAddr?.address,
      remotePort: info?.remoteAddr?.port,
      serverAddr: "",
      serverPort: Number(url.port) || (https ? 443 : 80),
      https,
      signal: AbortSignal.any([request.signal, controller.signal]),
    };
    let reply: Reply;
    try {
      reply = await passOn(pass, arrival, options);
    } catch (error) {
      controller.abort();
      options.log?.(`"${arrival.method} ${arrival.target}" ${statusOf(error)}: ${(error as Error).message}`);
      const status = statusOf(error);
      return new Response(errorText(error), { status, headers: { "Content-Type": "text/plain" } });
    }
    const { headers, chunks, length, body } = replyFields(reply, arrival.method);
    let response: Response;
    try {
      const init = { status: reply.status, statusText: reply.reason ?? "", headers };
      // (A Response of 205 may have no body, as 204 and 304: the fetch standard's null body statuses.)
      if (!body || reply.status === 205) {
        // (A body given anyway, as a CGI application may for HEAD, is read and let go.)
        void (async () => {
          for await (const _ of chunks) {
          }
        })().catch(() => {});
        return new Response(null, init);
      }
      response = new Response(streamOf(checkedBody(chunks, length), controller), init);
    } catch (error) {
      // (A status a Response cannot have, 600 and over: the upstream's answer is a bad one.)
      controller.abort();
      options.log?.(`"${arrival.method} ${arrival.target}" 502: ${(error as Error).message}`);
      return new Response("502 UPSTREAM_FAILED\n", {
        status: 502,
        headers: { "Content-Type": "text/plain" },
      });
    }
    return response;
  };
  return Object.assign(handler, { close: () => pass.close() });
}

/**
 * A web stream of `chunks`, read only as its reader asks (a slow client holds the upstream
 * back); cancelled, it aborts `controller` (the upstream request with it).
 */
function streamOf(
  chunks: AsyncIterable<Uint8Array>,
  controller: AbortController,
): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(stream) {
        try {
          const next = await iterator.next();
          if (next.done) stream.close();
          else stream.enqueue(next.value);
        } catch (error) {
          controller.abort();
          stream.error(error);
        }
      },
      async cancel(reason) {
        controller.abort(reason);
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
