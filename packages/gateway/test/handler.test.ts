import { createServer as createHttpServer, type RequestListener } from "node:http";
import { describe, expect, it } from "vitest";
import {
  type App,
  createFetchHandler,
  createHandler,
  createProxy,
  createServer,
  type Gateway,
  type HandlerOptions,
  type Protocol,
} from "../src/index.js";
import {
  ask,
  deadPort,
  type Echo,
  echoApp,
  HOST,
  listen,
  Raw,
  sleep,
  stub,
  until,
  within,
} from "./support.js";

/** A node:http server on loopback running `listener`; close() ends its connections too. */
async function host(listener: RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer(listener);
  const port = await listen(server);
  return {
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `app` over `protocol`, a handler in front of it on a node:http server, and a raw client of that server; all closed after `body`. */
async function withHandler(
  app: App,
  protocol: Protocol,
  options: Omit<HandlerOptions, "upstream">,
  body: (raw: Raw) => Promise<void>,
): Promise<void> {
  const [up] = await createServer(app, [`${protocol}://${HOST}:0`]);
  const handler = createHandler({ ...options, upstream: up!.address });
  const web = await host(handler);
  const raw = await Raw.connect(web.port);
  try {
    await body(raw);
  } finally {
    raw.destroy();
    handler.close();
    await web.close();
    await up!.close(100);
  }
}

/** An app whose answer is 64 MiB in 16 KiB chunks, made as they are taken; it says what it made, and whether its signal aborted. */
function bigAnswer(): { app: App; produced(): number; aborted(): boolean } {
  let produced = 0;
  let aborted = false;
  const app: App = async (_env, _body, { signal }) => {
    signal.addEventListener("abort", () => {
      aborted = true;
    });
    return {
      status: 200,
      body: (async function* () {
        for (let i = 0; i < 4096 && !signal.aborted; i++) {
          produced += 16 * 1024;
          yield Buffer.alloc(16 * 1024, 97);
        }
      })(),
    };
  };
  return { app, produced: () => produced, aborted: () => aborted };
}

/** Variables that name the connection (ports, addresses) or the server, which differ between two front ends. */
const OWN = new Set(["REMOTE_PORT", "SERVER_PORT", "SERVER_NAME", "SERVER_ADDR", "REMOTE_ADDR"]);

function comparable(echo: Echo): { names: string[]; vars: Record<string, string> } {
  return {
    names: echo.names,
    vars: Object.fromEntries(Object.entries(echo.vars).filter(([name]) => !OWN.has(name))),
  };
}

const REQUEST = {
  method: "POST",
  path: "/a/./b/../c.php?x=1&y=%20",
  headers: {
    Host: "App.Test:8080",
    "X-Dup": "one",
    X_Under: "dropped",
    Connection: "keep-alive, X-Hop",
    "X-Hop": "dropped too",
    "Content-Type": "text/plain",
    Authorization: `Basic ${btoa("ann:secret")}`,
  },
  body: Buffer.from("hello, upstream"),
};

describe("createHandler (node:http)", () => {
  for (const protocol of ["fastcgi", "uwsgi", "scgi", "http"] as Protocol[]) {
    it(`sends a request over ${protocol} with the very variables the proxy sends`, async () => {
      const [app] = await createServer(echoApp, [`${protocol}://${HOST}:0`]);
      const options = { upstream: app!.address, params: [["APP_ENV", "test"]] as [string, string][] };
      const handler = createHandler(options);
      const web = await host(handler);
      const proxy = await createProxy(`${HOST}:0`, options);
      try {
        const viaHandler = await ask(web.port, REQUEST);
        const viaProxy = await ask(proxy.address.port, REQUEST);
        expect(viaHandler.status).toBe(200);
        expect(viaHandler.headers["x-echo"]).toBe("yes");
        const echo = JSON.parse(viaHandler.body.toString()) as Echo;
        expect(echo.length).toBe(REQUEST.body.length);
        expect(comparable(echo)).toEqual(comparable(JSON.parse(viaProxy.body.toString()) as Echo));
        if (protocol !== "http") {
          expect(echo.vars.REMOTE_ADDR).toBe(HOST);
          expect(echo.vars.SERVER_NAME).toBe("localhost");
          expect(echo.vars.HTTP_HOST).toBe("app.test");
          expect(echo.vars.APP_ENV).toBe("test");
          expect(echo.vars.HTTP_X_UNDER).toBeUndefined();
          expect(echo.vars.HTTP_X_HOP).toBeUndefined();
        }
        if (protocol === "fastcgi") {
          expect(echo.vars.SCRIPT_FILENAME).toBe("/var/www/html/a/c.php");
          expect(echo.vars.REMOTE_USER).toBe("ann");
        }
      } finally {
        handler.close();
        await web.close();
        await proxy.close(100);
        await app!.close(100);
      }
    });
  }

  it("routes by path prefix and sends the whole target of a mounted handler, as nginx's $request_uri", async () => {
    const [main] = await createServer(echoApp, [`uwsgi://${HOST}:0`]);
    const [api] = await createServer(echoApp, [`scgi://${HOST}:0`]);
    const handler = createHandler({ upstream: main!.address, routes: [["/api/", api!.address]] });
    // An Express-style mount: req.url without the mount's prefix, req.originalUrl whole.
    const web = await host((req, res) => {
      const mounted = Object.assign(req, { originalUrl: req.url, url: req.url!.slice(4) });
      handler(mounted, res);
    });
    try {
      const toApi = JSON.parse((await ask(web.port, { path: "/api/v1?q" })).body.toString()) as Echo;
      expect([toApi.protocol, toApi.vars.REQUEST_URI, toApi.vars.DOCUMENT_URI]).toEqual([
        "scgi",
        "/api/v1?q",
        "/api/v1",
      ]);
      const toMain = JSON.parse((await ask(web.port, { path: "/www/x" })).body.toString()) as Echo;
      expect([toMain.protocol, toMain.vars.PATH_INFO]).toEqual(["uwsgi", "/www/x"]);
    } finally {
      handler.close();
      await web.close();
      await main!.close(100);
      await api!.close(100);
    }
  });

  it("makes a CGI Location without Status a 302, and answers HEAD with the GET's length and no body", async () => {
    const up = await stub((socket) =>
      socket.once("data", () => socket.end("Location: /elsewhere\r\nContent-Length: 5\r\n\r\nhello")),
    );
    const handler = createHandler({ upstream: `scgi://${HOST}:${up.port}` });
    const web = await host(handler);
    try {
      const moved = await ask(web.port);
      expect([moved.status, moved.headers.location, moved.body.toString()]).toEqual([
        302,
        "/elsewhere",
        "hello",
      ]);
      const head = await ask(web.port, { method: "HEAD" });
      expect([head.status, head.headers["content-length"], head.body.length]).toEqual([302, "5", 0]);
    } finally {
      handler.close();
      await web.close();
      await up.close();
    }
  });

  it("answers 502 for a malformed answer or an upstream that refuses, and hands the error to next when given", async () => {
    const bad = await stub((socket) => socket.once("data", () => socket.end("no head at all\0\r\n\r\n")));
    const handler = createHandler({ upstream: `scgi://${HOST}:${bad.port}` });
    const dead = createHandler({ upstream: `fastcgi://${HOST}:${await deadPort()}` });
    const seen: unknown[] = [];
    const web = await host(handler);
    const express = await host((req, res) =>
      dead(req, res, (error) => {
        seen.push(error);
        res.writeHead(599).end("mine");
      }),
    );
    try {
      const malformed = await ask(web.port);
      expect([malformed.status, malformed.body.toString()]).toEqual([502, "502 UPSTREAM_FAILED\n"]);
      const refused = await ask(express.port);
      expect([refused.status, refused.body.toString()]).toEqual([599, "mine"]);
      expect(seen).toHaveLength(1);
      expect((seen[0] as { status: number }).status).toBe(502);
    } finally {
      handler.close();
      dead.close();
      await web.close();
      await express.close();
      await bad.close();
    }
  });

  it("refuses what the proxy refuses: a path above the root (400), a body over maxBody (413)", async () => {
    const [app] = await createServer(echoApp, [`uwsgi://${HOST}:0`]);
    const handler = createHandler({ upstream: app!.address, maxBody: 10 });
    const web = await host(handler);
    try {
      expect((await ask(web.port, { path: "/%2e%2e/etc/passwd" })).status).toBe(400);
      const big = await ask(web.port, { method: "POST", body: Buffer.alloc(11) });
      expect([big.status, big.headers.connection]).toEqual([413, "close"]);
      const chunked = await ask(web.port, { method: "POST", chunks: [Buffer.alloc(6), Buffer.alloc(6)] });
      expect(chunked.status).toBe(413);
    } finally {
      handler.close();
      await web.close();
      await app!.close(100);
    }
  });

  it("streams the answer as it comes, and a client that takes nothing holds the upstream back", async () => {
    let produced = 0;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const app: App = async () => ({
      status: 200,
      body: (async function* () {
        yield Buffer.from("first;");
        await released; // (the client must see the first chunk before the app goes on)
        for (let i = 0; i < 4096; i++) {
          produced += 16 * 1024;
          yield Buffer.alloc(16 * 1024, 97);
        }
      })(),
    });
    await withHandler(app, "uwsgi", {}, async (raw) => {
      raw.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
      await until(() => raw.text.includes("first;"), 5000, "the first chunk");
      raw.socket.pause(); // (takes nothing more)
      release();
      await sleep(500);
      // 64 MiB asked: what went out is the sockets' buffers and the streams' high-water marks.
      expect(produced).toBeLessThan(24 * 1024 * 1024);
      raw.socket.resume();
      await until(() => raw.length > 64 * 1024 * 1024, 20_000, "the whole body");
    });
  });

  it("streams a body to the upstream as it arrives without requestBuffering", async () => {
    let first: (() => void) | undefined;
    const firstSeen = new Promise<void>((resolve) => {
      first = resolve;
    });
    const app: App = async (_env, body) => {
      let length = 0;
      for await (const chunk of body) {
        length += chunk.length;
        first?.();
      }
      return { status: 200, body: String(length) };
    };
    await withHandler(app, "fastcgi", { requestBuffering: false }, async (raw) => {
      raw.write("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello");
      await within(firstSeen, 5000, "the app reads the first half before the second is sent");
      raw.write("world");
      const [answer] = await raw.responses(1);
      expect(answer!.body.toString()).toBe("10");
    });
  });

  it("aborts the upstream request when the client goes away during the answer", async () => {
    const { app, aborted } = bigAnswer();
    await withHandler(app, "fastcgi", {}, async (raw) => {
      raw.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
      await until(() => raw.length > 4096, 5000, "some of the body");
      raw.destroy();
      await until(aborted, 5000, "the app's signal aborts");
    });
  });
});

describe("createFetchHandler", () => {
  async function withUpstream<T>(
    app: App,
    protocol: Protocol,
    body: (gateway: Gateway) => Promise<T>,
  ): Promise<T> {
    const [up] = await createServer(app, [`${protocol}://${HOST}:0`]);
    try {
      return await body(up!);
    } finally {
      await up!.close(100);
    }
  }

  for (const protocol of ["fastcgi", "uwsgi", "scgi", "http"] as Protocol[]) {
    it(`answers a Request over ${protocol}, with the variables the proxy sends`, async () => {
      await withUpstream(echoApp, protocol, async (up) => {
        const handle = createFetchHandler({ upstream: up.address });
        try {
          const response = await handle(
            new Request("http://app.test:8080/a/../b.php?q=1", {
              method: "POST",
              headers: { "Content-Type": "text/plain", "X-Dup": "one" },
              body: "hello",
            }),
            { remoteAddr: { hostname: "192.0.2.1", port: 5555 } },
          );
          expect(response.status).toBe(200);
          expect(response.headers.get("x-echo")).toBe("yes");
          const echo = (await response.json()) as Echo;
          expect(echo.length).toBe(5);
          expect(echo.vars.REQUEST_METHOD).toBe("POST");
          expect(echo.vars.HTTP_X_DUP).toBe("one");
          if (protocol !== "http") {
            expect(echo.vars.DOCUMENT_URI ?? echo.vars.PATH_INFO).toBe("/b.php");
            expect(echo.vars.REQUEST_URI).toBe("/b.php?q=1"); // (URL resolves the dot-segments first)
            expect([echo.vars.REMOTE_ADDR, echo.vars.REMOTE_PORT]).toEqual(["192.0.2.1", "5555"]);
            expect([echo.vars.HTTP_HOST, echo.vars.SERVER_PORT, echo.vars.SERVER_NAME]).toEqual([
              "app.test",
              "8080",
              "localhost",
            ]);
            expect(echo.vars.CONTENT_LENGTH).toBe("5");
          }
        } finally {
          handle.close();
        }
      });
    });
  }

  it("sends a stream of unknown length with the length it came to", async () => {
    await withUpstream(echoApp, "fastcgi", async (up) => {
      const handle = createFetchHandler({ upstream: up.address });
      try {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("abc"));
            controller.enqueue(new TextEncoder().encode("defg"));
            controller.close();
          },
        });
        const response = await handle(
          new Request("http://a/x", { method: "PUT", body, duplex: "half" } as RequestInit),
        );
        const echo = (await response.json()) as Echo;
        expect([echo.length, echo.vars.CONTENT_LENGTH]).toEqual([7, "7"]);
      } finally {
        handle.close();
      }
    });
  });

  it("makes Location a 302, answers HEAD without a body, and a bad or missing upstream 502", async () => {
    const up = await stub((socket) =>
      socket.once("data", () => socket.end("Location: /elsewhere\r\nContent-Length: 5\r\n\r\nhello")),
    );
    const bad = await stub((socket) => socket.once("data", () => socket.end("Status: 99999\r\n\r\n")));
    const handle = createFetchHandler({ upstream: `scgi://${HOST}:${up.port}` });
    const broken = createFetchHandler({ upstream: `scgi://${HOST}:${bad.port}` });
    const dead = createFetchHandler({ upstream: `uwsgi://${HOST}:${await deadPort()}` });
    try {
      const moved = await handle(new Request("http://a/"));
      expect([moved.status, moved.headers.get("location"), await moved.text()]).toEqual([
        302,
        "/elsewhere",
        "hello",
      ]);
      const head = await handle(new Request("http://a/", { method: "HEAD" }));
      expect([head.status, head.headers.get("content-length"), head.body]).toEqual([302, "5", null]);
      const malformed = await broken(new Request("http://a/"));
      expect([malformed.status, await malformed.text()]).toEqual([502, "502 UPSTREAM_FAILED\n"]);
      const refused = await dead(new Request("http://a/"));
      expect(refused.status).toBe(502);
    } finally {
      handle.close();
      broken.close();
      dead.close();
      await up.close();
      await bad.close();
    }
  });

  it("answers a 205 (Reset Content) without a body, as a Response must be", async () => {
    const up = await stub((socket) =>
      socket.once("data", () => socket.end("Status: 205 Reset Content\r\nContent-Length: 3\r\n\r\nabc")),
    );
    const handle = createFetchHandler({ upstream: `scgi://${HOST}:${up.port}` });
    try {
      const reset = await handle(new Request("http://a/form", { method: "POST", body: "x=1" }));
      expect([reset.status, reset.body]).toEqual([205, null]);
    } finally {
      handle.close();
      await up.close();
    }
  });

  it("reads the upstream only as the response's reader asks, and a cancel aborts the upstream request", async () => {
    const { app, produced, aborted } = bigAnswer();
    await withUpstream(app, "fastcgi", async (up) => {
      const handle = createFetchHandler({ upstream: up.address });
      try {
        const response = await handle(new Request("http://a/"));
        const reader = response.body!.getReader();
        const first = await reader.read();
        expect(first.value!.length).toBeGreaterThan(0);
        await sleep(500);
        expect(produced()).toBeLessThan(16 * 1024 * 1024); // (of 64 MiB)
        await reader.cancel();
        await until(aborted, 5000, "the app's signal aborts");
      } finally {
        handle.close();
      }
    });
  });
});

