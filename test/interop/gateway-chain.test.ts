/**
 * A gateway built from our codecs only: HTTP in (http-proto's RequestDecoder and
 * requestToEnviron), the Environ sent on as uwsgi, FastCGI or SCGI to uWSGI and php-fpm, and
 * their answer back as HTTP (the CGI response through encodeCgiResponseAsHttp; uwsgi's HTTP
 * answer decoded and encoded again). Node's own HTTP client, as the client, must see the
 * application's answer intact: its JSON echoes the variables the gateway sent and the body's
 * digest.
 */
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { CgiResponseDecoder, type CgiResponseHead, type Environ } from "@envwire/environ";
import {
  encodeBeginRequest,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  ResponseDecoder as FcgiResponseDecoder,
  RecordType,
} from "@envwire/fastcgi-proto";
import {
  encodeCgiResponseAsHttp,
  encodeResponseHead,
  ResponseDecoder as HttpResponseDecoder,
  RequestDecoder,
  requestToEnviron,
} from "@envwire/http-proto";
import { encodeRequest as encodeScgi } from "@envwire/scgi-proto";
import { encodeRequest as encodeUwsgi } from "@envwire/uwsgi-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Peer, PHP_SCRIPT, requirePeers, startAll, startPhpFpm, startUwsgi } from "./peers.js";

type Upstream = { protocol: "uwsgi" | "fastcgi" | "scgi"; port: () => number; php?: boolean };

/** Writes the upstream's answer to `client` as HTTP, then closes it (the body runs to the close). */
interface Answering {
  push(chunk: Uint8Array): void;
  end(): void;
}

function cgiToHttp(client: Socket): CgiResponseDecoder {
  return new CgiResponseDecoder({
    onHead: (head: CgiResponseHead) => client.write(encodeCgiResponseAsHttp(head)),
    onBody: (chunk) => client.write(chunk),
  });
}

/** The request bytes for `env` and `body` in `protocol`, and what reads the answer. */
function upstreamExchange(protocol: Upstream["protocol"], env: Environ, body: Uint8Array, client: Socket) {
  switch (protocol) {
    case "uwsgi": {
      const answer = new HttpResponseDecoder({
        onHead: (head) =>
          client.write(
            encodeResponseHead({ status: head.status, reason: head.reason, headers: head.headers }),
          ),
        onBody: (chunk) => client.write(chunk),
      });
      return { bytes: [encodeUwsgi(env), body], answer: answer as Answering };
    }
    case "scgi":
      return { bytes: [encodeScgi(env), body], answer: cgiToHttp(client) as Answering };
    case "fastcgi": {
      const cgi = cgiToHttp(client);
      let done: (() => void) | undefined;
      const records = new FcgiResponseDecoder({
        onStdout: (_, chunk) => cgi.push(chunk),
        // The answer is over at END_REQUEST: php-fpm sends no empty STDOUT record before it.
        onEndRequest: () => {
          cgi.end();
          done?.();
        },
      });
      records.expect(1);
      const bytes = [
        encodeBeginRequest(1),
        encodeParams(1, env),
        ...encodeStream(RecordType.STDIN, 1, body),
        encodeStreamEnd(RecordType.STDIN, 1),
      ];
      return {
        bytes,
        answer: {
          push: (chunk: Uint8Array) => records.push(chunk),
          end: () => records.end(),
        } as Answering,
        onDone: (f: () => void) => (done = f),
      };
    }
  }
}

