/**
 * Servers on our request decoders, for nginx to pass requests to: one per protocol, each
 * recording what its decoder saw (the Environ or HTTP head, the body's digest, which upstream
 * connection it came on) and answering with our encoders. The answer: a body of ANSWER's
 * bytes with an X-Envwire header; for a path under /status/<n>, that status and a Location.
 */
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { encodeCgiResponseHead } from "@envwire/environ";
import {
  encodeEndRequest,
  encodeStream,
  encodeStreamEnd,
  RequestDecoder as FcgiRequestDecoder,
  RecordType,
} from "@envwire/fastcgi-proto";
import { encodeResponseHead, RequestDecoder as HttpRequestDecoder } from "@envwire/http-proto";
import { RequestDecoder as ScgiRequestDecoder } from "@envwire/scgi-proto";
import { RequestDecoder as UwsgiRequestDecoder } from "@envwire/uwsgi-proto";

export const ANSWER = new Uint8Array(20_000).map((_, i) => (i * 31 + 7) & 0xff);
export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export interface Seen {
  /** The decoded variables, in wire order (values as latin-1 strings, bytes as they came). */
  vars: [string, string][];
  /** For HTTP: the request line's method and target, and the header fields in order. */
  method?: string;
  target?: string;
  fields?: [string, string][];
  bodyLength: number;
  bodySha256: string;
  /** Which upstream connection (numbered from 1 per backend) it came on. */
  connection: number;
}

export type Protocol = "uwsgi" | "fastcgi" | "scgi" | "http";

export interface Backend {
  port: number;
  seen: Seen[];
  /** Errors a decoder threw (the test fails on any). */
  errors: unknown[];
  close(): Promise<void>;
}

/** The status and headers of the answer to a request for `path`. */
function answerFor(path: string): { status: number; headers: [string, string][] } {
  const m = /^\/status\/(\d{3})/.exec(path);
  const headers: [string, string][] = [
    ["Content-Type", "application/octet-stream"],
    ["Content-Length", String(ANSWER.length)],
    ["X-Envwire", "answered"],
  ];
  if (m === null) return { status: 200, headers };
  return { status: Number(m[1]), headers: [...headers, ["Location", "/moved"]] };
}

class BodyDigest {
  readonly #hash = createHash("sha256");
  length = 0;
  add(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.length += chunk.length;
  }
  digest(): string {
    return this.#hash.digest("hex");
  }
}

/** The server for `protocol`, listening on a loopback port. */
export async function startBackend(protocol: Protocol): Promise<Backend> {
  const seen: Seen[] = [];
  const errors: unknown[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const connection = ++connections;
    const push = serve(protocol, socket, connection, seen);
    socket.on("data", (chunk) => {
      try {
        push.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        errors.push(e);
        socket.destroy();
      }
    });
    socket.on("end", () => {
      try {
        push.end();
      } catch (e) {
        errors.push(e);
      }
      socket.end();
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    errors,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Pushable {
  push(chunk: Uint8Array): void;
  end(): void;
}

function serve(protocol: Protocol, socket: Socket, connection: number, seen: Seen[]): Pushable {
  let body = new BodyDigest();
  let vars: [string, string][] = [];
  let path = "";
  const record = (extra: Partial<Seen> = {}) =>
    seen.push({ vars, bodyLength: body.length, bodySha256: body.digest(), connection, ...extra });
  const cgiAnswer = () => {
    const { status, headers } = answerFor(path);
    return [encodeCgiResponseHead({ status, headers }), ANSWER];
  };
  switch (protocol) {
    case "uwsgi":
      // uwsgi's answer is a plain HTTP response; the connection closes after it.
      return new UwsgiRequestDecoder({
        onHead({ env }) {
          vars = [...env];
          path = env.get("PATH_INFO") ?? "";
          body = new BodyDigest();
        },
        onBody: (chunk) => body.add(chunk),
        onEnd() {
          record();
          socket.write(encodeResponseHead({ ...answerFor(path), version: "HTTP/1.1" }));
          socket.end(ANSWER);
        },
      });
    case "scgi":
      return new ScgiRequestDecoder({
        onHead({ env }) {
          vars = [...env];
          path = env.get("DOCUMENT_URI") ?? "";
          body = new BodyDigest();
        },
        onBody: (chunk) => body.add(chunk),
        onEnd() {
          record();
          for (const part of cgiAnswer()) socket.write(part);
          socket.end();
        },
      });
    case "fastcgi": {
      const keep = new Map<number, boolean>();
      const decoder: FcgiRequestDecoder = new FcgiRequestDecoder({
        onBegin: ({ requestId, keepConn }) => keep.set(requestId, keepConn),
        onHead({ env }) {
          vars = [...env];
          path = env.get("DOCUMENT_URI") ?? "";
          body = new BodyDigest();
        },
        onBody: (_, chunk) => body.add(chunk),
        onEnd(requestId) {
          record();
          const [head, answer] = cgiAnswer();
          for (const part of encodeStream(RecordType.STDOUT, requestId, head!)) socket.write(part);
          for (const part of encodeStream(RecordType.STDOUT, requestId, answer!)) socket.write(part);
          socket.write(encodeStreamEnd(RecordType.STDOUT, requestId));
          socket.write(encodeEndRequest(requestId));
          decoder.completeRequest(requestId);
          if (!keep.get(requestId)) socket.end();
        },
      });
      return decoder;
    }
    case "http": {
      let keepAlive = false;
      let isHead = false;
      let head: Partial<Seen> = {};
      return new HttpRequestDecoder(
        {
          onHead(request) {
            path = request.target.split("?")[0]!;
            keepAlive = request.keepAlive;
            isHead = request.method === "HEAD";
            body = new BodyDigest();
            head = { method: request.method, target: request.target, fields: [...request.headers] };
          },
          onBody: (chunk) => body.add(chunk),
          onEnd() {
            record(head);
            // (An answer to HEAD has no body: the next answer follows the head.)
            const answer = isHead ? new Uint8Array(0) : ANSWER;
            socket.write(encodeResponseHead(answerFor(path)));
            if (keepAlive) socket.write(answer);
            else socket.end(answer);
          },
        },
        { allowRawTargetBytes: true },
      );
    }
  }
}
