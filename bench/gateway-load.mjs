// `pnpm bench:gateway`: the gateway under load on loopback, beside nginx on the same machine
// and load. Rows (each one process per server, the same client):
//   nginx → uWSGI              nginx 1.22 (one worker) uwsgi_pass to uWSGI running hello.py
//   envwire proxy → uWSGI      createProxy in front of the same uWSGI
//   nginx → envwire serve      nginx uwsgi_pass to createServer's uwsgi listener (hello app)
// The client keeps CONCURRENCY connections busy until REQUESTS answers have come, each one
// checked (its query echoed back), and reports requests/s and p50/p99 latency. Every load is
// bounded in count and time; every process started is stopped by its pid.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const BIN = join(dirname(createRequire(import.meta.url).resolve("@envwire/gateway")), "bin.js");

const REQUESTS = Number(process.env.REQUESTS ?? 4000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DEADLINE = 60_000;

const HELLO_PY = `def application(environ, start_response):
    body = ("hello " + environ.get("QUERY_STRING", "")).encode("latin-1")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
`;
const HELLO_MJS = `export default (env) => ({
  status: 200,
  headers: [["Content-Type", "text/plain"]],
  body: "hello " + (env.get("QUERY_STRING") ?? ""),
});
`;

function freePort() {
  return new Promise((resolve) => {
    const s = netServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(port, child, name) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/?up", agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(true));
      });
      req.on("error", () => resolve(false));
      req.end();
    });
    if (ok) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startProcess(command, args) {
  const child = spawn(command, args, { stdio: "ignore" });
  return {
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(child.pid, "SIGTERM");
        setTimeout(() => child.exitCode === null && process.kill(child.pid, "SIGKILL"), 5000).unref();
      }),
  };
}

/** Keeps CONCURRENCY requests in flight until REQUESTS are answered; checks each answer. */
async function load(port) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = [];
  let sent = 0;
  let bad = 0;
  const start = performance.now();
  const one = () =>
    new Promise((resolve, reject) => {
      const n = sent++;
      const t = performance.now();
      const req = request({ host: "127.0.0.1", port, path: `/hello?n=${n}`, agent }, (res) => {
        let text = "";
        res.setEncoding("latin1");
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          latencies.push(performance.now() - t);
          if (res.statusCode !== 200 || text !== `hello n=${n}`) bad++;
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error("no answer in 10 s")));
      req.on("error", reject);
      req.end();
    });
  const worker = async () => {
    while (sent < REQUESTS && performance.now() - start < DEADLINE) await one();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rate: latencies.length / seconds, p50: at(0.5), p99: at(0.99), answered: latencies.length, bad };
}

const dir = mkdtempSync(join(tmpdir(), "envwire-load-"));
const stops = [];
try {
  writeFileSync(join(dir, "hello.py"), HELLO_PY);
  const [uwsgiPort, nginxToUwsgi, nginxToEnvwire] = [await freePort(), await freePort(), await freePort()];
  const uwsgi = startProcess("/usr/bin/uwsgi", [
    "--plugin",
    "python3",
    "--wsgi-file",
    join(dir, "hello.py"),
    "--uwsgi-socket",
    `127.0.0.1:${uwsgiPort}`,
    "--processes",
    "1",
    "--disable-logging",
    "--logto",
    join(dir, "uwsgi.log"),
  ]);
  stops.push(uwsgi.stop);
  // The envwire servers in processes of their own, as nginx and uWSGI are.
  writeFileSync(join(dir, "hello.mjs"), HELLO_MJS);
  const [servePort, proxyPort] = [await freePort(), await freePort()];
  const serve = startProcess(process.execPath, [
    BIN,
    "serve",
    "--quiet",
    "--listen",
    `uwsgi://127.0.0.1:${servePort}`,
    "--app",
    join(dir, "hello.mjs"),
  ]);
  stops.push(serve.stop);
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    [
      "daemon off;",
      "master_process off;",
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${join(dir, "error.log")};`,
      "events { worker_connections 1024; }",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${join(dir, t)};`),
      `  server { listen 127.0.0.1:${nginxToUwsgi}; location / { uwsgi_pass 127.0.0.1:${uwsgiPort}; include /etc/nginx/uwsgi_params; } }`,
      `  server { listen 127.0.0.1:${nginxToEnvwire}; location / { uwsgi_pass 127.0.0.1:${servePort}; include /etc/nginx/uwsgi_params; } }`,
      "}",
      "",
    ].join("\n"),
  );
  const nginx = startProcess("/usr/sbin/nginx", ["-p", dir, "-c", conf, "-e", join(dir, "error.log")]);
  stops.push(nginx.stop);
  const proxy = startProcess(process.execPath, [
    BIN,
    "proxy",
    "--quiet",
    "--listen",
    `127.0.0.1:${proxyPort}`,
    "--upstream",
    `uwsgi://127.0.0.1:${uwsgiPort}`,
  ]);
  stops.push(proxy.stop);
  await waitFor(proxyPort, proxy.child, "envwire proxy");
  await waitFor(nginxToUwsgi, nginx.child, "nginx");
  await waitFor(nginxToEnvwire, nginx.child, "nginx");

  const rows = [
    ["nginx → uWSGI", nginxToUwsgi],
    ["envwire proxy → uWSGI", proxyPort],
    ["nginx → envwire serve", nginxToEnvwire],
  ];
  const results = rows.map(() => []);
  for (let round = 0; round < ROUNDS; round++)
    for (const [k, [, port]] of rows.entries()) results[k].push(await load(port));
  console.log(`${REQUESTS} requests a round, ${CONCURRENCY} at once, ${ROUNDS} rounds interleaved; medians:`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const base = median(results[0].map((r) => r.rate));
  for (const [k, [name]] of rows.entries()) {
    const r = results[k];
    const rate = median(r.map((x) => x.rate));
    const lost = r.reduce((n, x) => n + (REQUESTS - x.answered) + x.bad, 0);
    console.log(
      `${name.padEnd(24)} ${rate.toFixed(0).padStart(6)} req/s (${(rate / base).toFixed(2)}x nginx → uWSGI)  ` +
        `p50 ${median(r.map((x) => x.p50)).toFixed(2)} ms  p99 ${median(r.map((x) => x.p99)).toFixed(2)} ms  ` +
        `lost or wrong: ${lost}`,
    );
  }
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}