/** The gateway: one request per client connection, sent on to `upstream`. */
async function startGateway(
  upstream: Upstream,
): Promise<{ port: number; errors: unknown[]; close(): Promise<void> }> {
  const errors: unknown[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.on("error", () => {});
    let env: Environ | undefined;
    const body: Uint8Array[] = [];
    const fail = (e: unknown) => {
      errors.push(e);
      client.destroy();
    };
    const decoder = new RequestDecoder({
      onHead(head) {
        env = requestToEnviron(head, {
          remoteAddr: client.remoteAddress,
          remotePort: client.remotePort,
          serverPort: client.localPort,
        });
      },
      onBody: (chunk) => body.push(chunk.slice()),
      onEnd() {
        const whole = Buffer.concat(body);
        // A chunked body was read whole: the upstream learns its length.
        if (whole.length > 0) env!.set("CONTENT_LENGTH", String(whole.length));
        if (upstream.php) env!.set("SCRIPT_FILENAME", PHP_SCRIPT);
        const exchange = upstreamExchange(upstream.protocol, env!, whole, client);
        const socket = connect(upstream.port(), "127.0.0.1");
        socket.on("data", (chunk) => {
          try {
            exchange.answer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
          } catch (e) {
            fail(e);
            socket.destroy();
          }
        });
        const finish = () => {
          socket.destroy();
          client.end();
        };
        if ("onDone" in exchange) exchange.onDone!(finish);
        socket.on("end", () => {
          try {
            exchange.answer.end();
          } catch (e) {
            fail(e);
          }
          finish();
        });
        socket.on("error", fail);
        for (const part of exchange.bytes) socket.write(part);
      },
    });
    client.on("data", (chunk) => {
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        fail(e);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    errors,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface AppAnswer {
  status: number;
  location: string | undefined;
  environ: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
}

/** Node's HTTP client, through the gateway. */
function get(port: number, path: string, method: string, headers: Record<string, string>, body?: Uint8Array) {
  return new Promise<AppAnswer>((resolve, reject) => {
    // (A connection of its own: the gateway takes one request per connection.)
    const req = httpRequest(
      { host: "127.0.0.1", port, path, method, headers, agent: false, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            const json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Omit<
              AppAnswer,
              "status" | "location"
            > & {
              environ: Record<string, string>;
            };
            const environ = Object.fromEntries(
              Object.entries(json.environ).map(([k, hex]) => [k, Buffer.from(hex, "hex").toString("latin1")]),
            );
            resolve({ ...json, environ, status: res.statusCode!, location: res.headers.location });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer in 10 s")));
    req.on("error", reject);
    req.end(body);
  });
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("a gateway of our codecs: HTTP in, uwsgi / FastCGI / SCGI out", () => {
  let uwsgi: Peer;
  let php: Peer;
  beforeAll(async () => {
    requirePeers();
    [uwsgi, php] = await startAll(startUwsgi, startPhpFpm);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([uwsgi?.stop(), php?.stop()]);
  });

  const upstreams: [string, Upstream][] = [
    ["uWSGI over uwsgi", { protocol: "uwsgi", port: () => uwsgi.ports.uwsgi! }],
    ["uWSGI over FastCGI", { protocol: "fastcgi", port: () => uwsgi.ports.fastcgi! }],
    ["uWSGI over SCGI", { protocol: "scgi", port: () => uwsgi.ports.scgi! }],
    ["php-fpm over FastCGI", { protocol: "fastcgi", port: () => php.ports.fastcgi!, php: true }],
  ];

  for (const [name, upstream] of upstreams) {
    it(name, async () => {
      const gateway = await startGateway(upstream);
      try {
        const body = new Uint8Array(70_000).map((_, i) => (i * 7 + 3) & 0xff);
        const post = await get(
          gateway.port,
          "/app/caf%C3%A9?x=1&y=2",
          "POST",
          { "X-Test": "chain", "Content-Type": "application/octet-stream", Cookie: "a=b" },
          body,
        );
        const logs = () => `${uwsgi.log().slice(-1500)}\n${php.log().slice(-1500)}`;
        expect(gateway.errors, logs()).toEqual([]);
        expect(post.status).toBe(200);
        expect([post.bodyLength, post.bodySha256]).toEqual([body.length, sha256(body)]);
        const env = post.environ;
        expect(env.REQUEST_METHOD).toBe("POST");
        expect(env.QUERY_STRING).toBe("x=1&y=2");
        expect(env.REQUEST_URI).toBe("/app/caf%C3%A9?x=1&y=2");
        expect(env.HTTP_X_TEST).toBe("chain");
        expect(env.HTTP_COOKIE).toBe("a=b");
        expect(env.CONTENT_TYPE).toBe("application/octet-stream");
        expect(env.CONTENT_LENGTH).toBe(String(body.length));
        // PATH_INFO is the decoded path's bytes (PEP 3333 and CGI), read as latin-1.
        if (!upstream.php) expect(env.PATH_INFO).toBe("/app/caf\u00c3\u00a9");
        const moved = await get(gateway.port, "/status/302", "GET", {});
        expect([moved.status, moved.location]).toEqual([302, "/moved"]);
      } finally {
        await gateway.close();
      }
    });
  }
});
