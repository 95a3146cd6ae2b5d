/**
 * What an independent review of the gateway found, each held here: a kept FastCGI
 * connection closed under a GET is retried on a new one; a request with a body never keeps
 * its FastCGI connection (a kept one holds a php-fpm worker); the path goes on as nginx's
 * $uri (dot-segments resolved, a climb above the root or a NUL a 400); an interim 1xx from
 * an upstream is skipped; no 100 Continue after the final answer; a slow head (slowloris)
 * and a client that reads nothing are cut off; an app's failure is a 500 that does not show
 * its message; `Content-Length: 0` goes on as "0".
 */
import { once } from "node:events";
import type { Socket } from "node:net";
import {
  encodeEndRequest,
  encodeStream,
  encodeStreamEnd,
  RequestDecoder as FcgiRequestDecoder,
  RecordType,
} from "@envwire/fastcgi-proto";
import { describe, expect, it } from "vitest";
import { serveHttp } from "../src/front.js";
import { type App, createProxy, createServer } from "../src/index.js";
import { normalizePath } from "../src/params.js";
import { startListening } from "../src/proxy.js";
import { ask, type Echo, echoApp, Raw, sleep, stub, until } from "./support.js";

/** A FastCGI upstream of our own that notes each request's KEEP_CONN and answers "ok". */
async function fastcgiStub(closeSecond: boolean) {
  const seen: { keepConn: boolean; connection: number }[] = [];
  let connections = 0;
  const s = await stub((socket: Socket) => {
    const connection = ++connections;
    let served = 0;
    const decoder = new FcgiRequestDecoder({
      onHead({ keepConn }) {
        seen.push({ keepConn, connection });
        if (closeSecond && served++ > 0) socket.destroy();
      },
      onEnd(id) {
        if (socket.destroyed) return;
        for (const part of encodeStream(
          RecordType.STDOUT,
          id,
          Buffer.from("Content-Type: text/plain\r\n\r\nok"),
        ))
          socket.write(part);
        socket.write(encodeStreamEnd(RecordType.STDOUT, id));
        socket.write(encodeEndRequest(id, 0));
        decoder.completeRequest(id);
      },
      onReply: (record) => socket.write(record),
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch {
        socket.destroy();
      }
    });
  });
  return { stub: s, seen, connections: () => connections };
}

describe("kept FastCGI connections", () => {
  it("a GET whose kept connection is closed under it is sent again on a new one", async () => {
    const up = await fastcgiStub(true);
    const proxy = await createProxy("127.0.0.1:0", {
      upstream: `fastcgi://127.0.0.1:${up.stub.port}`,
      fastcgiKeepConn: 2,
    });
    try {
      for (const path of ["/r1", "/r2", "/r3"]) {
        const answer = await ask(proxy.address.port, { path });
        expect([answer.status, answer.body.toString()]).toEqual([200, "ok"]);
      }
    } finally {
      await proxy.close(100);
      await up.stub.close();
    }
  });

  it("a request with a body does not ask to keep its connection; a GET does, and reuses it", async () => {
    const up = await fastcgiStub(false);
    const proxy = await createProxy("127.0.0.1:0", {
      upstream: `fastcgi://127.0.0.1:${up.stub.port}`,
      fastcgiKeepConn: 2,
    });
    try {
      for (let i = 0; i < 3; i++)
        expect((await ask(proxy.address.port, { method: "POST", body: Buffer.from("x") })).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await ask(proxy.address.port)).status).toBe(200);
      expect(up.seen.map((s) => s.keepConn)).toEqual([false, false, false, true, true, true]);
      // Three POSTs, three connections; the GETs share one.
      expect(new Set(up.seen.slice(3).map((s) => s.connection)).size).toBe(1);
      expect(up.connections()).toBe(4);
    } finally {
      await proxy.close(100);
      await up.stub.close();
    }
  });
});

