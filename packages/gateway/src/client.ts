/**
 * `createClient`: what `envwire proxy` does for one request, as a function — a request's
 * variables and body sent to an application over FastCGI (php-fpm), uwsgi, SCGI or HTTP,
 * and its answer back as `{ status, headers, body }` whose body streams as it arrives. The
 * proxy's own upstream code (upstream.ts): the same framing, kept FastCGI connections,
 * abort (ABORT_REQUEST), timeouts and backpressure both ways.
 */
import type { Environ } from "@envwire/environ";
import { checkEnviron } from "@envwire/environ/codec";
import { goneWith } from "./abort.js";
import { type Address, parseAddress } from "./address.js";
import { type BodyInit, bodyChunks } from "./body.js";
import { positive } from "./deadline.js";
import { forward, UpstreamPool } from "./upstream.js";

export interface ClientOptions {
  /** Idle FastCGI connections kept an application (KEEP_CONN) for requests without a body. Default 0. */
  fastcgiKeepConn?: number | undefined;
  /** ms to connect, and that the application may be silent, before the request fails (UpstreamError 504). Default 60000 each. */
  connectTimeout?: number | undefined;
  readTimeout?: number | undefined;
  /** What a FastCGI application writes to STDERR, a line a record. Default: dropped. */
  onStderr?: ((text: string) => void) | undefined;
}

export interface ClientRequestOptions {
  /** Aborts the request (FastCGI: ABORT_REQUEST), its answer's body too. */
  signal?: AbortSignal | undefined;
  /** The body's length, when the body is a stream (a CGI application needs CONTENT_LENGTH first). */
  length?: number | undefined;
}

/** An application's answer: its body streams as it arrives (read it, or the application waits). */
export interface ClientAnswer {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly [name: string, value: string][];
  readonly body: AsyncIterable<Uint8Array>;
  /** The body's length, when the answer says it. */
  readonly length: number | undefined;
}

export interface Client {
  /**
   * Sends `env` (REQUEST_METHOD and the rest, as the protocol's params say, CONTENT_LENGTH
   * with the body's; for HTTP, a request head is made from it, its Host from HTTP_HOST or
   * SERVER_NAME) and `body` to `upstream`; resolves once the answer's head has come.
   * Rejects with an UpstreamError (502: refused, closed, malformed; 504: no answer in time),
   * or the signal's reason when it aborts.
   */
  request(
    upstream: string | Address,
    env: Environ,
    body?: BodyInit,
    options?: ClientRequestOptions,
  ): Promise<ClientAnswer>;
  /** Closes the kept connections. */
  close(): void;
}

export function createClient(options: ClientOptions = {}): Client {
  const pool = new UpstreamPool(options.fastcgiKeepConn ?? 0);
  const onStderr = options.onStderr;
  const upstreamOptions = {
    pool,
    connectTimeout: positive(options.connectTimeout, 60_000, "connectTimeout"),
    readTimeout: positive(options.readTimeout, 60_000, "readTimeout"),
    log:
      onStderr === undefined ? undefined : (line: string) => onStderr(line.replace(/^upstream stderr: /, "")),
  };
  return {
    async request(upstream, env, body, requestOptions = {}) {
      const address = typeof upstream === "string" ? parseAddress(upstream) : upstream;
      checkEnviron(env, "request");
      const { chunks, length: known } = bodyChunks(body);
      const length = requestOptions.length ?? known;
      // (A bodiless request is sent as a readable-again empty list: it may go twice, see forward.)
      const sent = length === 0 ? [] : chunks;
      const signal = requestOptions.signal;
      signal?.throwIfAborted();
      const forwarded = forward(
        address,
        {
          env,
          method: env.get("REQUEST_METHOD") ?? "GET",
          body: sent,
          length: length === 0 ? undefined : length,
          gone: goneWith(signal),
        },
        upstreamOptions,
      );
      // An abort rejects at once, whatever the application then answers (it is told to stop).
      const answer =
        signal === undefined
          ? await forwarded
          : await Promise.race([
              forwarded,
              new Promise<never>((_, reject) =>
                signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
              ),
            ]).finally(() => forwarded.catch(() => {}));
      return {
        status: answer.status,
        reason: answer.reason ?? "",
        headers: [...(answer.headers ?? [])].map(([name, value]): [string, string] => [name, value]),
        body: answer.body as AsyncIterable<Uint8Array>,
        length: answer.length,
      };
    },
    close: () => pool.close(),
  };
}
