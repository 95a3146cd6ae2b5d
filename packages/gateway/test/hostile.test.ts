/**
 * What a hostile client or upstream tried against `envwire proxy` and `envwire serve`, each
 * held here (issue #24): a CGI 1xx that desynced the client, kept FastCGI connections and
 * slow bodies that starved a small worker pool, a fragment and a dotted header name that
 * slipped past a front's rules, Host and absolute-form targets that chose the host, codings
 * passed on unlabelled, connections kept after an answer nginx closes on, and requests that
 * held `serve`'s connections forever. The stubs stand in for php-fpm and uWSGI where a
 * timing must be controlled; test/interop holds the same against the real ones.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Environ } from "@envwire/environ";
import {
  encodeBeginRequest,
  encodeEndRequest,
  encodeParams,
  encodeStream,
  RequestDecoder as FcgiRequestDecoder,
  RecordType,
  Role,
} from "@envwire/fastcgi-proto";
import { encodeRequest as encodeUwsgi } from "@envwire/uwsgi-proto";
import { describe, expect, it } from "vitest";
import {
  type App,
  createProxy,
  createServer,
  formatAddress,
  type Gateway,
  type ProxyOptions,
  parseAddress,
} from "../src/index.js";
import {
  ask,
  type Echo,
  echoApp,
  field,
  HOST,
  parseResponses,
  Raw,
  sleep,
  stub,
  until,
  withRaw,
} from "./support.js";

/** An echo app over uwsgi behind a proxy with `options`; `body` runs with both, closed after. */
async function behindProxy<T>(
  options: Omit<ProxyOptions, "upstream">,
  body: (proxy: Gateway, log: string[]) => Promise<T>,
  app: App = echoApp,
): Promise<T> {
  const [upstream] = await createServer(app, [`uwsgi://${HOST}:0`]);
  const log: string[] = [];
  const proxy = await createProxy(`${HOST}:0`, {
    log: (line) => log.push(line),
    ...options,
    upstream: upstream!.address,
  });
  try {
    return await body(proxy, log);
  } finally {
    await proxy.close(100);
    await upstream!.close(100);
  }
}

const echoOf = (body: Buffer) => JSON.parse(body.toString()) as Echo;

/**
 * A FastCGI upstream that serves as php-fpm does with `workers` workers: each takes one
 * connection and serves it until it closes; a connection no worker has is accepted but not
 * read. Each request is answered "Content-Type: text/plain", then `answer(path)`.
 */
