// `pnpm bench:gateway`: the gateway under load on loopback, beside nginx on the same machine
// and load, driven by wrk (a native load generator: a Node client would share the proxy's
// runtime and cores unevenly). Rows, each server a process of its own:
//   nginx → uWSGI                 nginx 1.22 (one worker) uwsgi_pass to uWSGI (a master, 2 processes, hello.py)
//   envwire proxy → uWSGI         createProxy (one process) in front of the same uWSGI
//   bare Node proxy → uWSGI       bare-proxy.mjs: the least a Node process does for the same hop
//   nginx → envwire serve         nginx uwsgi_pass to createServer's uwsgi listener (hello.mjs)
//   nginx → bare Node server      bare-serve.mjs: the least a Node process does to answer uwsgi
//   nginx → php-fpm               nginx fastcgi_pass to php-fpm (2 workers, hello.php)
//   envwire proxy → php-fpm       createProxy in front of the same php-fpm
// Each row: wrk -t1 -c50 for SECONDS, ROUNDS rounds interleaved, medians; every answer is
// checked by wrk's Lua hook (status 200, body "hello x=1"); a row with any bad or lost answer
// says so; each row also says the CPU time its servers took a request (from /proc, each
// process with its children: nginx's workers, uWSGI's, envwire's), a figure the machine's
// other load sways less than the rate. --quick: one short round, to check that every path
// answers correctly under load (CI runs it; no timing is asserted). --workers 2: nginx
// worker_processes 2 and envwire --workers 2. --soak SECONDS: then that long a load on both
// envwire processes at once (proxy → uWSGI, nginx → serve), their memory (RSS) sampled each
// second. Every process started is stopped by its pid.
import { execFile, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { connect, createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const BIN = join(dirname(createRequire(import.meta.url).resolve("@envwire/gateway")), "bin.js");
const BARE = join(import.meta.dirname, "bare-proxy.mjs");
const BARE_SERVE = join(import.meta.dirname, "bare-serve.mjs");
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const WORKERS = args.includes("--workers") ? Number(args[args.indexOf("--workers") + 1]) : 1;
const SECONDS = QUICK ? 1 : Number(process.env.SECONDS ?? 10);
const ROUNDS = QUICK ? 1 : Number(process.env.ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SOAK = args.includes("--soak") ? Number(args[args.indexOf("--soak") + 1]) : 0;
const PACKAGES = ["wrk", "nginx-light", "uwsgi-core", "uwsgi-plugin-python3", "php8.2-fpm"];
const TOOLS = ["/usr/bin/wrk", "/usr/sbin/nginx", "/usr/bin/uwsgi", "/usr/sbin/php-fpm8.2"];

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
const HELLO_PHP = `<?php header("Content-Type: text/plain"); echo "hello " . $_SERVER["QUERY_STRING"];`;
// wrk's Lua hooks: every answer checked; done() prints one JSON line.
const CHECK_LUA = `
local bad = 0
function response(status, headers, body)
  if status ~= 200 or body ~= "hello x=1" then bad = bad + 1 end
end
function done(summary, latency, requests)
  io.write(string.format('{"requests":%d,"seconds":%f,"p50":%f,"p99":%f,"errors":%d,"bad":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout, bad))
end
`;

/** Installs the tools when one is missing and this runs as root (as the interop suite does). */
function requireTools() {
  if (TOOLS.every(existsSync) && existsSync("/usr/lib/uwsgi/plugins/python3_plugin.so")) return;
  if (process.getuid?.() !== 0) throw new Error(`missing: apt-get install -y ${PACKAGES.join(" ")}`);
  const policy = "/usr/sbin/policy-rc.d"; // (keeps Debian's scripts from starting the services)
  const hadPolicy = existsSync(policy);
  if (!hadPolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    const options = {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: "ignore",
      timeout: 900_000,
    };
    execFileSync("apt-get", ["update", "-qq"], options);
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...PACKAGES], options);
  } finally {
    if (!hadPolicy) rmSync(policy);
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = netServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function waitFor(port, child, name) {
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startProcess(command, argv) {
  const child = spawn(command, argv, { stdio: "ignore" });
  return {
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(child.pid, "SIGTERM");
        const kill = setTimeout(() => child.exitCode === null && process.kill(child.pid, "SIGKILL"), 5000);
        child.once("exit", () => clearTimeout(kill));
      }),
  };
}

/** `pid` and its descendants, from /proc (the children each of its threads started). */
function tree(pid) {
  const pids = [pid];
  for (let k = 0; k < pids.length; k++) {
    try {
      for (const task of readdirSafe(`/proc/${pids[k]}/task`))
        for (const child of readFileSync(`/proc/${pids[k]}/task/${task}/children`, "latin1").split(" "))
          if (child !== "" && child !== "\n") pids.push(Number(child));
    } catch {
      // (gone meanwhile)
    }
  }
  return pids;
}

function readdirSafe(path) {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** CPU seconds (user and system) the processes of `pid`'s tree have taken so far. */
function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of tree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, "latin1").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // (gone meanwhile)
    }
  }
  return ticks / 100; // (USER_HZ: 100 on Linux)
}