describe("a body's stated length", () => {
  for (const requestBuffering of [true, false])
    it(`holds: a Request whose body is longer than its Content-Length is a 400, and no byte past it goes on (requestBuffering ${requestBuffering})`, async () => {
      let received = "";
      const up = await stub((socket) =>
        socket.on("data", (chunk: Buffer) => {
          received += chunk.toString("latin1");
        }),
      );
      const handle = createFetchHandler({
        upstream: `http://${HOST}:${up.port}`,
        requestBuffering,
        readTimeout: 2000,
      });
      try {
        const response = await handle(
          new Request("http://a/x", {
            method: "POST",
            headers: { "content-length": "3" },
            body: "abcGET /admin HTTP/1.1\r\nHost: a\r\n\r\n",
          }),
        );
        expect([response.status, await response.text()]).toEqual([400, "400 BODY_LENGTH\n"]);
        await sleep(50);
        expect(received).not.toContain("/admin");
      } finally {
        handle.close();
        await up.close();
      }
    });
});

describe("an Upgrade through a handler", () => {
  it("is a 501, even to an HTTP upstream: the server owns the connection, and no tunnel is made", async () => {
    let upgrades = 0;
    const up = await stub((socket) =>
      socket.once("data", () => {
        upgrades++;
        socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n");
      }),
    );
    const handle = createFetchHandler({ upstream: `http://${HOST}:${up.port}` });
    const handler = createHandler({ upstream: `http://${HOST}:${up.port}` });
    const web = await host(handler);
    try {
      const headers = { Connection: "upgrade", Upgrade: "websocket" };
      expect((await handle(new Request("http://a/ws", { headers }))).status).toBe(501);
      expect((await ask(web.port, { path: "/ws", headers })).status).toBe(501);
      expect(upgrades).toBe(0);
    } finally {
      handle.close();
      handler.close();
      await web.close();
      await up.close();
    }
  });
});