async function fastcgiPool(workers: number, answer: (path: string) => string = (path) => `ok ${path}`) {
  /** Paths under /slow are answered after 300 ms. */
  const delay = (path: string) => (path.startsWith("/slow") ? 300 : 0);
  let busy = 0;
  const waiting: Socket[] = [];
  const serve = (socket: Socket) => {
    busy++;
    socket.once("close", () => {
      busy--;
      const next = waiting.shift();
      if (next !== undefined) serve(next);
    });
    const decoder = new FcgiRequestDecoder({
      onHead({ requestId, env, keepConn }) {
        decoderState.set(requestId, { path: env.get("REQUEST_URI") ?? "", keepConn });
      },
      async onEnd(id) {
        const { path, keepConn } = decoderState.get(id)!;
        await sleep(delay(path));
        for (const part of encodeStream(
          RecordType.STDOUT,
          id,
          Buffer.from(`Content-Type: text/plain\r\n\r\n${answer(path)}`),
        ))
          socket.write(part);
        socket.write(encodeEndRequest(id, 0));
        decoder.completeRequest(id);
        if (!keepConn) socket.end();
      },
      onReply: (record) => socket.write(record),
    });
    const decoderState = new Map<number, { path: string; keepConn: boolean }>();
    socket.on("data", (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.resume();
  };
  const s = await stub((socket) => {
    if (busy < workers) serve(socket);
    else {
      socket.pause();
      waiting.push(socket);
    }
  });
  return s;
}

describe("a CGI answer with a 1xx status", () => {
  // Over FastCGI and SCGI, an upstream answers its first request `Status: 1xx`; two requests
  // were pipelined: the first must be a 502, the second must get its own answer.
  for (const status of [100, 101, 103, 199]) {
    it(`Status: ${status} is a 502, and the next pipelined request gets its own answer (FastCGI)`, async () => {
      const interim = await stub((socket) => {
        const decoder = new FcgiRequestDecoder({
          onHead({ requestId, env }) {
            const path = env.get("REQUEST_URI");
            const text =
              path === "/first"
                ? `Status: ${status} Continue\r\n\r\n`
                : `Content-Type: text/plain\r\n\r\nanswer to ${path}`;
            for (const part of encodeStream(RecordType.STDOUT, requestId, Buffer.from(text)))
              socket.write(part);
            socket.write(encodeEndRequest(requestId, 0));
            socket.end();
          },
        });
        socket.on("data", (chunk: Buffer) => decoder.push(chunk));
      });
      const proxy = await createProxy(`${HOST}:0`, { upstream: `fastcgi://${HOST}:${interim.port}` });
      try {
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(`GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /second HTTP/1.1\r\nHost: h\r\n\r\n`);
          const [first, second] = await raw.responses(2);
          expect(first!.status).toBe(502);
          expect([second!.status, second!.body.toString()]).toEqual([200, "answer to /second"]);
        });
      } finally {
        await proxy.close(100);
        await interim.close();
      }
    });
  }

  it("Status: 100 over SCGI is a 502 too", async () => {
    const up = await stub((socket) => socket.once("data", () => socket.end("Status: 100 Continue\r\n\r\n")));
    const proxy = await createProxy(`${HOST}:0`, { upstream: `scgi://${HOST}:${up.port}` });
    try {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        const [answer] = await raw.responses(1);
        expect(answer!.status).toBe(502);
      });
    } finally {
      await proxy.close(100);
      await up.close();
    }
  });

  it("a CGI Location without Status is a 302, as nginx answers it", async () => {
    const up = await stub((socket) => socket.once("data", () => socket.end("Location: /elsewhere\r\n\r\n")));
    const proxy = await createProxy(`${HOST}:0`, { upstream: `scgi://${HOST}:${up.port}` });
    try {
      const answer = await ask(proxy.address.port);
      expect([answer.status, answer.headers.location]).toEqual([302, "/elsewhere"]);
    } finally {
      await proxy.close(100);
      await up.close();
    }
  });
});

describe("a small FastCGI pool (php-fpm with 2 workers)", () => {
  it("keeps no connection by default: GETs then a POST are all answered at once", async () => {
    const up = await fastcgiPool(2);
    const proxy = await createProxy(`${HOST}:0`, {
      upstream: `fastcgi://${HOST}:${up.port}`,
      readTimeout: 3000,
    });
    try {
      // Two GETs at once: had their connections been kept, each would hold a worker.
      const gets = await Promise.all(["/g1", "/g2"].map((path) => ask(proxy.address.port, { path })));
      expect(gets.map((a) => a.status)).toEqual([200, 200]);
      const post = await ask(proxy.address.port, { method: "POST", path: "/p", body: Buffer.from("hello") });
      expect([post.status, post.body.toString()]).toEqual([200, "ok /p"]);
    } finally {
      await proxy.close(100);
      await up.close();
    }
  });

  it("with kept connections, closes the idle ones before it opens another", async () => {
    const up = await fastcgiPool(2);
    const proxy = await createProxy(`${HOST}:0`, {
      upstream: `fastcgi://${HOST}:${up.port}`,
      fastcgiKeepConn: 2,
      readTimeout: 3000,
    });
    try {
      // Two GETs at once: two kept connections, each holding a worker.
      const gets = await Promise.all(["/g1", "/g2"].map((path) => ask(proxy.address.port, { path })));
      expect(gets.map((a) => a.status)).toEqual([200, 200]);
      const post = await ask(proxy.address.port, { method: "POST", path: "/p", body: Buffer.from("hello") });
      expect([post.status, post.body.toString()]).toEqual([200, "ok /p"]);
    } finally {
      await proxy.close(100);
      await up.close();
    }
  });
});