/** Resident memory (MiB) of `pid`'s tree. */
function rssMiB(pid) {
  let kib = 0;
  for (const p of tree(pid)) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "latin1"))?.[1] ?? 0);
    } catch {
      // (gone meanwhile)
    }
  }
  return kib / 1024;
}

/** One wrk run against `port` for `seconds`: requests/s, p50 and p99 (ms), and the answers that were not right. */
function load(port, script, seconds = SECONDS, connections = CONNECTIONS) {
  return parseLoad(
    execFileSync("/usr/bin/wrk", wrkArgs(port, script, seconds, connections), {
      encoding: "latin1",
      timeout: (seconds + 30) * 1000,
    }),
  );
}

function wrkArgs(port, script, seconds, connections) {
  return [
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--timeout",
    "10s",
    "-s",
    script,
    `http://127.0.0.1:${port}/hello?x=1`,
  ];
}

function parseLoad(out) {
  const r = JSON.parse(out.trim().split("\n").at(-1));
  return {
    rate: r.requests / r.seconds,
    p50: r.p50,
    p99: r.p99,
    wrong: r.errors + r.bad,
    requests: r.requests,
  };
}

/**
 * Loads the two envwire processes at once for SOAK seconds (half the connections each) and
 * prints their RSS over the run: after the first second, at each tenth of it, and its highest.
 * True when an answer was lost or wrong.
 */
async function soak([proxy, proxyPort], [serve, servePort], script) {
  const half = Math.max(1, CONNECTIONS >> 1);
  const runs = [proxyPort, servePort].map(
    (port) =>
      new Promise((resolve, reject) => {
        execFile(
          "/usr/bin/wrk",
          wrkArgs(port, script, SOAK, half),
          { encoding: "latin1", timeout: (SOAK + 30) * 1000 },
          (error, out) => (error ? reject(error) : resolve(parseLoad(out))),
        );
      }),
  );
  const samples = { proxy: [], serve: [] };
  const sampler = setInterval(() => {
    samples.proxy.push(rssMiB(proxy.child.pid));
    samples.serve.push(rssMiB(serve.child.pid));
  }, 1000);
  const [p, s] = await Promise.all(runs).finally(() => clearInterval(sampler));
  // RSS at the first second and at each tenth of the run, then the highest.
  const at = [
    ...new Set([0, ...Array.from({ length: 10 }, (_, k) => Math.round(((k + 1) * SOAK) / 10) - 1)]),
  ];
  console.log(
    `\n--soak ${SOAK}: wrk -c${half} on each at once; RSS (MiB) at the seconds shown, and the highest`,
  );
  console.log(
    `| process | requests | lost or wrong | ${at.map((i) => `${i + 1} s`).join(" | ")} | highest |`,
  );
  console.log(`| --- | --- | --- | ${at.map(() => "---").join(" | ")} | --- |`);
  for (const [name, r, xs] of [
    ["envwire proxy → uWSGI", p, samples.proxy],
    ["envwire serve (behind nginx)", s, samples.serve],
  ])
    console.log(
      `| ${name} | ${r.requests} | ${r.wrong} | ${at.map((i) => (xs[Math.min(i, xs.length - 1)] ?? 0).toFixed(1)).join(" | ")} | ${Math.max(...xs).toFixed(1)} |`,
    );
  return p.wrong + s.wrong > 0 || p.requests === 0 || s.requests === 0;
}

