/**
 * @envwire/gateway against the real peers: `createProxy` (envwire proxy) in front of uWSGI
 * (its uwsgi, FastCGI, SCGI and HTTP sockets) and php-fpm, as nginx would be; and
 * `createServer` (envwire serve) behind nginx 1.22's uwsgi_pass, fastcgi_pass (kept
 * connections), scgi_pass and proxy_pass. Node's HTTP client is the client: the application
 * must see the request intact (its variables, the body's digest) and the client the answer.
 */
import { createHash } from "node:crypto";
import { type Agent, request as httpRequest } from "node:http";
import type { Environ } from "@envwire/environ";
import { createProxy, createServer, type Gateway, NGINX_PARAMS } from "@envwire/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Peer,
  PHP_SCRIPT,
  requirePeers,
  startAll,
  startNginx,
  startPhpFpm,
  startUwsgi,
} from "./peers.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const body = new Uint8Array(200_000).map((_, i) => (i * 13 + (i >> 9)) & 0xff);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request through Node's client; `chunked` sends the body without a length. */
function get(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: Uint8Array;
    chunked?: boolean;
    agent?: Agent;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("latin1"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error("no answer in 15 s")));
    req.on("error", reject);
    if (options.body !== undefined && options.chunked) {
      // Two writes: Node sends them chunked when no Content-Length is set.
      req.write(options.body.subarray(0, 1000));
      req.end(options.body.subarray(1000));
    } else {
      if (options.body !== undefined) req.setHeader("Content-Length", options.body.length);
      req.end(options.body);
    }
  });
}

/** What the interop apps (peers/app.py, peers/app.php) answer: the variables and the body's digest. */
function appAnswer(answer: Answer): {
  environ: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
} {
  const json = JSON.parse(answer.text) as {
    environ: Record<string, string>;
    bodyLength: number;
    bodySha256: string;
  };
  const environ = Object.fromEntries(
    Object.entries(json.environ).map(([k, hex]) => [k, Buffer.from(hex, "hex").toString("latin1")]),
  );
  return { ...json, environ };
}

