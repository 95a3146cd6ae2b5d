/**
 * An HTTP response as the gateway writes it to a client: the status and fields a handler (an
 * upstream, an application) gave, the hop-by-hop fields dropped, and the body framed for the
 * connection — Content-Length when the length is known, chunked when not (HTTP/1.1), or the
 * connection closed after it (HTTP/1.0).
 */
import type { Socket } from "node:net";
import { encodeChunk, encodeLastChunk, encodeResponseHead, type HttpVersion } from "@envwire/http-proto";
import { type BodyInit, bodyChunks } from "./body.js";
import { write } from "./io.js";

export interface Reply {
  status: number;
  /** Default: the standard reason for the status. */
  reason?: string | undefined;
  headers?: Iterable<readonly [string, string]> | undefined;
  body?: BodyInit;
  /** The body's length, when known and the body does not say (a stream's). */
  length?: number | undefined;
  /**
   * A 101 Switching Protocols: the upstream's connection, now a tunnel, and the bytes it sent
   * after its head in the same read. The reply has no body; the two connections are piped.
   */
  tunnel?: { readonly socket: Socket; readonly early: readonly Uint8Array[] } | undefined;
}

/** Fields the gateway writes itself, or that belong to one hop only (RFC 9110 §7.6.1). */
const OWN_FIELDS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
]);

/**
 * The head of a 101 answer to an Upgrade request: the upstream's fields but the hop-by-hop
 * ones, then `Upgrade` (the upstream's, else the client's `asked`) and `Connection: upgrade`.
 */
export function switchingHead(reply: Reply, asked: string): Uint8Array {
  const headers: [string, string][] = [];
  let upgrade = asked;
  for (const [name, value] of reply.headers ?? []) {
    const lower = name.toLowerCase();
    if (lower === "upgrade") upgrade = value;
    else if (!OWN_FIELDS.has(lower)) headers.push([name, value]);
  }
  headers.push(["Upgrade", upgrade], ["Connection", "upgrade"]);
  return encodeResponseHead({ status: 101, headers, ...(reply.reason ? { reason: reply.reason } : {}) });
}

/** Whether a response to `method` with `status` has a body at all (RFC 9110 §6.4.1). */
export function hasBody(method: string, status: number): boolean {
  return method !== "HEAD" && status >= 200 && status !== 204 && status !== 304;
}

/** What a reply's head says whatever carries it: its fields and its body's framing. */
export interface ReplyFields {
  /** The reply's fields but the hop-by-hop ones, and Content-Length when the length is known. */
  headers: [string, string][];
  chunks: AsyncIterable<Uint8Array>;
  /** The body's length, when known. */
  length: number | undefined;
  /** Whether the answer has a body (not to HEAD, nor 1xx, 204, 304). */
  body: boolean;
}

/**
 * The fields of `reply` as the answer to a `method` request: the handler's (an upstream's)
 * but those that belong to one hop, and a Content-Length when the body's length is known (a
 * HEAD answer keeps the one the GET would have had).
 */
export function replyFields(reply: Reply, method: string): ReplyFields {
  const { chunks, length: given } = bodyChunks(reply.body);
  const length = reply.length ?? given;
  const body = hasBody(method, reply.status);
  const headers: [string, string][] = [];
  for (const [name, value] of reply.headers ?? []) {
    const lower = name.toLowerCase();
    // A HEAD (or 304) answer keeps the Content-Length the full answer would have had.
    if (OWN_FIELDS.has(lower) && !(lower === "content-length" && !body && reply.status >= 200)) continue;
    headers.push([name, value]);
  }
  if (body && length !== undefined) headers.push(["Content-Length", String(length)]);
  // A HEAD answer says the length the GET would have had, when it is known and not said.
  else if (method === "HEAD" && length !== undefined && reply.status >= 200 && reply.status !== 204)
    if (!headers.some(([name]) => name.toLowerCase() === "content-length"))
      headers.push(["Content-Length", String(length)]);
  return { headers, chunks, length, body };
}

/**
 * The chunks of a body of `length` bytes (undefined: unknown) as they come, empty ones left
 * out; throws `fail(why)` when they come to more or fewer bytes than it says.
 */
export async function* checkedBody(
  chunks: AsyncIterable<Uint8Array>,
  length: number | undefined,
  fail: (why: string) => Error = (why) => new Error(why),
): AsyncIterable<Uint8Array> {
  let bytes = 0;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    bytes += chunk.length;
    if (length !== undefined && bytes > length) throw fail(`the body is longer than its ${length} bytes`);
    yield chunk;
  }
  if (length !== undefined && bytes < length) throw fail(`the body ended ${length - bytes} bytes short`);
}

/**
 * Writes `reply` to `socket` as the answer to a `method` request of `version`. Returns the
 * body bytes written and whether the connection may stay open after it (`keepAlive` asks for
 * it; a body of unknown length on HTTP/1.0 ends it).
 */
export async function writeReply(
  socket: Socket,
  reply: Reply,
  method: string,
  version: HttpVersion,
  keepAlive: boolean,
): Promise<{ bytes: number; keepAlive: boolean }> {
  const { headers, chunks, length, body } = replyFields(reply, method);
  const chunked = body && length === undefined && version === "HTTP/1.1";
  const open = keepAlive && (!body || length !== undefined || chunked);
  if (chunked) headers.push(["Transfer-Encoding", "chunked"]);
  if (!open && version === "HTTP/1.1") headers.push(["Connection", "close"]);
  if (open && version === "HTTP/1.0") headers.push(["Connection", "keep-alive"]);
  const init = { status: reply.status, headers, ...(reply.reason ? { reason: reply.reason } : {}) };
  // The head goes out with the body's first chunk, in one write: one packet for a small answer.
  socket.cork();
  let corked = true;
  const uncork = () => {
    if (corked) socket.uncork();
    corked = false;
  };
  try {
    await write(socket, encodeResponseHead(init));
    let bytes = 0;
    if (!body) {
      // (A body given anyway, as a CGI application may for HEAD, is read and let go: its
      // upstream then finishes its answer, and a kept connection can be used again.)
      for await (const _ of chunks) {
      }
      return { bytes, keepAlive: open };
    }
    for await (const chunk of checkedBody(chunks, length)) {
      bytes += chunk.length;
      if (chunked) for (const part of encodeChunk(chunk)) await write(socket, part);
      else await write(socket, chunk);
      uncork();
    }
    if (chunked) await write(socket, encodeLastChunk());
    return { bytes, keepAlive: open };
  } finally {
    uncork();
  }
}
