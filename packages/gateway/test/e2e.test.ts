/**
 * End to end on loopback: createProxy in front of createServer for each of the four upstream
 * protocols, driven with node:http and raw sockets. Every listener is on 127.0.0.1:0 and is
 * closed in afterAll or a finally; every wait is bounded.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { Agent, request } from "node:http";
import { Environ } from "@envwire/environ";
import {
  encodeBeginRequest,
  encodeGetValues,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  RequestDecoder as FcgiRequestDecoder,
  ResponseDecoder as FcgiResponseDecoder,
  RecordType,
  Role,
} from "@envwire/fastcgi-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gc } from "../../../test/support/gc.js";
import {
  type App,
  createProxy,
  createServer,
  type Gateway,
  NGINX_PARAMS,
  type Protocol,
  type ProxyOptions,
} from "../src/index.js";
import {
  type Answer,
  ask,
  blocks,
  blocksDigest,
  deadPort,
  type Echo,
  echoApp,
  field,
  HOST,
  type MemoryPeak,
  Raw,
  report,
  sampleMemory,
  sha256,
  showPeak,
  sleep,
  stub,
  until,
  within,
  withRaw,
} from "./support.js";

const PROTOCOLS: readonly Protocol[] = ["uwsgi", "fastcgi", "scgi", "http"];
const CGI: readonly Exclude<Protocol, "http">[] = ["uwsgi", "fastcgi", "scgi"];
const MiB = 1024 * 1024;

/** An app server for `app` on `protocol` and a proxy in front of it; close() closes both. */
interface Pair {
  proxy: Gateway;
  app: Gateway;
  port: number;
  log: string[];
  appLog: string[];
  close(): Promise<void>;
}

async function pair(
  protocol: Protocol,
  app: App = echoApp,
  options: Omit<ProxyOptions, "upstream"> = {},
): Promise<Pair> {
  const appLog: string[] = [];
  const [appGateway] = await createServer(app, [`${protocol}://${HOST}:0`], {
    log: (line) => appLog.push(line),
  });
  const log: string[] = [];
  let proxy: Gateway;
  try {
    proxy = await createProxy(`${HOST}:0`, {
      log: (line) => log.push(line),
      ...options,
      upstream: { ...appGateway!.address },
    });
  } catch (error) {
    await appGateway!.close(0);
    throw error;
  }
  return {
    proxy,
    app: appGateway!,
    port: proxy.address.port,
    log,
    appLog,
    async close() {
      await Promise.all([proxy.close(200), appGateway!.close(200)]);
    },
  };
}

/** Runs `body` with a fresh pair, closed after whatever happens. */
async function withPair<T>(
  protocol: Protocol,
  app: App,
  options: Omit<ProxyOptions, "upstream">,
  body: (p: Pair) => Promise<T>,
): Promise<T> {
  const p = await pair(protocol, app, options);
  try {
    return await body(p);
  } finally {
    await p.close();
  }
}

const echoOf = (answer: Answer): Echo => JSON.parse(answer.body.toString("utf8")) as Echo;

/** The variable each protocol's params give the decoded path in. */
const PATH_VAR: Record<Protocol, string> = {
  uwsgi: "PATH_INFO",
  fastcgi: "DOCUMENT_URI",
  scgi: "DOCUMENT_URI",
  http: "PATH_INFO",
};

const HOP_BY_HOP = ["HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_TRANSFER_ENCODING", "HTTP_TE", "HTTP_EXPECT"];

// 1 ---------------------------------------------------------------------------------------