describe("the path, as nginx's $uri", () => {
  it("resolves dot-segments and merges slashes; refuses a climb above the root and a NUL", () => {
    expect(normalizePath("/a//b/./c/../d")).toBe("/a/b/d");
    expect(normalizePath("/a/b/..")).toBe("/a/");
    expect(normalizePath("/")).toBe("/");
    expect(normalizePath("/../etc/passwd")).toBeUndefined();
    expect(normalizePath("/a/../../b")).toBeUndefined();
    expect(normalizePath("/a\0b")).toBeUndefined();
  });

  it("gives every path what resolving it segment by segment gives, the ones it leaves as they are too", () => {
    // A reference of its own: RFC 3986's dot-segment removal with "/" runs merged.
    const reference = (path: string): string | undefined => {
      if (path.includes("\0")) return undefined;
      const out: string[] = [];
      const segments = path.split("/");
      for (const [i, segment] of segments.entries()) {
        const last = i === segments.length - 1;
        if (segment === "..") {
          if (out.length === 0) return undefined;
          out.pop();
        } else if (segment !== "" && segment !== ".") out.push(segment);
        if (last && (segment === "" || segment === "." || segment === "..")) out.push("");
      }
      return `/${out.join("/")}`;
    };
    const parts = ["/", ".", "..", "a", "b.c", ".d", "\0"];
    let paths = [""];
    for (let length = 0; length < 5; length++)
      paths = [...paths, ...paths.flatMap((p) => parts.map((part) => p + part))].filter(
        (p, i, all) => all.indexOf(p) === i,
      );
    for (const path of paths) expect(normalizePath(path), JSON.stringify(path)).toBe(reference(path));
  });

  it("goes on normalized, and a path above the root is a 400", async () => {
    const [app] = await createServer(echoApp, ["uwsgi://127.0.0.1:0"]);
    const proxy = await createProxy("127.0.0.1:0", { upstream: app!.address });
    try {
      const answer = await ask(proxy.address.port, { path: "/a/%2e%2e/b//c?x=/../y" });
      const echo = JSON.parse(answer.body.toString()) as Echo;
      expect(echo.vars.PATH_INFO).toBe("/b/c");
      expect(echo.vars.REQUEST_URI).toBe("/a/%2e%2e/b//c?x=/../y");
      expect((await ask(proxy.address.port, { path: "/%2e%2e/secret" })).status).toBe(400);
      expect((await ask(proxy.address.port, { path: "/a%00b" })).status).toBe(400);
    } finally {
      await proxy.close(100);
      await app!.close(100);
    }
  });
});