describe("request bodies", () => {
  it("are read whole before the upstream is called: slow uploads hold no worker", async () => {
    // One worker: had a slow upload reached it, it would hold it, and the GET would wait.
    const up = await fastcgiPool(1);
    const proxy = await createProxy(`${HOST}:0`, {
      upstream: `fastcgi://${HOST}:${up.port}`,
      readTimeout: 3000,
    });
    try {
      const slow = await Promise.all([Raw.connect(proxy.address.port), Raw.connect(proxy.address.port)]);
      for (const raw of slow) raw.write("POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\nx");
      await sleep(100);
      const get = await ask(proxy.address.port, { path: "/quick", timeout: 2000 });
      expect([get.status, get.body.toString()]).toEqual([200, "ok /quick"]);
      for (const raw of slow) raw.destroy();
    } finally {
      await proxy.close(100);
      await up.close();
    }
  });

  it("that pause longer than bodyTimeout are a 408, logged with the request, and the connection closed", async () => {
    await behindProxy({ bodyTimeout: 300 }, async (proxy, log) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789");
        const [answer] = await raw.responses(1, 3000);
        expect(answer!.status).toBe(408);
        await raw.serverEnded(2000);
      });
      expect(log.some((line) => line.includes('"POST /upload HTTP/1.1" 408'))).toBe(true);
    });
  });

  it("that keep coming, however slowly, are not cut off", async () => {
    await behindProxy({ bodyTimeout: 300 }, async (proxy) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
        for (const byte of "hello") {
          await sleep(150);
          raw.write(byte);
        }
        const [answer] = await raw.responses(1, 3000);
        expect([answer!.status, echoOf(answer!.body).length]).toEqual([200, 5]);
      });
    });
  });
});