describe.each(PROTOCOLS)("proxy → %s app", (protocol) => {
  let p: Pair;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  beforeAll(async () => {
    p = await pair(protocol);
  });
  afterAll(async () => {
    agent.destroy();
    await p?.close();
  });

  const target = "/a%20b/c?x=1&y=2";
  const payload = Buffer.from("hello, world: a request body of some bytes\n".repeat(100));

  function expectCommon(answer: Answer, method: string): Echo {
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.headers["x-echo"]).toBe("yes");
    const echo = echoOf(answer);
    expect(echo.protocol).toBe(protocol);
    const v = echo.vars;
    expect(v.REQUEST_METHOD).toBe(method);
    expect(v.REQUEST_URI).toBe(target);
    expect(v[PATH_VAR[protocol]]).toBe("/a b/c");
    expect(v.QUERY_STRING).toBe("x=1&y=2");
    expect(v.HTTP_X_CUSTOM).toBe("custom value");
    expect(v.REMOTE_ADDR).toBe(HOST);
    for (const name of HOP_BY_HOP) expect(echo.names).not.toContain(name);
    expect(p.log.length).toBeGreaterThan(0);
    return echo;
  }

  it("GET", async () => {
    const answer = await ask(p.port, { path: target, headers: { "X-Custom": "custom value" }, agent });
    const echo = expectCommon(answer, "GET");
    expect(echo.length).toBe(0);
    expect(echo.sha256).toBe(sha256());
    // nginx's $content_length is empty without a body; SCGI always sends a number.
    if (protocol === "uwsgi" || protocol === "fastcgi") expect(echo.vars.CONTENT_LENGTH).toBe("");
    if (protocol === "scgi") expect(echo.vars.CONTENT_LENGTH).toBe("0");
    if (protocol === "http") expect(echo.vars.CONTENT_LENGTH ?? "0").toBe("0");
  });

  it("POST with Content-Length", async () => {
    const answer = await ask(p.port, {
      method: "POST",
      path: target,
      headers: { "X-Custom": "custom value", "Content-Type": "text/plain" },
      body: payload,
      agent,
    });
    const echo = expectCommon(answer, "POST");
    expect(echo.vars.CONTENT_LENGTH).toBe(String(payload.length));
    expect(echo.vars.CONTENT_TYPE).toBe("text/plain");
    expect([echo.length, echo.sha256]).toEqual([payload.length, sha256(payload)]);
  });

  it("chunked POST (spooled: sent on with its CONTENT_LENGTH)", async () => {
    const chunks = [payload.subarray(0, 1000), payload.subarray(1000, 3000), payload.subarray(3000)];
    const answer = await ask(p.port, {
      method: "POST",
      path: target,
      headers: { "X-Custom": "custom value" },
      chunks,
      agent,
    });
    const echo = expectCommon(answer, "POST");
    expect(echo.vars.CONTENT_LENGTH).toBe(String(payload.length));
    expect([echo.length, echo.sha256]).toEqual([payload.length, sha256(payload)]);
  });

  // A bodiless request goes to an HTTP upstream without framing, as nginx's proxy_pass sends it.
  it("a GET is sent on without Transfer-Encoding", async () => {
    const echo = echoOf(await ask(p.port, { path: target, agent }));
    expect(echo.names).not.toContain("HTTP_TRANSFER_ENCODING");
    expect(echo.vars.CONTENT_LENGTH ?? "").not.toMatch(/[1-9]/);
  });

  it("drops the fields a Connection header names", async () => {
    const answer = await ask(p.port, {
      path: target,
      headers: { "X-Custom": "custom value", Connection: "keep-alive, X-Hop", "X-Hop": "secret" },
      agent,
    });
    const echo = expectCommon(answer, "GET");
    expect(echo.names).not.toContain("HTTP_X_HOP");
  });
});

// 2 ---------------------------------------------------------------------------------------

describe.each(CGI)("NGINX_PARAMS order over %s", (protocol) => {
  it("the params in order (HTTPS left out over plain HTTP), then --param extras, then HTTP_*", async () => {
    const params: [string, string][] = [
      ["APP_ENV", "test"],
      ["X_EXTRA", "two words"],
    ];
    await withPair(protocol, echoApp, { params }, async (p) => {
      const answer = await ask(p.port, { path: "/p?q=1", headers: { "X-A": "1", "X-B": "2" } });
      const { names, vars } = echoOf(answer);
      // SCGI's netstring starts with CONTENT_LENGTH, which nginx adds before scgi_params.
      const expected = [
        ...(protocol === "scgi" ? ["CONTENT_LENGTH"] : []),
        ...NGINX_PARAMS[protocol].filter((name) => name !== "HTTPS"),
        // (Without scriptFilename, FastCGI gets nginx's $document_root$fastcgi_script_name.)
        ...(protocol === "fastcgi" ? ["SCRIPT_FILENAME"] : []),
        "APP_ENV",
        "X_EXTRA",
      ];
      expect(names.slice(0, expected.length)).toEqual(expected);
      const rest = names.slice(expected.length);
      expect(rest.every((name) => name.startsWith("HTTP_"))).toBe(true);
      expect(rest.filter((name) => name.startsWith("HTTP_X_"))).toEqual(["HTTP_X_A", "HTTP_X_B"]);
      expect(vars.X_EXTRA).toBe("two words");
      if (protocol === "fastcgi") expect(vars.SCRIPT_FILENAME).toBe("/var/www/html/p");
      expect(vars.HTTP_HOST).toBe(HOST);
      expect(vars.SERVER_PORT).toBe(String(p.port));
    });
  });
});

// 3 ---------------------------------------------------------------------------------------