describe("envwire proxy in front of uWSGI and php-fpm", () => {
  let uwsgi: Peer;
  let php: Peer;
  beforeAll(async () => {
    requirePeers();
    [uwsgi, php] = await startAll(startUwsgi, startPhpFpm);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([uwsgi?.stop(), php?.stop()]);
  });

  const upstreams: [string, () => string, boolean][] = [
    ["uWSGI over uwsgi", () => `uwsgi://127.0.0.1:${uwsgi.ports.uwsgi}`, false],
    ["uWSGI over FastCGI", () => `fastcgi://127.0.0.1:${uwsgi.ports.fastcgi}`, false],
    ["uWSGI over SCGI", () => `scgi://127.0.0.1:${uwsgi.ports.scgi}`, false],
    ["uWSGI over HTTP", () => `http://127.0.0.1:${uwsgi.ports.http}`, false],
    ["php-fpm over FastCGI", () => `fastcgi://127.0.0.1:${php.ports.fastcgi}`, true],
  ];

  for (const [name, upstream, isPhp] of upstreams) {
    it(name, async () => {
      const log: string[] = [];
      const proxy = await createProxy("127.0.0.1:0", {
        upstream: upstream(),
        scriptFilename: isPhp ? PHP_SCRIPT : undefined,
        params: [["ENVWIRE_TEST", "yes"]],
        maxBody: 1 << 20,
        log: (line) => log.push(line),
      });
      try {
        const port = proxy.address.port;
        const logs = () => `${log.join("\n")}\n${uwsgi.log().slice(-1500)}\n${php.log().slice(-1500)}`;
        for (const chunked of [false, true]) {
          const answer = await get(port, "/app/caf%C3%A9?x=1&y=2", {
            method: "POST",
            headers: {
              "X-Test": "gateway",
              "Content-Type": "application/octet-stream",
              Connection: "keep-alive",
            },
            body,
            chunked,
          });
          expect(answer.status, logs()).toBe(200);
          const seen = appAnswer(answer);
          expect([seen.bodyLength, seen.bodySha256]).toEqual([body.length, sha256(body)]);
          const env = seen.environ;
          expect(env.REQUEST_METHOD).toBe("POST");
          expect(env.QUERY_STRING).toBe("x=1&y=2");
          expect(env.REQUEST_URI).toBe("/app/caf%C3%A9?x=1&y=2");
          expect(env.HTTP_X_TEST).toBe("gateway");
          expect(env.CONTENT_TYPE).toBe("application/octet-stream");
          // A chunked upload went on with its length (spooled first), as nginx sends it.
          expect(env.CONTENT_LENGTH).toBe(String(body.length));
          expect(env.HTTP_TRANSFER_ENCODING).toBeUndefined();
          if (!name.endsWith("HTTP")) {
            expect(env.ENVWIRE_TEST).toBe("yes");
            expect(env.HTTP_CONNECTION).toBeUndefined();
            expect(env.DOCUMENT_ROOT).toBe("/var/www/html");
          }
          if (isPhp) expect(env.SCRIPT_FILENAME).toBe(PHP_SCRIPT);
        }
        // Requests one after another: a FastCGI connection kept (php-fpm) or closed by the
        // upstream after each answer (uWSGI ignores KEEP_CONN) is never used once closed.
        for (let i = 0; i < 3; i++) expect((await get(port, `/again/${i}`)).status, logs()).toBe(200);
        // (The apps route on PATH_INFO or DOCUMENT_URI: fastcgi_params and scgi_params give
        // uWSGI neither, as behind nginx.)
        if (isPhp || /uwsgi$|HTTP$/.test(name)) {
          const moved = await get(port, "/status/302");
          expect([moved.status, moved.headers.location]).toEqual([302, "/moved"]);
        }
        expect(log.filter((line) => !/" (200|302) /.test(line))).toEqual([]);
      } finally {
        await proxy.close(1000);
      }
    });
  }
});

describe("envwire serve behind nginx", () => {
  let nginx: Peer;
  const gateways: Gateway[] = [];
  const seen: { env: Record<string, string>; order: string[]; sha: string; length: number }[] = [];
  const app = async (env: Environ, requestBody: AsyncIterable<Uint8Array>) => {
    const hash = createHash("sha256");
    let length = 0;
    for await (const chunk of requestBody) {
      hash.update(chunk);
      length += chunk.length;
    }
    seen.push({ env: env.toObject(), order: [...env].map(([n]) => n), sha: hash.digest("hex"), length });
    return { status: 201, headers: [["X-App", "envwire"]] as [string, string][], body: `seen ${length}` };
  };

  beforeAll(async () => {
    requirePeers();
    const servers = await createServer(app, [
      "uwsgi://127.0.0.1:0",
      "fastcgi://127.0.0.1:0",
      "scgi://127.0.0.1:0",
      "http://127.0.0.1:0",
    ]);
    gateways.push(...servers);
    const [u, f, s, h] = servers.map((g) => `127.0.0.1:${g.address.port}`);
    nginx = await startNginx({
      uwsgi: (p) =>
        `server { listen 127.0.0.1:${p}; location / { uwsgi_pass ${u}; include /etc/nginx/uwsgi_params; } }`,
      fastcgi: (p) =>
        `upstream fcgi { server ${f}; keepalive 4; } server { listen 127.0.0.1:${p}; location / { fastcgi_pass fcgi; fastcgi_keep_conn on; include /etc/nginx/fastcgi_params; } }`,
      scgi: (p) =>
        `server { listen 127.0.0.1:${p}; location / { scgi_pass ${s}; include /etc/nginx/scgi_params; } }`,
      http: (p) =>
        `upstream web { server ${h}; keepalive 4; } server { listen 127.0.0.1:${p}; location / { proxy_pass http://web; proxy_http_version 1.1; proxy_set_header Connection ""; } }`,
    });
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(gateways.map((g) => g.close(1000)));
  });

  for (const protocol of ["uwsgi", "fastcgi", "scgi", "http"] as const) {
    it(`nginx → envwire serve over ${protocol}`, async () => {
      seen.length = 0;
      for (let i = 0; i < 3; i++) {
        const answer = await get(nginx.ports[protocol]!, `/path/${i}?q=${i}`, {
          method: "POST",
          headers: { "X-Seq": String(i), "Content-Type": "text/plain" },
          body,
          chunked: i === 1,
        });
        expect(answer.status, nginx.log().slice(-2000)).toBe(201);
        expect(answer.headers["x-app"]).toBe("envwire");
        expect(answer.text).toBe(`seen ${body.length}`);
      }
      expect(seen.map((s) => [s.length, s.sha])).toEqual(Array(3).fill([body.length, sha256(body)]));
      for (const [i, s] of seen.entries()) {
        expect(s.env.REQUEST_URI).toBe(`/path/${i}?q=${i}`);
        expect(s.env.HTTP_X_SEQ).toBe(String(i));
        if (protocol === "http") continue;
        expect(s.env.QUERY_STRING).toBe(`q=${i}`);
        expect(s.env.CONTENT_LENGTH).toBe(String(body.length));
        // What nginx sends first is its params file, in its order (HTTPS only over TLS).
        const params = NGINX_PARAMS[protocol].filter((n) => n !== "HTTPS");
        if (protocol === "scgi") params.unshift("CONTENT_LENGTH"); // (SCGI's first, nginx's own)
        expect(s.order.slice(0, params.length)).toEqual(params);
      }
    });
  }
});