describe("what reaches the application", () => {
  it("a fragment is no part of the path: GET /x#/../admin reaches it as /x", async () => {
    await behindProxy({}, async (proxy) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("GET /x#/../admin HTTP/1.1\r\nHost: h\r\n\r\n");
        const [answer] = await raw.responses(1);
        const { vars } = echoOf(answer!.body);
        expect([vars.PATH_INFO, vars.QUERY_STRING]).toEqual(["/x", ""]);
      });
    });
  });

  it("header names with bytes but letters, digits and - are left out (nginx's ignore_invalid_headers)", async () => {
    await behindProxy({}, async (proxy) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write(
          "GET / HTTP/1.1\r\nHost: h\r\nX.Remote.User: admin\r\nX~A: 1\r\nX!*|^: 2\r\nX-Ok: 3\r\n\r\n",
        );
        const [answer] = await raw.responses(1);
        const names = echoOf(answer!.body).names.filter((name) => name.startsWith("HTTP_"));
        expect(names).toEqual(["HTTP_HOST", "HTTP_X_OK"]);
      });
    });
  });

  for (const host of ["a/../b", "..", "a..b", "a b", "x@evil", ""]) {
    it(`Host: ${JSON.stringify(host)} is a 400, and the connection closed`, async () => {
      await behindProxy({}, async (proxy) => {
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n`);
          const [answer] = await raw.responses(1);
          expect(answer!.status).toBe(400);
          await raw.serverEnded(2000);
          await expect(raw.responses(2, 200)).rejects.toThrow();
        });
      });
    });
  }

  // nginx answers 400 to a fragment right after an absolute-form authority (its sw_host_end), as
  // we do; one after a path it reads and drops, as we do (PATH_INFO without it).
  it("a fragment right after an absolute-form authority is a 400 and the connection closed; one after a path is dropped", async () => {
    await behindProxy({}, async (proxy) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("GET http://h.test/a#/../b HTTP/1.1\r\nHost: h.test\r\n\r\n");
        const [dropped] = await raw.responses(1);
        expect(echoOf(dropped!.body).vars.PATH_INFO).toBe("/a");
        raw.write(
          "GET http://h.test#f HTTP/1.1\r\nHost: h.test\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n",
        );
        const [, refused] = await raw.responses(2);
        expect(refused!.status).toBe(400);
        await raw.serverEnded(2000);
        await expect(raw.responses(3, 200)).rejects.toThrow();
      });
    });
  });

  it("SERVER_NAME is the proxy's own name; HTTP_HOST the request's host, else that name (HTTP/1.0 without Host)", async () => {
    await behindProxy({ serverName: "gw.example" }, async (proxy) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("GET / HTTP/1.1\r\nHost: App.Example:8080\r\n\r\nGET / HTTP/1.0\r\n\r\n");
        const [first, second] = await raw.responses(2);
        expect([echoOf(first!.body).vars.SERVER_NAME, echoOf(first!.body).vars.HTTP_HOST]).toEqual([
          "gw.example",
          "app.example",
        ]);
        expect([echoOf(second!.body).vars.SERVER_NAME, echoOf(second!.body).vars.HTTP_HOST]).toEqual([
          "gw.example",
          "gw.example",
        ]);
      });
    });
    // (By default, the listen address's host.)
    await behindProxy({}, async (proxy) => {
      const answer = await ask(proxy.address.port);
      expect(echoOf(answer.body).vars.SERVER_NAME).toBe(HOST);
    });
  });

  it("an absolute-form target: its authority is the host, REQUEST_URI its path and query", async () => {
    await behindProxy({}, async (proxy) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("GET http://evil.example/admin?q=1 HTTP/1.1\r\nHost: h\r\n\r\n");
        const [answer] = await raw.responses(1);
        const { vars } = echoOf(answer!.body);
        expect([vars.REQUEST_URI, vars.PATH_INFO, vars.QUERY_STRING, vars.HTTP_HOST]).toEqual([
          "/admin?q=1",
          "/admin",
          "q=1",
          "evil.example",
        ]);
      });
    });
  });

  it("an absolute-form target goes on to an HTTP upstream in origin-form, with its authority as Host", async () => {
    const [app] = await createServer(echoApp, [`http://${HOST}:0`]);
    const proxy = await createProxy(`${HOST}:0`, { upstream: app!.address });
    try {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("GET http://evil.example:81/admin?q=1 HTTP/1.1\r\nHost: h\r\n\r\n");
        const [answer] = await raw.responses(1);
        const { vars } = echoOf(answer!.body);
        expect([vars.REQUEST_URI, vars.HTTP_HOST]).toEqual(["/admin?q=1", "evil.example:81"]);
      });
    } finally {
      await proxy.close(100);
      await app!.close(100);
    }
  });
});

describe("answers nginx closes the connection after", () => {
  it("Transfer-Encoding: gzip, chunked is a 501 (the body would reach the app still coded)", async () => {
    await behindProxy({}, async (proxy, log) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write(
          "POST /z HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        );
        const [answer] = await raw.responses(1);
        expect(answer!.status).toBe(501);
        await raw.serverEnded(2000);
      });
      expect(log.some((line) => line.includes('"POST /z HTTP/1.1" 501'))).toBe(true);
    });
  });

  it("after the 501 for an Upgrade, a pipelined request is not read: the connection is closed", async () => {
    await behindProxy({}, async (proxy) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write(
          "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n",
        );
        await raw.serverEnded(2000);
        const answers = await raw.responses(1);
        expect(answers.map((a) => a.status)).toEqual([501]);
      });
    });
  });

  it("a 413 from the head: answered, logged with the request, and closed promptly though the client keeps sending", async () => {
    await behindProxy({ maxBody: 1000 }, async (proxy, log) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n");
        raw.write(Buffer.alloc(200_000, 1));
        const [answer] = await raw.responses(1);
        expect([answer!.status, field(answer!, "connection")]).toEqual([413, "close"]);
        // The client is still sending; the gateway reads and lets it go, then ends: the client
        // sees a FIN, and closes, and so the connection is gone (not held half-open).
        raw.write(Buffer.alloc(200_000, 2));
        await raw.serverEnded(2000);
        raw.socket.end();
        await until(() => raw.closed, 2000, "the connection is gone");
      });
      expect(log.some((line) => line.includes('"POST /big HTTP/1.1" 413'))).toBe(true);
    });
  });

  it("a 400 for a malformed request is answered, and the connection ends", async () => {
    await behindProxy({}, async (proxy) => {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n");
        const [answer] = await raw.responses(1);
        expect(answer!.status).toBe(400);
        await raw.serverEnded(2000);
      });
    });
  });
});