describe("keep-alive and pipelining", () => {
  it.each(PROTOCOLS)("several requests on one kept-alive connection (%s)", async (protocol) => {
    await withPair(protocol, echoApp, {}, async (p) => {
      let connections = 0;
      p.proxy.server.on("connection", () => connections++);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const ports = new Set<number>();
        for (let i = 0; i < 5; i++) {
          const answer = await ask(p.port, {
            method: i % 2 ? "POST" : "GET",
            path: `/k/${i}`,
            ...(i % 2 ? { body: Buffer.from(`body ${i}`) } : {}),
            agent,
          });
          expect(answer.status).toBe(200);
          expect(answer.headers.connection ?? "keep-alive").toBe("keep-alive");
          expect(echoOf(answer).vars.REQUEST_URI).toBe(`/k/${i}`);
          ports.add(answer.localPort);
        }
        expect(connections).toBe(1);
        expect(ports.size).toBe(1);
      } finally {
        agent.destroy();
      }
    });
  });

  it("FastCGI: bodiless requests reuse one KEEP_CONN connection to the app, when asked to keep one", async () => {
    await withPair("fastcgi", echoApp, { fastcgiKeepConn: 1 }, async (p) => {
      let appConnections = 0;
      p.app.server.on("connection", () => appConnections++);
      for (let i = 0; i < 5; i++) expect((await ask(p.port, { path: `/r/${i}` })).status).toBe(200);
      expect(appConnections).toBe(1);
    });
  });

  // Requests on a kept FastCGI connection leave no listeners behind (the 11th would warn).
  it("FastCGI: a kept connection does not pile up listeners (no MaxListenersExceededWarning)", async () => {
    const warnings: Error[] = [];
    const saved = process.listeners("warning");
    process.removeAllListeners("warning"); // (Node's own listener would print it)
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      await withPair("fastcgi", echoApp, { fastcgiKeepConn: 1 }, async (p) => {
        for (let i = 0; i < 15; i++) expect((await ask(p.port, { path: `/w/${i}` })).status).toBe(200);
      });
      await sleep(50);
    } finally {
      process.off("warning", onWarning);
      for (const listener of saved) process.on("warning", listener);
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });

  it("three pipelined requests in one write: three answers, in order", async () => {
    // The first is the slowest to answer: order must come from the proxy, not from timing.
    const app: App = async (env, body, context) => {
      const n = Number(env.get("QUERY_STRING")?.slice(2));
      await sleep((3 - n) * 100);
      return echoApp(env, body, context);
    };
    await withPair("uwsgi", app, {}, async (p) => {
      const raw = await Raw.connect(p.port);
      try {
        const req = (n: number, extra = "") => `GET /pipe?n=${n} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
        raw.write(req(1) + req(2) + req(3));
        const answers = await raw.responses(3);
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
        const uris = answers.map((a) => (JSON.parse(a.body.toString()) as Echo).vars.REQUEST_URI);
        expect(uris).toEqual(["/pipe?n=1", "/pipe?n=2", "/pipe?n=3"]);
        expect(raw.closed).toBe(false);
      } finally {
        raw.destroy();
      }
    });
  });

  it("pipelined POSTs with bodies, the last asking to close", async () => {
    await withPair("scgi", echoApp, {}, async (p) => {
      const raw = await Raw.connect(p.port);
      try {
        const post = (n: number, extra = "") =>
          `POST /b${n} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n${extra}\r\nbody${n}`;
        raw.write(post(1) + post(2) + post(3, "Connection: close\r\n"));
        const answers = await raw.responses(3);
        expect(answers.map((a) => (JSON.parse(a.body.toString()) as Echo).sha256)).toEqual([
          sha256(Buffer.from("body1")),
          sha256(Buffer.from("body2")),
          sha256(Buffer.from("body3")),
        ]);
        expect(field(answers[2]!, "connection")).toBe("close");
        await raw.serverEnded();
      } finally {
        raw.destroy();
      }
    });
  });
});

describe("HEAD, errors and idle connections", () => {
  const big: App = () => ({
    status: 200,
    headers: { "Content-Type": "text/plain" },
    body: Buffer.alloc(MiB, 0x61),
  });

  it.each(PROTOCOLS)("HEAD: no body, and the next request is answered (%s)", async (protocol) => {
    await withPair(protocol, big, {}, async (p) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const head = await ask(p.port, { method: "HEAD", path: "/h", agent, timeout: 3000 });
        expect(head.status).toBe(200);
        expect(head.body.length).toBe(0);
        const get = await ask(p.port, { path: "/g", agent, timeout: 3000 });
        expect(get.body.length).toBe(MiB);
      } finally {
        agent.destroy();
      }
    });
  });

  // A HEAD answer carries the Content-Length a GET's would (RFC 9110 §9.3.2) when it is known:
  // without it Node's client does not reuse the kept-alive connection.
  it.each(["uwsgi", "http"] as const)(
    "a HEAD answer carries the Content-Length a GET's would (%s)",
    async (protocol) => {
      await withPair(protocol, big, {}, async (p) => {
        const head = await ask(p.port, { method: "HEAD", path: "/h", timeout: 3000 });
        expect(head.headers["content-length"]).toBe(String(MiB));
      });
    },
  );

  const connections = (g: Gateway) =>
    new Promise<number>((resolve, reject) => g.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

  // A CGI application may send a body for HEAD: the proxy reads and drops it, so the upstream
  // finishes its answer and a kept FastCGI connection serves the next request.
  it("SCGI: after a HEAD with a 1 MiB body, the app's connection is let go", async () => {
    await withPair("scgi", big, {}, async (p) => {
      expect((await ask(p.port, { method: "HEAD", path: "/h", timeout: 3000 })).status).toBe(200);
      const deadline = Date.now() + 2000;
      let open = await connections(p.app);
      while (open > 0 && Date.now() < deadline) {
        await sleep(20);
        open = await connections(p.app);
      }
      expect(open).toBe(0);
    });
  });

  it("FastCGI: after a HEAD with a 1 MiB body, the kept connection serves the next request", async () => {
    await withPair("fastcgi", big, { fastcgiKeepConn: 1 }, async (p) => {
      let appConnections = 0;
      p.app.server.on("connection", () => appConnections++);
      expect((await ask(p.port, { method: "HEAD", path: "/h", timeout: 3000 })).status).toBe(200);
      await sleep(100);
      expect((await ask(p.port, { path: "/g", timeout: 3000 })).body.length).toBe(MiB);
      expect(appConnections).toBe(1);
    });
  });

  it.each(PROTOCOLS)("an app that throws: 500 (%s)", async (protocol) => {
    const app: App = () => {
      throw new Error("app failure");
    };
    await withPair(protocol, app, {}, async (p) => {
      const answer = await ask(p.port, { path: "/throw" });
      expect(answer.status).toBe(500);
    });
  });

  it("an idle kept-alive connection is closed after keepAliveTimeout", async () => {
    await withPair("uwsgi", echoApp, { keepAliveTimeout: 200 }, async (p) => {
      const raw = await Raw.connect(p.port);
      try {
        raw.write("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
        await raw.responses(1);
        const start = Date.now();
        await raw.serverEnded(3000);
        expect(Date.now() - start).toBeGreaterThanOrEqual(150);
      } finally {
        raw.destroy();
      }
    });
  });
});

// 4 ---------------------------------------------------------------------------------------

describe("Expect: 100-continue", () => {
  async function expectContinue(protocol: Protocol): Promise<void> {
    await withPair(protocol, echoApp, {}, async (p) => {
      const raw = await Raw.connect(p.port);
      try {
        raw.write("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
        await until(() => raw.text.includes("\r\n\r\n"), 3000, "100 Continue");
        expect(raw.text).toBe("HTTP/1.1 100 Continue\r\n\r\n");
        raw.write("hello world");
        const answers = await raw.responses(2, 3000);
        expect(answers.map((a) => a.status)).toEqual([100, 200]);
        const echo = JSON.parse(answers[1]!.body.toString()) as Echo;
        expect(echo.sha256).toBe(sha256(Buffer.from("hello world")));
        expect(echo.names).not.toContain("HTTP_EXPECT");
      } finally {
        raw.destroy();
      }
    });
  }

  it.each(PROTOCOLS)("100 Continue before the body, then the answer (%s)", expectContinue);

  it("a Content-Length over maxBody is 413 at once, without 100 Continue", async () => {
    await withPair("uwsgi", echoApp, { maxBody: 1024 }, async (p) => {
      const raw = await Raw.connect(p.port);
      try {
        raw.write("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\nExpect: 100-continue\r\n\r\n");
        const [answer] = await raw.responses(1, 3000);
        expect(answer!.status).toBe(413);
        await raw.serverEnded();
      } finally {
        raw.destroy();
      }
    });
  });
});

// 5 ---------------------------------------------------------------------------------------

describe("bad requests", () => {
  let p: Pair;
  beforeAll(async () => {
    p = await pair("uwsgi", echoApp, { maxBody: 1024, limits: { maxHeadSize: 2048 } });
  });
  afterAll(async () => {
    await p?.close();
  });

  async function send(bytes: string): Promise<{ status: number; closed: boolean; log: string }> {
    const before = p.log.length;
    const raw = await Raw.connect(p.port);
    try {
      raw.write(bytes);
      const [answer] = await raw.responses(1, 3000);
      await raw.serverEnded(3000);
      await until(() => p.log.length > before, 1000, "a log line");
      return { status: answer!.status, closed: raw.ended || raw.closed, log: p.log[before]! };
    } finally {
      raw.destroy();
    }
  }

  it("a malformed request line: 400, its ProtocolError code in the log, the connection closed", async () => {
    const { status, closed, log } = await send("THIS IS NOT HTTP\r\n\r\n");
    expect(status).toBe(400);
    expect(closed).toBe(true);
    expect(log).toMatch(/" 400 \d+ \d+ms HTTP_[A-Z_]+$/);
  });

  it("a head over the limit: 431", async () => {
    const { status, closed, log } = await send(
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(4096)}\r\n\r\n`,
    );
    expect(status).toBe(431);
    expect(closed).toBe(true);
    expect(log).toMatch(/ 431 .* HTTP_[A-Z_]+$/);
  });

  it("a Content-Length over maxBody: 413", async () => {
    const { status, closed } = await send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n");
    expect(status).toBe(413);
    expect(closed).toBe(true);
  });

  it("a chunked body over maxBody: 413", async () => {
    const chunk = `200\r\n${"b".repeat(0x200)}\r\n`;
    const { status, closed } = await send(
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(3)}0\r\n\r\n`,
    );
    expect(status).toBe(413);
    expect(closed).toBe(true);
  });

  it.each(["fastcgi", "scgi", "http"] as const)("a chunked body over maxBody: 413 (%s)", async (protocol) => {
    await withPair(protocol, echoApp, { maxBody: 1024 }, async (q) => {
      const raw = await Raw.connect(q.port);
      try {
        raw.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (let i = 0; i < 3; i++) raw.write(`200\r\n${"b".repeat(0x200)}\r\n`);
        const [answer] = await raw.responses(1, 3000);
        expect(answer!.status).toBe(413);
      } finally {
        raw.destroy();
      }
    });
  });
});

// 6 ---------------------------------------------------------------------------------------

describe.each(PROTOCOLS)("upstream failures (%s)", (protocol) => {
  async function via(port: number, options: Omit<ProxyOptions, "upstream"> = {}): Promise<Answer> {
    const proxy = await createProxy(`${HOST}:0`, {
      upstream: { protocol, host: HOST, port },
      log: undefined,
      ...options,
    });
    try {
      return await ask(proxy.address.port, { path: "/u", timeout: 3000 });
    } finally {
      await proxy.close(200);
    }
  }

  it("nothing listening: 502", async () => {
    expect((await via(await deadPort())).status).toBe(502);
  });

  it("an upstream that resets at once: 502", async () => {
    const s = await stub((socket) => socket.resetAndDestroy());
    try {
      expect((await via(s.port)).status).toBe(502);
    } finally {
      await s.close();
    }
  });

  it("an upstream that answers garbage: 502", async () => {
    const s = await stub((socket) => {
      socket.once("data", () => socket.end("\x00\x01\x02 garbage, not an answer\r\n\r\n"));
    });
    try {
      expect((await via(s.port)).status).toBe(502);
    } finally {
      await s.close();
    }
  });

  it("an upstream that never answers: 504 after readTimeout", async () => {
    const s = await stub((socket) => socket.resume());
    try {
      const start = Date.now();
      expect((await via(s.port, { readTimeout: 300 })).status).toBe(504);
      expect(Date.now() - start).toBeLessThan(2500);
    } finally {
      await s.close();
    }
  });

  // An upstream that closes (FIN) without a byte of answer is a 502, not a hang.
  it("an upstream that closes (FIN) without answering: 502", async () => {
    const s = await stub((socket) => socket.once("data", () => socket.end()));
    try {
      expect((await via(s.port)).status).toBe(502);
    } finally {
      await s.close();
    }
  });
});

// 7 ---------------------------------------------------------------------------------------

describe("a client that goes away", () => {
  /** An app that records when its signal aborts (and never answers on its own, but after 5 s). */
  function waitingApp(seen: { entered: boolean; aborted: boolean; bodyError: unknown }): App {
    return async (_env, body, context) => {
      seen.entered = true;
      const aborted = new Promise<void>((resolve) =>
        context.signal.addEventListener("abort", () => resolve()),
      );
      void (async () => {
        try {
          for await (const _ of body) {
            // read on
          }
        } catch (error) {
          seen.bodyError = error;
        }
      })();
      await within(aborted, 5000, "the signal aborts").catch(() => {});
      seen.aborted = context.signal.aborted;
      return { status: 200, body: "late" };
    };
  }

  it.each(PROTOCOLS)("before the answer: the app's signal aborts (%s)", async (protocol) => {
    const seen = { entered: false, aborted: false, bodyError: undefined as unknown };
    await withPair(protocol, waitingApp(seen), {}, async (p) => {
      await withRaw(p.port, async (raw) => {
        raw.write("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n");
        await until(() => seen.entered, 3000, "the app is called");
        raw.destroy();
        await until(() => seen.aborted, 3000, "the app's signal aborts");
      });
    });
  });

  // (Without request buffering: with it, the app is called only once the body is whole.)
  it.each(PROTOCOLS)("mid-upload: the app's signal aborts and its body fails (%s)", async (protocol) => {
    const seen = { entered: false, aborted: false, bodyError: undefined as unknown };
    await withPair(protocol, waitingApp(seen), { maxBody: 4 * MiB, requestBuffering: false }, async (p) => {
      await withRaw(p.port, async (raw) => {
        raw.write(`POST /gone HTTP/1.1\r\nHost: x\r\nContent-Length: ${MiB}\r\n\r\n`);
        raw.write(Buffer.alloc(100_000, 1));
        await until(() => seen.entered, 3000, "the app is called");
        raw.destroy();
        await until(() => seen.aborted && seen.bodyError !== undefined, 3000, "the app sees the client go");
      });
    });
  });

  it("FastCGI: the app's server is sent ABORT_REQUEST for the request", async () => {
    const records: string[] = [];
    const s = await stub((socket) => {
      const decoder = new FcgiRequestDecoder({
        onHead: ({ requestId }) => records.push(`head ${requestId}`),
        onAbort: (id) => records.push(`abort ${id}`),
      });
      socket.on("data", (chunk: Buffer) => decoder.push(chunk));
    });
    const proxy = await createProxy(`${HOST}:0`, {
      upstream: { protocol: "fastcgi", host: HOST, port: s.port },
    });
    try {
      await withRaw(proxy.address.port, async (raw) => {
        raw.write("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n");
        await until(() => records.includes("head 1"), 3000, "PARAMS arrive");
        raw.destroy();
        await until(() => records.includes("abort 1"), 3000, "ABORT_REQUEST arrives");
      });
    } finally {
      await proxy.close(200);
      await s.close();
    }
  });

  // A client gone mid-download ends the upstream request too: the app's signal aborts (FastCGI:
  // ABORT_REQUEST), and its connection is let go.
  it.each(PROTOCOLS)("mid-download: the app's signal aborts (%s)", async (protocol) => {
    let aborted = false;
    let produced = 0;
    const app: App = (_env, _body, context) => {
      context.signal.addEventListener("abort", () => {
        aborted = true;
      });
      async function* stream(): AsyncIterable<Uint8Array> {
        for await (const chunk of blocks(256 * MiB, context.signal)) {
          produced += chunk.length;
          yield chunk;
        }
      }
      return { status: 200, body: stream() };
    };
    await withPair(protocol, app, {}, async (p) => {
      await withRaw(p.port, async (raw) => {
        raw.write("GET /download HTTP/1.1\r\nHost: x\r\n\r\n");
        await until(() => raw.length > MiB, 5000, "a first MiB");
        raw.destroy();
        await until(() => aborted, 2000, "the app's signal aborts");
        expect(produced).toBeLessThan(64 * MiB);
      });
    });
  });
});

// 8, 9 ------------------------------------------------------------------------------------

describe("streaming and memory (proxy → uwsgi app)", () => {
  const SIZE = Number(process.env.E2E_STREAM_MIB ?? 100) * MiB;

  it(`a ${SIZE / MiB} MiB upload (Content-Length), streamed, in flat memory`, async () => {
    const hashes: string[] = [];
    const app: App = async (_env, body) => {
      const hash = createHash("sha256");
      let length = 0;
      for await (const chunk of body) {
        hash.update(chunk);
        length += chunk.length;
      }
      hashes.push(hash.digest("hex"));
      return { status: 200, body: String(length) };
    };
    await withPair("uwsgi", app, { maxBody: SIZE }, async (p) => {
      const memory = sampleMemory(gc);
      const start = Date.now();
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = request(
          {
            host: HOST,
            port: p.port,
            method: "POST",
            path: "/up",
            agent: false,
            headers: { "Content-Length": SIZE },
          },
          (res) => {
            const parts: Buffer[] = [];
            res.on("data", (c: Buffer) => parts.push(c));
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(parts),
                localPort: 0,
              }),
            );
          },
        );
        req.on("error", reject);
        const timer = setTimeout(() => req.destroy(new Error("upload: not within 50 s")), 50_000);
        req.on("close", () => clearTimeout(timer));
        void (async () => {
          let sent = 0;
          let checkpoints = 0;
          for await (const chunk of blocks(SIZE)) {
            sent += chunk.length;
            // (a live figure at a third and two thirds of the way)
            if (sent > ((checkpoints + 1) * SIZE) / 3 && checkpoints < 2) {
              checkpoints++;
              memory.checkpoint();
            }
            if (!req.write(chunk)) await once(req, "drain");
          }
          req.end();
        })().catch(reject);
      });
      const ms = Date.now() - start;
      const peak = memory.stop();
      report(
        `upload ${SIZE / MiB} MiB: ${ms} ms (${((SIZE / MiB / ms) * 1000).toFixed(1)} MiB/s); ${showPeak(peak)}`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toBe(String(SIZE));
      expect(hashes).toEqual([blocksDigest(SIZE)]);
      expect(peak.raw.rss).toBeLessThan(64);
      expect(peak.live.arrayBuffers).toBeLessThan(32);
    });
  });

  /** Downloads `size` bytes of BLOCKS through the proxy, `pause` ms paused once a MiB has come. */
  async function download(size: number, pause: number) {
    let produced = 0;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const chunk of blocks(size)) {
        produced += chunk.length;
        yield chunk;
      }
    }
    const app: App = () => ({
      status: 200,
      headers: { "Content-Type": "application/octet-stream" },
      body: counted(),
    });
    return withPair("uwsgi", app, {}, async (p) => {
      const memory = sampleMemory(gc);
      const start = Date.now();
      let pausedPeak: MemoryPeak | undefined;
      /** What the app had produced past what the client had read, at the end of the pause, in MiB. */
      let ahead = 0;
      const result = await new Promise<{ status: number; length: number; digest: string; chunked: boolean }>(
        (resolve, reject) => {
          const req = request({ host: HOST, port: p.port, path: "/down", agent: false }, (res) => {
            const hash = createHash("sha256");
            let length = 0;
            let paused = pause === 0;
            let checkpoints = 0;
            res.on("data", (chunk: Buffer) => {
              hash.update(chunk);
              length += chunk.length;
              if (length > ((checkpoints + 1) * size) / 3 && checkpoints < 2) {
                checkpoints++;
                memory.checkpoint();
              }
              if (!paused && length > MiB) {
                paused = true;
                res.pause();
                const during = sampleMemory(gc);
                setTimeout(() => {
                  during.checkpoint();
                  pausedPeak = during.stop();
                  ahead = (produced - length) / MiB;
                  res.resume();
                }, pause);
              }
            });
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                length,
                digest: hash.digest("hex"),
                chunked: res.headers["transfer-encoding"] === "chunked",
              }),
            );
            res.on("error", reject);
          });
          const timer = setTimeout(() => req.destroy(new Error("download: not within 50 s")), 50_000);
          req.on("close", () => clearTimeout(timer));
          req.on("error", reject);
          req.end();
        },
      );
      const ms = Date.now() - start;
      return { ...result, ms, peak: memory.stop(), pausedPeak, ahead };
    });
  }

  it(`a ${SIZE / MiB} MiB download, streamed, in flat memory`, async () => {
    const r = await download(SIZE, 0);
    report(
      `download ${SIZE / MiB} MiB: ${r.ms} ms (${((SIZE / MiB / r.ms) * 1000).toFixed(1)} MiB/s); ${showPeak(r.peak)}`,
    );
    expect(r.status).toBe(200);
    expect(r.chunked).toBe(true);
    expect([r.length, r.digest]).toEqual([SIZE, blocksDigest(SIZE)]);
    expect(r.peak.raw.rss).toBeLessThan(64);
    expect(r.peak.live.arrayBuffers).toBeLessThan(32);
  });

  it("a slow reader (paused 1 s) does not make the proxy buffer the body", async () => {
    const size = 50 * MiB;
    const r = await download(size, 1000);
    report(
      `slow reader, 50 MiB, paused 1 s: ${r.ms} ms; the app ${r.ahead.toFixed(1)} MiB ahead of the reader after the pause; while paused: ${showPeak(r.pausedPeak!)}; whole transfer: ${showPeak(r.peak)}`,
    );
    expect([r.length, r.digest]).toEqual([size, blocksDigest(size)]);
    // Backpressure reaches the app: what it made ahead of the reader is socket buffers, not the body.
    expect(r.ahead).toBeLessThan(24);
    expect(r.pausedPeak!.raw.rss).toBeLessThan(32);
    expect(r.pausedPeak!.live.arrayBuffers).toBeLessThan(16);
    expect(r.peak.live.arrayBuffers).toBeLessThan(32);
  });
});

// 10 --------------------------------------------------------------------------------------

describe("createServer over FastCGI, raw", () => {
  it("two requests multiplexed on one connection (interleaved records), both answered; GET_VALUES", async () => {
    // /one answers only once /two has begun: both must be in flight at once.
    let twoBegun: () => void = () => {};
    const begun = new Promise<void>((resolve) => {
      twoBegun = resolve;
    });
    const app: App = async (env, body, context) => {
      if (env.get("REQUEST_URI") === "/two") twoBegun();
      else await within(begun, 3000, "/two begins while /one is in flight");
      return echoApp(env, body, context);
    };
    const [server] = await createServer(app, [`fastcgi://${HOST}:0`]);
    const raw = await Raw.connect(server!.address.port);
    try {
      const stdout = new Map<number, Buffer[]>([
        [1, []],
        [2, []],
      ]);
      const ends: { requestId: number; appStatus: number; protocolStatus: number }[] = [];
      let values: Record<string, string> | undefined;
      const decoder = new FcgiResponseDecoder({
        onStdout: (id, chunk) => stdout.get(id)!.push(Buffer.from(chunk)),
        onEndRequest: ({ requestId, appStatus, protocolStatus }) =>
          ends.push({ requestId, appStatus, protocolStatus }),
        onGetValuesResult: (env) => {
          values = env.toObject();
        },
      });
      decoder.expect(1);
      decoder.expect(2);
      raw.socket.on("data", (chunk: Buffer) => decoder.push(chunk));
      const env = (uri: string, length: number) =>
        new Environ([
          ["REQUEST_METHOD", "POST"],
          ["REQUEST_URI", uri],
          ["CONTENT_LENGTH", String(length)],
        ]);
      const stdin = (id: number, text: string) =>
        Buffer.concat(encodeStream(RecordType.STDIN, id, Buffer.from(text)));
      raw.write(
        Buffer.concat([
          encodeBeginRequest(1, Role.RESPONDER, true),
          encodeBeginRequest(2, Role.RESPONDER, true),
          encodeParams(2, env("/two", 6)),
          encodeParams(1, env("/one", 10)),
          stdin(1, "first"),
          stdin(2, "sec"),
          stdin(1, " half"),
          stdin(2, "ond"),
          encodeStreamEnd(RecordType.STDIN, 2),
          encodeStreamEnd(RecordType.STDIN, 1),
        ]),
      );
      await until(() => ends.length === 2, 5000, "two END_REQUESTs");
      expect(ends.map((e) => e.requestId).sort()).toEqual([1, 2]);
      expect(ends.every((e) => e.appStatus === 0 && e.protocolStatus === 0)).toBe(true);
      const answer = (id: number) => {
        const text = Buffer.concat(stdout.get(id)!).toString("latin1");
        const split = text.indexOf("\r\n\r\n");
        return { head: text.slice(0, split), echo: JSON.parse(text.slice(split + 4)) as Echo };
      };
      expect(answer(1).head).toMatch(/^Status: 200/);
      expect(answer(1).echo.vars.REQUEST_URI).toBe("/one");
      expect(answer(1).echo.sha256).toBe(sha256(Buffer.from("first half")));
      expect(answer(2).echo.vars.REQUEST_URI).toBe("/two");
      expect(answer(2).echo.sha256).toBe(sha256(Buffer.from("second")));
      // KEEP_CONN: the connection stays open, and takes a management record.
      raw.write(encodeGetValues(["FCGI_MAX_REQS", "FCGI_MPXS_CONNS"]));
      await until(() => values !== undefined, 3000, "GET_VALUES_RESULT");
      expect(values).toEqual({ FCGI_MAX_REQS: "64", FCGI_MPXS_CONNS: "1" });
      expect(raw.closed).toBe(false);
    } finally {
      raw.destroy();
      await server!.close(200);
    }
  });
});

// 11 --------------------------------------------------------------------------------------

describe("graceful close", () => {
  function gatedApp(state: { entered: number; release: () => void }): App {
    const gate = new Promise<void>((resolve) => {
      state.release = resolve;
    });
    return async (env, body, context) => {
      state.entered++;
      await within(gate, 5000, "the gate opens");
      return echoApp(env, body, context);
    };
  }

  async function refused(port: number): Promise<boolean> {
    try {
      const raw = await Raw.connect(port);
      raw.destroy();
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ECONNREFUSED";
    }
  }

  it("proxy.close(): the in-flight answer completes (Connection: close), a new connection is refused", async () => {
    const state = { entered: 0, release: () => {} };
    const p = await pair("uwsgi", gatedApp(state));
    try {
      const inFlight = ask(p.port, { path: "/slow", timeout: 5000 });
      await until(() => state.entered === 1, 3000, "the request reaches the app");
      let closed = false;
      const closing = p.proxy.close(5000).then(() => {
        closed = true;
      });
      expect(await refused(p.port)).toBe(true);
      await sleep(50);
      expect(closed).toBe(false);
      state.release();
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBe("close");
      expect(echoOf(answer).vars.REQUEST_URI).toBe("/slow");
      await within(closing, 3000, "close() resolves");
    } finally {
      state.release();
      await p.close();
    }
  });

  it("proxy.close() closes idle kept-alive connections at once", async () => {
    const p = await pair("uwsgi");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await ask(p.port, { agent })).status).toBe(200);
      await within(p.proxy.close(5000), 1000, "close() with an idle connection");
    } finally {
      agent.destroy();
      await p.close();
    }
  });

  it.each(PROTOCOLS)(
    "app server close() (%s): the in-flight request completes, new connections refused",
    async (protocol) => {
      const state = { entered: 0, release: () => {} };
      const p = await pair(protocol, gatedApp(state));
      try {
        const inFlight = ask(p.port, { path: "/slow", timeout: 5000 });
        await until(() => state.entered === 1, 3000, "the request reaches the app");
        const closing = p.app.close(5000);
        expect(await refused(p.app.address.port)).toBe(true);
        state.release();
        const answer = await inFlight;
        expect(answer.status).toBe(200);
        await within(closing, 3000, "close() resolves");
      } finally {
        state.release();
        await p.close();
      }
    },
  );
});