requireTools();
const dir = mkdtempSync(join(tmpdir(), "envwire-load-"));
chmodSync(dir, 0o755); // (php-fpm's workers run as nobody, and read hello.php here)
const stops = [];
try {
  for (const [name, text] of [
    ["hello.py", HELLO_PY],
    ["hello.mjs", HELLO_MJS],
    ["hello.php", HELLO_PHP],
    ["check.lua", CHECK_LUA],
  ])
    writeFileSync(join(dir, name), text);
  const port = {};
  for (const name of [
    "uwsgi",
    "php",
    "serve",
    "proxyUwsgi",
    "proxyPhp",
    "bare",
    "bareServe",
    "nginxUwsgi",
    "nginxServe",
    "nginxBareServe",
    "nginxPhp",
  ])
    port[name] = await freePort();
  const uwsgi = startProcess("/usr/bin/uwsgi", [
    ...["--plugin", "python3", "--wsgi-file", join(dir, "hello.py")],
    ...["--uwsgi-socket", `127.0.0.1:${port.uwsgi}`, "--processes", "2"],
    // (Stopped by its pid, it must stop, workers and all: without a master the first process
    // is a worker that leaves the other behind, and uWSGI reloads on SIGTERM unless told to die.)
    ...["--master", "--die-on-term", "--disable-logging", "--logto", join(dir, "uwsgi.log")],
  ]);
  stops.push(uwsgi.stop);
  writeFileSync(
    join(dir, "php-fpm.conf"),
    [
      "[global]",
      `pid = ${join(dir, "php-fpm.pid")}`,
      `error_log = ${join(dir, "php-fpm.log")}`,
      "daemonize = no",
      "[app]",
      `listen = 127.0.0.1:${port.php}`,
      "user = nobody",
      "group = nogroup",
      "pm = static",
      "pm.max_children = 2",
      "",
    ].join("\n"),
  );
  const php = startProcess("/usr/sbin/php-fpm8.2", [
    "-F",
    "-R",
    "-n",
    "-y",
    join(dir, "php-fpm.conf"),
    "-p",
    dir,
  ]);
  stops.push(php.stop);
  const workers = WORKERS > 1 ? ["--workers", String(WORKERS)] : [];
  const envwire = (...argv) => startProcess(process.execPath, [BIN, ...argv, "--quiet", ...workers]);
  const serve = envwire(
    "serve",
    "--listen",
    `uwsgi://127.0.0.1:${port.serve}`,
    "--app",
    join(dir, "hello.mjs"),
  );
  stops.push(serve.stop);
  const proxyUwsgi = envwire(
    "proxy",
    "--listen",
    `127.0.0.1:${port.proxyUwsgi}`,
    "--upstream",
    `uwsgi://127.0.0.1:${port.uwsgi}`,
  );
  stops.push(proxyUwsgi.stop);
  const script = join(dir, "hello.php");
  const proxyPhp = envwire(
    ...["proxy", "--listen", `127.0.0.1:${port.proxyPhp}`, "--upstream", `fastcgi://127.0.0.1:${port.php}`],
    ...["--script-filename", script],
  );
  stops.push(proxyPhp.stop);
  const bare = startProcess(process.execPath, [BARE, String(port.bare), String(port.uwsgi)]);
  stops.push(bare.stop);
  const bareServe = startProcess(process.execPath, [BARE_SERVE, String(port.bareServe)]);
  stops.push(bareServe.stop);
  writeFileSync(
    join(dir, "nginx.conf"),
    [
      "daemon off;",
      "master_process on;",
      `worker_processes ${WORKERS};`,
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${join(dir, "error.log")};`,
      "events { worker_connections 1024; }",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${join(dir, t)};`),
      `  server { listen 127.0.0.1:${port.nginxUwsgi}; location / { uwsgi_pass 127.0.0.1:${port.uwsgi}; include /etc/nginx/uwsgi_params; } }`,
      `  server { listen 127.0.0.1:${port.nginxServe}; location / { uwsgi_pass 127.0.0.1:${port.serve}; include /etc/nginx/uwsgi_params; } }`,
      `  server { listen 127.0.0.1:${port.nginxBareServe}; location / { uwsgi_pass 127.0.0.1:${port.bareServe}; include /etc/nginx/uwsgi_params; } }`,
      `  server { listen 127.0.0.1:${port.nginxPhp}; location / { fastcgi_pass 127.0.0.1:${port.php}; include /etc/nginx/fastcgi_params; fastcgi_param SCRIPT_FILENAME ${script}; } }`,
      "}",
      "",
    ].join("\n"),
  );
  const nginx = startProcess("/usr/sbin/nginx", [
    "-p",
    dir,
    "-c",
    join(dir, "nginx.conf"),
    "-e",
    join(dir, "error.log"),
  ]);
  stops.push(nginx.stop);
  // [name, port, the process that listens, the row it is judged against, the servers whose CPU it counts]
  const rows = [
    ["nginx → uWSGI", port.nginxUwsgi, nginx, null, { nginx, uWSGI: uwsgi }],
    ["envwire proxy → uWSGI", port.proxyUwsgi, proxyUwsgi, 0, { envwire: proxyUwsgi, uWSGI: uwsgi }],
    ["bare Node proxy → uWSGI (floor)", port.bare, bare, 0, { bare, uWSGI: uwsgi }],
    ["nginx → envwire serve", port.nginxServe, nginx, 0, { nginx, envwire: serve }],
    ["nginx → bare Node server (floor)", port.nginxBareServe, nginx, 0, { nginx, bare: bareServe }],
    ["nginx → php-fpm", port.nginxPhp, nginx, null, { nginx, "php-fpm": php }],
    ["envwire proxy → php-fpm", port.proxyPhp, proxyPhp, 5, { envwire: proxyPhp, "php-fpm": php }],
  ];
  for (const [name, p, { child }] of rows) await waitFor(p, child, name);
  const lua = join(dir, "check.lua");
  const results = rows.map(() => []);
  for (let round = 0; round < ROUNDS; round++)
    for (const [k, [, p, , , servers]] of rows.entries()) {
      const before = Object.values(servers).map(({ child }) => cpuSeconds(child.pid));
      const r = load(p, lua);
      r.cpu = Object.values(servers).map(({ child }, i) => (cpuSeconds(child.pid) - before[i]) / r.requests);
      results[k].push(r);
    }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(
    `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} round${ROUNDS > 1 ? "s" : ""} interleaved, medians; ` +
      `${WORKERS} worker${WORKERS > 1 ? "s" : ""} each (nginx worker_processes, envwire --workers)`,
  );
  console.log("| path | requests/s | vs its reference | p50 | p99 | goal | CPU a request | lost or wrong |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  let failed = false;
  for (const [k, [name, , , ref, servers]] of rows.entries()) {
    const r = results[k];
    const rate = median(r.map((x) => x.rate));
    const p99 = median(r.map((x) => x.p99));
    const wrong = r.reduce((n, x) => n + x.wrong, 0) + (r.some((x) => x.requests === 0) ? 1 : 0);
    if (wrong > 0) failed = true;
    const base = ref === null ? null : results[ref];
    const ratio = base ? rate / median(base.map((x) => x.rate)) : 1;
    const p99ratio = base ? p99 / median(base.map((x) => x.p99)) : 1;
    const goal =
      ref === null || name.endsWith("(floor)")
        ? "—"
        : `≥ 0.8×, p99 ≤ 1.5×: ${ratio >= 0.8 && p99ratio <= 1.5 ? "met" : "not met"}`;
    const cpu = Object.keys(servers)
      .map((server, i) => `${server} ${(median(r.map((x) => x.cpu[i])) * 1e6).toFixed(0)} µs`)
      .join(", ");
    console.log(
      `| ${name} | ${rate.toFixed(0)} | ${base ? `${ratio.toFixed(2)}×` : "1.00×"} | ${median(r.map((x) => x.p50)).toFixed(2)} ms | ` +
        `${p99.toFixed(2)} ms${base ? ` (${p99ratio.toFixed(2)}×)` : ""} | ${goal} | ${cpu} | ${wrong} |`,
    );
  }
  console.log(
    "references: envwire proxy and the bare proxy → uWSGI against nginx → uWSGI; envwire serve and the bare server against uWSGI's own app server behind the same nginx (nginx → uWSGI); envwire proxy → php-fpm against nginx → php-fpm",
  );
  if (SOAK > 0) failed = (await soak([proxyUwsgi, port.proxyUwsgi], [serve, port.nginxServe], lua)) || failed;
  if (failed) {
    console.error("some answers were lost or wrong");
    process.exitCode = 1;
  }
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}