describe("envwire serve: a started request must keep arriving", () => {
  const listen = async (protocol: "uwsgi" | "scgi" | "fastcgi" | "http") => {
    const [server] = await createServer(echoApp, [`${protocol}://${HOST}:0`], { readTimeout: 300 });
    return server!;
  };
  const closedWithin = async (port: number, bytes: Uint8Array | string, ms: number) => {
    const raw = await Raw.connect(port);
    try {
      raw.write(bytes);
      await until(() => raw.closed || raw.ended, ms, "the server closes the connection");
      return raw;
    } finally {
      raw.destroy();
    }
  };
  const uwsgiHead = (length: number) =>
    encodeUwsgi(
      new Environ([
        ["REQUEST_METHOD", "POST"],
        ["CONTENT_LENGTH", String(length)],
      ]),
    );
  const scgiHead = (length: number) => {
    const vars = `CONTENT_LENGTH\0${length}\0SCGI\x001\0REQUEST_METHOD\0POST\0`;
    return `${vars.length}:${vars},`;
  };
  const params = encodeParams(
    1,
    new Environ([
      ["REQUEST_METHOD", "POST"],
      ["CONTENT_LENGTH", "10"],
    ]),
  );
  /** PARAMS without the empty record that ends them. */
  const unended = (bytes: Uint8Array) => bytes.subarray(0, bytes.length - 8);

  const cases: [string, "uwsgi" | "scgi" | "fastcgi" | "http", () => Uint8Array | string][] = [
    ["uwsgi: a CONTENT_LENGTH and no body", "uwsgi", () => uwsgiHead(1_000_000)],
    ["uwsgi: half a head", "uwsgi", () => uwsgiHead(1).subarray(0, 10)],
    ["SCGI: a CONTENT_LENGTH and no body", "scgi", () => scgiHead(1_000_000)],
    ["FastCGI: BEGIN_REQUEST alone", "fastcgi", () => encodeBeginRequest(1, Role.RESPONDER, false)],
    [
      "FastCGI: PARAMS never ended",
      "fastcgi",
      () => Buffer.concat([encodeBeginRequest(1, Role.RESPONDER, false), unended(params)]),
    ],
    [
      "FastCGI: STDIN never ended",
      "fastcgi",
      () =>
        Buffer.concat([
          encodeBeginRequest(1, Role.RESPONDER, false),
          params,
          ...encodeStream(RecordType.STDIN, 1, Buffer.from("abc")),
        ]),
    ],
    ["HTTP: a short body", "http", () => "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc"],
  ];
  for (const [name, protocol, bytes] of cases) {
    it(`${name}: closed after readTimeout`, async () => {
      const server = await listen(protocol);
      try {
        const raw = await closedWithin(server.address.port, bytes(), 3000);
        if (protocol === "http") expect((await raw.responses(1))[0]!.status).toBe(408);
      } finally {
        await server.close(100);
      }
    });
  }

  it("FastCGI: params a connection holds before its requests are whole are bounded (64 KiB)", async () => {
    const server = await listen("fastcgi");
    try {
      const big = new Environ([["HTTP_X", "x".repeat(60_000)]]);
      const records = [
        encodeBeginRequest(1, Role.RESPONDER, false),
        unended(encodeParams(1, big)),
        encodeBeginRequest(2, Role.RESPONDER, false),
        unended(encodeParams(2, big)),
      ];
      // (Well within readTimeout: refused for its size, not its pace.)
      await closedWithin(server.address.port, Buffer.concat(records), 200);
    } finally {
      await server.close(100);
    }
  });

  it("a request whose app reads slowly is not cut off: the wait is the app's", async () => {
    const slowReader: App = async (env, body) => {
      let length = 0;
      for await (const chunk of body) {
        length += chunk.length;
        await sleep(250);
      }
      return { status: 200, body: `${env.get("REQUEST_METHOD")} ${length}` };
    };
    const [server] = await createServer(slowReader, [`uwsgi://${HOST}:0`], { readTimeout: 200 });
    try {
      const socket = connect({ host: HOST, port: server!.address.port });
      const parts: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => parts.push(chunk));
      const closed = new Promise((resolve) => socket.on("close", resolve));
      socket.write(uwsgiHead(6 * 65536));
      socket.write(Buffer.alloc(6 * 65536, 1));
      await closed;
      expect(Buffer.concat(parts).toString()).toMatch(/POST 393216$/);
    } finally {
      await server!.close(100);
    }
  });
});

