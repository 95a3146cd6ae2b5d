// Upgrade (WebSocket) through `envwire proxy` to an HTTP upstream: the request goes on with
// its Upgrade field, and a 101 turns both connections into one tunnel, piped raw both ways.
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { createProxy, type Gateway, type ProxyOptions } from "../src/index.js";
import { field, HOST, listen, Raw, sha256, sleep, stub, until, withRaw } from "./support.js";

const SWITCHED =
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Up: yes\r\n\r\n";

/** A WebSocket-like upstream on node:http: what it saw of each upgrade, and the tunnels' sockets. */
interface EchoUpstream {
  readonly port: number;
  readonly upgrades: { url: string; headers: IncomingMessage["headers"] }[];
  readonly sockets: Socket[];
  /** Every byte that reached the upstream, as requests or through a tunnel. */
  readonly received: () => string;
  close(): Promise<void>;
}

/**
 * Answers an Upgrade with 101 and "hello;" in the same write, then echoes what comes through
 * the tunnel (`onTunnel` may do otherwise); a plain request gets `200 plain`.
 */
async function echoUpstream(
  onTunnel?: (socket: Socket) => void,
  before: Promise<void> = Promise.resolve(),
): Promise<EchoUpstream> {
  const upgrades: EchoUpstream["upgrades"] = [];
  const sockets: Socket[] = [];
  let received = "";
  const server = createHttpServer((_req, res) => res.end("plain"));
  server.on("connection", (socket: Socket) => {
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
  });
  server.on("upgrade", async (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgrades.push({ url: req.url ?? "", headers: req.headers });
    sockets.push(socket);
    socket.on("error", () => {});
    await before;
    socket.write(`${SWITCHED}hello;`);
    if (onTunnel !== undefined) {
      if (head.length > 0) socket.unshift(head);
      onTunnel(socket);
      return;
    }
    if (head.length > 0) socket.write(head);
    socket.on("data", (chunk: Buffer) => socket.write(chunk));
    socket.on("end", () => socket.end());
  });
  const port = await listen(server);
  return {
    port,
    upgrades,
    sockets,
    received: () => received,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function withProxy<T>(
  upstreamPort: number,
  options: Partial<ProxyOptions>,
  body: (proxy: Gateway, log: string[]) => Promise<T>,
): Promise<T> {
  const log: string[] = [];
  const proxy = await createProxy(`${HOST}:0`, {
    upstream: `http://${HOST}:${upstreamPort}`,
    log: (line) => log.push(line),
    ...options,
  });
  try {
    return await body(proxy, log);
  } finally {
    await proxy.close(100);
  }
}

const UPGRADE =
  "GET /ws?room=1 HTTP/1.1\r\nHost: chat.test\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/** What came after the 101's head. */
function afterHead(raw: Raw): string {
  const text = raw.text;
  const end = text.indexOf("\r\n\r\n");
  return end < 0 ? "" : text.slice(end + 4);
}

describe("Upgrade to an HTTP upstream", () => {
  it("goes on with Upgrade and Connection: upgrade; on a 101 the bytes flow both ways, those sent with the head first", async () => {
    const up = await echoUpstream();
    try {
      await withProxy(up.port, {}, async (proxy, log) => {
        await withRaw(proxy.address.port, async (raw) => {
          // The request and the first tunnel bytes in one packet.
          raw.write(`${UPGRADE}early;`);
          await until(() => afterHead(raw).includes("early;"), 5000, "the early bytes echoed");
          const head = raw.text.slice(0, raw.text.indexOf("\r\n\r\n"));
          expect(head.split("\r\n")[0]).toBe("HTTP/1.1 101 Switching Protocols");
          expect(head).toMatch(/\r\nUpgrade: websocket\r\n/);
          expect(head).toMatch(/\r\nConnection: upgrade(\r\n|$)/);
          expect(head).toMatch(/\r\nX-Up: yes(\r\n|$)/);
          expect(afterHead(raw)).toBe("hello;early;");
          raw.write("ping;");
          await until(() => afterHead(raw).endsWith("ping;"), 5000, "ping echoed");
          expect(up.upgrades).toHaveLength(1);
          const [seen] = up.upgrades;
          expect(seen!.url).toBe("/ws?room=1");
          expect([seen!.headers.upgrade, seen!.headers.connection]).toEqual(["websocket", "upgrade"]);
          expect(seen!.headers["sec-websocket-key"]).toBe("dGhlIHNhbXBsZSBub25jZQ==");
          expect(seen!.headers.host).toBe("chat.test");
        });
        await until(
          () => log.some((line) => line.includes('"GET /ws?room=1 HTTP/1.1" 101')),
          5000,
          "the log line",
        );
      });
    } finally {
      await up.close();
    }
  });

  it("pipes megabytes both ways intact, and a client that reads nothing holds the upstream back", async () => {
    const size = 64 * 1024 * 1024;
    let flooded = 0;
    const block = Buffer.alloc(64 * 1024, 7);
    const up = await echoUpstream((socket) => {
      // Echoes, and on "flood" sends 64 MiB at the pace its socket takes it.
      socket.on("data", (chunk: Buffer) => {
        if (chunk.toString("latin1") !== "flood") {
          socket.write(chunk);
          return;
        }
        const more = () => {
          while (flooded < size) {
            flooded += block.length;
            if (!socket.write(block)) {
              socket.once("drain", more);
              return;
            }
          }
        };
        more();
      });
    });
    try {
      await withProxy(up.port, {}, async (proxy) => {
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(UPGRADE);
          await until(() => afterHead(raw) === "hello;", 5000, "the 101");
          // Up and back: 8 MiB of numbered blocks, digests compared.
          const parts = Array.from({ length: 128 }, (_, i) => Buffer.alloc(64 * 1024, i));
          const start = raw.length;
          for (const part of parts) raw.write(part);
          await until(() => raw.length - start >= 8 * 1024 * 1024, 20_000, "8 MiB echoed");
          expect(sha256(raw.bytes.subarray(start))).toBe(sha256(...parts));
          // Down, to a client that takes nothing.
          raw.socket.pause();
          raw.write("flood");
          await sleep(500);
          // What the upstream got rid of: the sockets' buffers and the proxy's high-water marks.
          expect(flooded).toBeLessThan(24 * 1024 * 1024);
          raw.socket.resume();
          await until(() => raw.length - start >= 8 * 1024 * 1024 + size, 30_000, "the flood");
        });
      });
    } finally {
      await up.close();
    }
  });

  it("what the client sends before the 101 is held only so far (its connection is not read on), then goes through", async () => {
    let answer: () => void = () => {};
    const up = await echoUpstream(
      undefined,
      new Promise<void>((resolve) => {
        answer = resolve;
      }),
    );
    try {
      await withProxy(up.port, {}, async (proxy) => {
        await withRaw(proxy.address.port, async (raw) => {
          const parts = Array.from({ length: 512 }, (_, i) => Buffer.alloc(64 * 1024, i)); // 32 MiB
          raw.write(UPGRADE);
          for (const part of parts) raw.write(part);
          await until(() => up.upgrades.length === 1, 5000, "the upgrade upstream");
          await sleep(300);
          // Past the sockets' buffers, the client's own writes wait: the proxy holds 64 KiB.
          expect(raw.socket.writableLength).toBeGreaterThan(16 * 1024 * 1024);
          answer();
          await until(() => afterHead(raw).length >= 6 + 32 * 1024 * 1024, 30_000, "all of it echoed");
          expect(sha256(Buffer.from(afterHead(raw).slice(6), "latin1"))).toBe(sha256(...parts));
        });
      });
    } finally {
      await up.close();
    }
  });

  it("a refused Upgrade (400, 200) is answered and the connection closed: what the client sent after it never reaches the upstream", async () => {
    for (const answer of [
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nno!",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok!",
    ]) {
      let received = "";
      // An upstream that keeps its connection open and reads on, as a keep-alive server does.
      const up = await stub((socket) =>
        socket.on("data", (chunk: Buffer) => {
          if (received === "") socket.write(answer);
          received += chunk.toString("latin1");
        }),
      );
      try {
        await withProxy(up.port, {}, async (proxy) => {
          await withRaw(proxy.address.port, async (raw) => {
            raw.write(`${UPGRADE}GET /smuggled HTTP/1.1\r\nHost: chat.test\r\n\r\n`);
            await raw.serverEnded(5000);
            const responses = await raw.responses(1);
            expect(responses).toHaveLength(1);
            expect(responses[0]!.status).toBe(Number(answer.slice(9, 12)));
            expect(responses[0]!.body.toString()).toBe(answer.slice(-3));
            expect(field(responses[0]!, "connection")).toBe("close");
          });
        });
        await sleep(50);
        expect(received).toContain("GET /ws?room=1");
        expect(received).not.toContain("smuggled");
      } finally {
        await up.close();
      }
    }
  });

  it("a 101 to a request that did not ask for an upgrade is a 502, and nothing after it goes to the client", async () => {
    const up = await stub((socket) =>
      socket.once("data", () => socket.write(`${SWITCHED}GET-ME-IF-YOU-CAN`)),
    );
    try {
      await withProxy(up.port, {}, async (proxy) => {
        await withRaw(proxy.address.port, async (raw) => {
          raw.write("GET /plain HTTP/1.1\r\nHost: a\r\n\r\n");
          const [answer] = await raw.responses(1);
          expect(answer!.status).toBe(502);
          await sleep(50);
          expect(raw.text).not.toContain("GET-ME-IF-YOU-CAN");
        });
      });
    } finally {
      await up.close();
    }
  });

  it("an upgrade's body reaches the upstream whole and before the tunnel's bytes, without requestBuffering too", async () => {
    // (More than loopback's buffers hold: the body is still on its way when the 101 comes.)
    const size = 4 * 1024 * 1024;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) body.writeUInt32BE(i / 4, i);
    let received = Buffer.alloc(0);
    // An application that reads the head, then takes nothing for a while, then switches.
    const up = await stub((socket) => {
      let switched = false;
      socket.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (switched || !received.includes("\r\n\r\n")) return;
        switched = true;
        socket.pause();
        setTimeout(() => socket.write(SWITCHED), 300);
        setTimeout(() => socket.resume(), 800);
      });
    });
    try {
      await withProxy(up.port, { requestBuffering: false, maxBody: 4 * size }, async (proxy) => {
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(UPGRADE.replace("\r\n\r\n", `\r\nContent-Length: ${size}\r\n\r\n`));
          raw.write(body);
          raw.write("TAIL");
          const after = () => received.subarray(received.indexOf("\r\n\r\n") + 4);
          await until(() => after().length >= size + 4, 10_000, "the body and the tunnel's bytes upstream");
          expect(after().subarray(0, size).equals(body)).toBe(true);
          expect(after().subarray(size).toString("latin1")).toBe("TAIL");
        });
      });
    } finally {
      await up.close();
    }
  });

  it("only a WebSocket upgrade goes on (h2c is a 501), and an HTTP/1.0 request's Upgrade is ignored", async () => {
    const up = await echoUpstream();
    try {
      await withProxy(up.port, {}, async (proxy) => {
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(
            UPGRADE.replace("Upgrade: websocket", "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__"),
          );
          const [answer] = await raw.responses(1);
          expect(answer!.status).toBe(501);
        });
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(UPGRADE.replace("HTTP/1.1", "HTTP/1.0"));
          const [answer] = await raw.responses(1);
          // (Sent on as a plain request: the upstream's own answer to one, no 101.)
          expect([answer!.status, answer!.body.toString("latin1")]).toEqual([200, "plain"]);
        });
        expect(up.upgrades).toHaveLength(0);
      });
    } finally {
      await up.close();
    }
  });

  it("the client's FIN goes on as a FIN: the upstream still answers after it, then closes, and the client sees the close", async () => {
    const up = await echoUpstream((socket) => {
      socket.on("data", (chunk: Buffer) => socket.write(chunk));
      socket.on("end", () => socket.end("after-fin;"));
    });
    try {
      await withProxy(up.port, {}, async (proxy) => {
        const raw = await Raw.connect(proxy.address.port);
        try {
          raw.write(UPGRADE);
          await until(() => afterHead(raw) === "hello;", 5000, "the 101");
          raw.socket.end("bye;");
          await until(() => raw.ended, 5000, "the close comes through");
          expect(afterHead(raw)).toBe("hello;bye;after-fin;");
        } finally {
          raw.destroy();
        }
      });
    } finally {
      await up.close();
    }
  });

  it("the upstream's close and its reset reach the client; the client's reset reaches the upstream", async () => {
    const up = await echoUpstream((socket) =>
      socket.on("data", (chunk: Buffer) => {
        const text = chunk.toString("latin1");
        if (text === "end") socket.end("ending;");
        else if (text === "reset") socket.resetAndDestroy();
        else socket.write(chunk);
      }),
    );
    try {
      await withProxy(up.port, {}, async (proxy) => {
        for (const how of ["end", "reset"]) {
          await withRaw(proxy.address.port, async (raw) => {
            raw.write(UPGRADE);
            await until(() => afterHead(raw) === "hello;", 5000, "the 101");
            raw.write(how);
            await until(() => raw.closed || raw.ended, 5000, `the upstream's ${how} reaches the client`);
            if (how === "end") expect(afterHead(raw)).toBe("hello;ending;");
          });
        }
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(UPGRADE);
          await until(() => afterHead(raw) === "hello;", 5000, "the 101");
          const upstream = up.sockets.at(-1)!;
          raw.socket.resetAndDestroy();
          // (The proxy closes its end: the upstream reads the end of its stream.)
          await until(
            () => upstream.readableEnded || upstream.destroyed,
            5000,
            "the client's reset reaches the upstream",
          );
        });
      });
    } finally {
      await up.close();
    }
  });

  it("a tunnel quiet for readTimeout is closed, both ends", async () => {
    const up = await echoUpstream();
    try {
      await withProxy(up.port, { readTimeout: 300 }, async (proxy) => {
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(UPGRADE);
          await until(() => afterHead(raw) === "hello;", 5000, "the 101");
          // Traffic keeps it open past the timeout…
          for (let i = 0; i < 6; i++) {
            await sleep(100);
            raw.write(".");
          }
          expect(raw.closed || raw.ended).toBe(false);
          // …silence closes it.
          await until(() => raw.closed || raw.ended, 2000, "the idle tunnel closed");
          await until(() => up.sockets[0]!.destroyed, 2000, "the upstream's end closed");
        });
      });
    } finally {
      await up.close();
    }
  });
});
