/**
 * What a hostile client or upstream did to `envwire proxy` in front of real php-fpm 8.2 (two
 * workers, as peers.ts starts it), each held here (issue #24): an answer with a 1xx status
 * that desynced the next pipelined request, kept connections that held both workers so that
 * a POST waited 60 s for a 504, and slow uploads that held them the same way.
 */
import { connect, type Socket } from "node:net";
import { createProxy, type Gateway, type ProxyOptions } from "@envwire/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Peer, PHP_SCRIPT, requirePeers, startAll, startPhpFpm } from "./peers.js";

/** A raw connection to `port` and what it has received. */
async function raw(port: number): Promise<{ socket: Socket; text: () => string }> {
  const socket = connect({ host: "127.0.0.1", port });
  const parts: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => parts.push(chunk));
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  return { socket, text: () => Buffer.concat(parts).toString("latin1") };
}

async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The status lines in what a connection received. */
const statuses = (text: string) => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));

describe("envwire proxy in front of php-fpm with two workers", () => {
  let php: Peer;
  beforeAll(async () => {
    requirePeers();
    [php] = await startAll(startPhpFpm);
  }, 60_000);
  afterAll(async () => {
    await php?.stop();
  });

  async function withProxy(options: Omit<ProxyOptions, "upstream">, body: (proxy: Gateway) => Promise<void>) {
    const proxy = await createProxy("127.0.0.1:0", {
      upstream: `fastcgi://127.0.0.1:${php.ports.fastcgi}`,
      scriptFilename: PHP_SCRIPT,
      readTimeout: 10_000,
      ...options,
    });
    try {
      await body(proxy);
    } finally {
      await proxy.close(1000);
    }
  }

  it("http_response_code(100) is a 502, and the next pipelined request gets its own answer", async () => {
    await withProxy({}, async (proxy) => {
      const client = await raw(proxy.address.port);
      try {
        client.socket.write(
          "GET /status/100 HTTP/1.1\r\nHost: h\r\n\r\nGET /second?n=2 HTTP/1.1\r\nHost: h\r\n\r\n",
        );
        await until(
          () => statuses(client.text()).length >= 2 && client.text().includes("}"),
          10_000,
          "two answers",
        );
        const text = client.text();
        expect(statuses(text), php.log().slice(-1500)).toEqual([502, 200]);
        // The second answer is the second request's: php-fpm's QUERY_STRING, hex-encoded.
        expect(text).toContain(Buffer.from("n=2").toString("hex"));
      } finally {
        client.socket.destroy();
      }
    });
  });

  for (const fastcgiKeepConn of [0, 1]) {
    it(`two GETs at once, then a POST: answered at once (fastcgiKeepConn ${fastcgiKeepConn})`, async () => {
      await withProxy({ fastcgiKeepConn }, async (proxy) => {
        const ask = async (request: string) => {
          const client = await raw(proxy.address.port);
          try {
            client.socket.write(request);
            await until(() => client.text().includes("}"), 5000, request.split("\r\n")[0]!);
            return statuses(client.text())[0];
          } finally {
            client.socket.destroy();
          }
        };
        const get = "GET /g HTTP/1.1\r\nHost: h\r\n\r\n";
        expect(await Promise.all([ask(get), ask(get)])).toEqual([200, 200]);
        const started = Date.now();
        expect(await ask("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")).toBe(200);
        expect(Date.now() - started).toBeLessThan(5000);
      });
    });
  }

  it("two slow uploads hold neither worker: a GET meanwhile is answered", async () => {
    await withProxy({}, async (proxy) => {
      const slow = await Promise.all([raw(proxy.address.port), raw(proxy.address.port)]);
      try {
        for (const client of slow)
          client.socket.write("POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\nx");
        await new Promise((resolve) => setTimeout(resolve, 200));
        const client = await raw(proxy.address.port);
        try {
          client.socket.write("GET /quick HTTP/1.1\r\nHost: h\r\n\r\n");
          await until(() => client.text().includes("}"), 5000, "the GET's answer");
          expect(statuses(client.text())).toEqual([200]);
        } finally {
          client.socket.destroy();
        }
      } finally {
        for (const client of slow) client.socket.destroy();
      }
    });
  });
});