describe("a client that takes nothing of its answer", () => {
  // (Node's socket timeout lets one period pass while the kernel still takes bytes: the
  // connection goes after one to two keepAliveTimeouts, as the README says.)
  it("is cut off within two keepAliveTimeouts, whatever is left to write", async () => {
    const big: App = () => ({ status: 200, body: new Uint8Array(32 * 1024 * 1024) });
    await behindProxy(
      { keepAliveTimeout: 600 },
      async (proxy) => {
        let closedAt = 0;
        proxy.server.once("connection", (socket) => socket.once("close", () => (closedAt = Date.now())));
        const raw = await Raw.connect(proxy.address.port);
        try {
          raw.socket.pause(); // (it reads nothing; a paused client sees no close either)
          raw.write("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
          const started = Date.now();
          await until(() => closedAt > 0, 4000, "the proxy closes the connection");
          expect(closedAt - started).toBeLessThan(1500);
        } finally {
          raw.destroy();
        }
      },
      big,
    );
  });
});

// What an independent review of the fixes above found, each held here.
describe("the body timeout runs only while the body is awaited and read", () => {
  const slowGets: App = async (env, body) => {
    if (env.get("REQUEST_METHOD") === "GET") await sleep(120);
    let length = 0;
    for await (const chunk of body) length += chunk.length;
    return { status: 200, body: `${env.get("REQUEST_METHOD")} ${length}` };
  };

  it("not while pipelined requests ahead of it are answered (the socket is not read then)", async () => {
    const [server] = await createServer(slowGets, [`http://${HOST}:0`], { readTimeout: 400 });
    try {
      await withRaw(server!.address.port, async (raw) => {
        raw.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n".repeat(9));
        raw.write("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n");
        await sleep(50); // (the body comes in a read of its own, once the gateway has stopped reading)
        raw.write("0123456789");
        const answers = await raw.responses(10, 5000);
        expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
        expect(answers[9]!.body.toString()).toBe("POST 10");
      });
    } finally {
      await server!.close(100);
    }
  });

  it("with Expect: 100-continue, from when the app asks for the body (and 100 Continue goes out)", async () => {
    const lateReader: App = async (_, body) => {
      await sleep(700);
      let length = 0;
      for await (const chunk of body) length += chunk.length;
      return { status: 200, body: `read ${length}` };
    };
    const [server] = await createServer(lateReader, [`http://${HOST}:0`], { readTimeout: 400 });
    try {
      await withRaw(server!.address.port, async (raw) => {
        raw.write("POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        const [interim] = await raw.responses(1, 3000);
        expect(interim!.status).toBe(100);
        raw.write("hello");
        const answers = await raw.responses(2, 3000);
        expect([answers[1]!.status, answers[1]!.body.toString()]).toEqual([200, "read 5"]);
      });
    } finally {
      await server!.close(100);
    }
  });

  it("a request answered before its body is whole gets that answer only: a stall then closes, with no second answer", async () => {
    const refuses: App = () => ({ status: 403, body: "no" });
    const [server] = await createServer(refuses, [`http://${HOST}:0`], { readTimeout: 300 });
    try {
      await withRaw(server!.address.port, async (raw) => {
        raw.write("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789");
        await raw.serverEnded(3000);
        expect(parseResponses(raw.bytes).map((a) => a.status)).toEqual([403]);
      });
    } finally {
      await server!.close(100);
    }
  });
});

describe("kept FastCGI connections, under concurrency", () => {
  it("a POST that opens a connection while GETs are in flight is answered: their connections are not kept meanwhile", async () => {
    const up = await fastcgiPool(2);
    const proxy = await createProxy(`${HOST}:0`, {
      upstream: `fastcgi://${HOST}:${up.port}`,
      fastcgiKeepConn: 2,
      readTimeout: 3000,
    });
    try {
      const gets = Promise.all(["/slow1", "/slow2"].map((path) => ask(proxy.address.port, { path })));
      await sleep(100);
      const post = await ask(proxy.address.port, { method: "POST", path: "/p", body: Buffer.from("hello") });
      expect([post.status, post.body.toString()]).toEqual([200, "ok /p"]);
      expect((await gets).map((a) => a.status)).toEqual([200, 200]);
    } finally {
      await proxy.close(100);
      await up.close();
    }
  });

  // A request is sent again on a new connection only when its kept one closed without a byte
  // of an answer, and only if its method may be repeated.
  async function keptThenFails(method: string, fault: "close" | "interim") {
    const seen: string[] = [];
    const up = await stub((socket) => {
      const decoder = new FcgiRequestDecoder({
        onHead({ requestId, env, keepConn }) {
          const line = `${env.get("REQUEST_METHOD")} ${env.get("REQUEST_URI")}`;
          seen.push(line);
          if (line === "GET /warm") {
            for (const part of encodeStream(
              RecordType.STDOUT,
              requestId,
              Buffer.from("Status: 200\r\n\r\nwarm"),
            ))
              socket.write(part);
            socket.write(encodeEndRequest(requestId, 0));
            decoder.completeRequest(requestId);
            if (!keepConn) socket.end();
          } else if (fault === "close" && seen.filter((l) => l === line).length === 1) socket.destroy();
          else {
            const text = fault === "interim" ? "Status: 103 Early Hints\r\n\r\n" : "Status: 200\r\n\r\nagain";
            for (const part of encodeStream(RecordType.STDOUT, requestId, Buffer.from(text)))
              socket.write(part);
            socket.write(encodeEndRequest(requestId, 0));
            socket.end();
          }
        },
        onReply: (record) => socket.write(record),
      });
      socket.on("data", (chunk: Buffer) => decoder.push(chunk));
    });
    const proxy = await createProxy(`${HOST}:0`, {
      upstream: `fastcgi://${HOST}:${up.port}`,
      fastcgiKeepConn: 1,
    });
    try {
      expect((await ask(proxy.address.port, { path: "/warm" })).status).toBe(200);
      const answer = await ask(proxy.address.port, { method, path: "/x" });
      return { status: answer.status, seen };
    } finally {
      await proxy.close(100);
      await up.close();
    }
  }

  it("a DELETE whose kept connection closed unanswered is sent again; a POST is not", async () => {
    expect(await keptThenFails("DELETE", "close")).toEqual({
      status: 200,
      seen: ["GET /warm", "DELETE /x", "DELETE /x"],
    });
    expect(await keptThenFails("POST", "close")).toEqual({ status: 502, seen: ["GET /warm", "POST /x"] });
  });

  it("an answer the proxy refuses (Status: 1xx) is not a reason to send the request again", async () => {
    expect(await keptThenFails("DELETE", "interim")).toEqual({
      status: 502,
      seen: ["GET /warm", "DELETE /x"],
    });
  });
});

describe("hosts and options, as nginx takes them", () => {
  for (const [request, status] of [
    ["GET / HTTP/1.1\r\nHost: .\r\n\r\n", 400],
    ["GET / HTTP/1.0\r\nHost: \r\n\r\n", 400],
    ["GET http://u:p@evil.example/admin HTTP/1.1\r\nHost: h\r\n\r\n", 400],
  ] as const) {
    it(`${JSON.stringify(request.split("\r\n")[0])} with ${JSON.stringify(request.split("\r\n")[1])}: ${status}`, async () => {
      await behindProxy({}, async (proxy) => {
        await withRaw(proxy.address.port, async (raw) => {
          raw.write(request);
          const [answer] = await raw.responses(1);
          expect(answer!.status).toBe(status);
        });
      });
    });
  }

  it("HTTP_HOST is the host without its trailing dot, as nginx's $host", async () => {
    await behindProxy({}, async (proxy) => {
      const answer = await ask(proxy.address.port, { headers: { Host: "Example.COM.:8080" } });
      expect(echoOf(answer.body).vars.HTTP_HOST).toBe("example.com");
    });
  });

  it("a timeout of 0 (or not a number) is a TypeError at the call", async () => {
    for (const options of [{ bodyTimeout: 0 }, { readTimeout: -1 }, { connectTimeout: Number.NaN }])
      await expect(createProxy(`${HOST}:0`, { upstream: "uwsgi://127.0.0.1:1", ...options })).rejects.toThrow(
        TypeError,
      );
    await expect(createServer(echoApp, [`uwsgi://${HOST}:0`], { readTimeout: 0 })).rejects.toThrow(TypeError);
  });
});

describe("Unix sockets", () => {
  it("envwire proxy on one, in front of envwire serve's FastCGI on another", async () => {
    const dir = mkdtempSync(join(tmpdir(), "envwire-unix-"));
    const [app] = await createServer(echoApp, [`fastcgi://${join(dir, "app.sock")}`]);
    const proxy = await createProxy(`http://unix:${join(dir, "proxy.sock")}`, { upstream: app!.address });
    try {
      expect(app!.address).toEqual({ protocol: "fastcgi", host: "", port: 0, path: join(dir, "app.sock") });
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ path: join(dir, "proxy.sock") });
        const parts: Buffer[] = [];
        socket.on("data", (chunk: Buffer) => parts.push(chunk));
        socket.on("end", () => resolve(Buffer.concat(parts).toString("latin1")));
        socket.on("error", reject);
        socket.write("GET /info.php?x=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
      });
      const [response] = parseResponses(Buffer.from(answer, "latin1"));
      const { vars } = echoOf(response!.body);
      expect([response!.status, vars.QUERY_STRING, vars.SCRIPT_FILENAME, vars.SERVER_NAME]).toEqual([
        200,
        "x=1",
        "/var/www/html/info.php",
        "localhost",
      ]);
    } finally {
      await proxy.close(100);
      await app!.close(100);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads PROTOCOL:///PATH and nginx's PROTOCOL://unix:/PATH", () => {
    for (const text of ["fastcgi:///run/php/php8.2-fpm.sock", "fastcgi://unix:/run/php/php8.2-fpm.sock"])
      expect(parseAddress(text)).toEqual({
        protocol: "fastcgi",
        host: "",
        port: 0,
        path: "/run/php/php8.2-fpm.sock",
      });
    expect(formatAddress(parseAddress("uwsgi:///tmp/a.sock"))).toBe("uwsgi:///tmp/a.sock");
  });
});