describe("answers", () => {
  it("an upstream's interim 103 is skipped; its final answer reaches the client", async () => {
    const up = await stub((socket) =>
      socket.once("data", () =>
        socket.end(
          "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ),
      ),
    );
    const proxy = await createProxy("127.0.0.1:0", { upstream: `http://127.0.0.1:${up.port}` });
    try {
      const answer = await ask(proxy.address.port);
      expect([answer.status, answer.body.toString()]).toEqual([200, "ok"]);
    } finally {
      await proxy.close(100);
      await up.close();
    }
  });

  it("no 100 Continue once the final answer is out (an app that refuses without reading)", async () => {
    const refuse: App = () => ({ status: 401, body: "auth first" });
    const [server] = await createServer(refuse, ["http://127.0.0.1:0"]);
    const raw = await Raw.connect(server!.address.port);
    try {
      raw.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      await raw.responses(1);
      raw.write("hello");
      await sleep(100);
      expect(raw.text).toMatch(/^HTTP\/1\.1 401 /);
      expect(raw.text).not.toContain("100 Continue");
    } finally {
      raw.destroy();
      await server!.close(100);
    }
  });

  it("an app that throws, or answers a malformed header, is a 500 that shows nothing of it", async () => {
    const lines: string[] = [];
    const failing: App = (env) => {
      if (env.get("REQUEST_URI") === "/throw") throw new Error("secret detail");
      return { status: 200, headers: [["Bad Name", "x"]], body: "x" };
    };
    const servers = await createServer(
      failing,
      ["fastcgi://127.0.0.1:0", "uwsgi://127.0.0.1:0", "http://127.0.0.1:0"],
      {
        log: (l) => lines.push(l),
      },
    );
    try {
      for (const { address: upstream } of servers) {
        const proxy = await createProxy("127.0.0.1:0", { upstream });
        try {
          for (const path of ["/throw", "/bad-header"]) {
            const answer = await ask(proxy.address.port, { path });
            expect(answer.status).toBe(500);
            expect(answer.body.toString()).not.toContain("secret");
          }
        } finally {
          await proxy.close(100);
        }
      }
      // Each listener logged the app's failure, with its message.
      expect(lines.filter((l) => l.includes("the app failed: Error: secret detail"))).toHaveLength(3);
    } finally {
      await Promise.all(servers.map((g) => g.close(100)));
    }
  });

  it("an app's body may be a web ReadableStream, a generator or bytes, over every protocol", async () => {
    const text = new TextEncoder();
    const streaming: App = (env) => {
      const kind = env.get("QUERY_STRING");
      if (kind === "stream")
        return {
          status: 200,
          body: new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(text.encode("web "));
              controller.enqueue(text.encode("stream"));
              controller.close();
            },
          }),
        };
      if (kind === "generator")
        return {
          status: 200,
          body: (async function* () {
            yield text.encode("async ");
            yield text.encode("iterable");
          })(),
        };
      return { status: 200, body: text.encode("bytes") };
    };
    const servers = await createServer(streaming, [
      "uwsgi://127.0.0.1:0",
      "fastcgi://127.0.0.1:0",
      "scgi://127.0.0.1:0",
      "http://127.0.0.1:0",
    ]);
    try {
      for (const { address } of servers) {
        const proxy = await createProxy("127.0.0.1:0", { upstream: address });
        try {
          const got = [];
          for (const kind of ["stream", "generator", "bytes"])
            got.push((await ask(proxy.address.port, { path: `/?${kind}` })).body.toString());
          expect(got, address.protocol).toEqual(["web stream", "async iterable", "bytes"]);
        } finally {
          await proxy.close(100);
        }
      }
    } finally {
      await Promise.all(servers.map((g) => g.close(100)));
    }
  });

  it("REMOTE_USER is the Basic authentication's user, as nginx's $remote_user", async () => {
    const [app] = await createServer(echoApp, ["fastcgi://127.0.0.1:0"]);
    const proxy = await createProxy("127.0.0.1:0", { upstream: app!.address });
    try {
      const user = async (authorization?: string) => {
        const headers = authorization === undefined ? {} : { Authorization: authorization };
        const answer = await ask(proxy.address.port, { headers });
        return (JSON.parse(answer.body.toString()) as Echo).vars.REMOTE_USER;
      };
      expect(await user(`Basic ${btoa("alice:secret:with:colons")}`)).toBe("alice");
      expect(await user("Bearer abc")).toBe("");
      expect(await user("Basic !!!")).toBe("");
      expect(await user()).toBe("");
    } finally {
      await proxy.close(100);
      await app!.close(100);
    }
  });

  it("Content-Length: 0 goes on as CONTENT_LENGTH 0, no Content-Length as empty", async () => {
    const [app] = await createServer(echoApp, ["scgi://127.0.0.1:0", "uwsgi://127.0.0.1:0"]);
    const proxy = await createProxy("127.0.0.1:0", { upstream: app!.address });
    try {
      const empty = JSON.parse(
        (await ask(proxy.address.port, { method: "POST", body: Buffer.alloc(0) })).body.toString(),
      ) as Echo;
      expect(empty.vars.CONTENT_LENGTH).toBe("0");
    } finally {
      await proxy.close(100);
      await app!.close(100);
    }
  });
});

describe("clients that hold a connection", () => {
  // (The front's timeouts are nginx's, 60 and 75 s, in createProxy: a front of its own with
  // short ones is made here.)
  it("a head sent a byte at a time past headTimeout is cut off with 408", async () => {
    const short = await startListening("127.0.0.1:0", (socket) =>
      serveHttp(socket, async () => ({ status: 200, body: "ok" }), { headTimeout: 300 }),
    );
    const raw = await Raw.connect(short.address.port);
    try {
      for (const c of "GET / HTTP/1.1\r\nHost: x\r\n") {
        if (raw.closed) break;
        raw.write(c);
        await sleep(25);
      }
      await raw.serverEnded(3000);
      expect(raw.text).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      raw.destroy();
      await short.close(100);
    }
  });

  it("a client that takes nothing of a large answer is let go after the idle timeout", async () => {
    const body = Buffer.alloc(32 << 20, 0x61);
    let serverSide: Promise<unknown> | undefined;
    const server = await startListening("127.0.0.1:0", (socket) => {
      serverSide = once(socket, "close");
      return serveHttp(socket, async () => ({ status: 200, body }), { keepAliveTimeout: 300 });
    });
    const raw = await Raw.connect(server.address.port);
    try {
      raw.socket.pause(); // (reads nothing: the answer fills the sockets' buffers and stalls)
      raw.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await until(() => serverSide !== undefined, 2000, "the connection");
      // The server's side closes (the client, paused, learns it only once it reads).
      expect(await Promise.race([serverSide!.then(() => "closed"), sleep(5000).then(() => "open")])).toBe(
        "closed",
      );
    } finally {
      raw.destroy();
      await server.close(100);
    }
  });
});