// -----------------------------------------------------------------------------------------

describe("routes by path prefix", () => {
  it("send each request to the upstream of its longest prefix, on the normalized path; the rest to upstream", async () => {
    const named =
      (name: string): App =>
      (env) => ({ status: 200, body: `${name} ${env.get("REQUEST_URI")}` });
    const servers = await Promise.all([
      createServer(named("default"), [`uwsgi://${HOST}:0`]),
      createServer(named("api"), [`http://${HOST}:0`]),
      createServer(named("api-v2"), [`fastcgi://${HOST}:0`]),
    ]);
    const [fallback, api, v2] = servers.map(([g]) => g!);
    const proxy = await createProxy(`${HOST}:0`, {
      upstream: fallback!.address,
      routes: [
        ["/api/", api!.address],
        ["/api/v2/", v2!.address],
      ],
    });
    try {
      const bodyOf = async (path: string) => (await ask(proxy.address.port, { path })).body.toString();
      expect(await bodyOf("/")).toBe("default /");
      expect(await bodyOf("/api/x?q=1")).toBe("api /api/x?q=1");
      expect(await bodyOf("/api/v2/y")).toBe("api-v2 /api/v2/y");
      expect(await bodyOf("/api")).toBe("default /api");
      // (Matched as nginx matches a location: on $uri, dot-segments resolved.)
      expect(await bodyOf("/x/../api/v2/z")).toBe("api-v2 /x/../api/v2/z");
    } finally {
      await proxy.close(100);
      await Promise.all(servers.map(([g]) => g!.close(100)));
    }
  });

  it("refuse a prefix that is not a path, at the call", async () => {
    await expect(
      createProxy(`${HOST}:0`, {
        upstream: "uwsgi://127.0.0.1:1",
        routes: [["api/", "uwsgi://127.0.0.1:2"]],
      }),
    ).rejects.toThrow(TypeError);
  });
});
