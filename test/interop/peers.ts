/**
 * The real peers of the interop suite — nginx, uWSGI (python3 plugin) and php-fpm, from
 * Debian's packages — each started in a temporary folder of its own (config, pid, logs), on
 * loopback ports, and stopped by its pid. A missing peer is installed with apt-get when the
 * suite runs as root, and is an error otherwise: the suite never skips.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NGINX = "/usr/sbin/nginx";
export const UWSGI = "/usr/bin/uwsgi";
export const PHP_FPM = "/usr/sbin/php-fpm8.2";
const PACKAGES = ["nginx-light", "uwsgi-core", "uwsgi-plugin-python3", "php8.2-fpm"];
export const INSTALL = `apt-get update && apt-get install -y --no-install-recommends ${PACKAGES.join(" ")}`;

/** The peers' own files in this folder: the WSGI app and the PHP script. */
const HERE = join(import.meta.dirname, "peers");

/** Installs the peers if one is missing (as root; otherwise throws the command to run). */
export function requirePeers(): void {
  if ([NGINX, UWSGI, PHP_FPM].every(existsSync) && existsSync("/usr/lib/uwsgi/plugins/python3_plugin.so"))
    return;
  if (process.getuid?.() !== 0)
    throw new Error(`the interop peers are missing; install them with: ${INSTALL}`);
  // Debian's package scripts would start the system services: policy-rc.d keeps them stopped.
  const policy = "/usr/sbin/policy-rc.d";
  const hadPolicy = existsSync(policy);
  if (!hadPolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    // (Bounded, and apt-get's own words in the error if it fails.)
    const options = {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: ["ignore", "ignore", "pipe"] as ("ignore" | "pipe")[],
      timeout: 15 * 60_000,
    };
    execFileSync("apt-get", ["update", "-qq"], options);
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...PACKAGES], options);
  } finally {
    if (!hadPolicy) rmSync(policy);
  }
}

/**
 * `count` loopback ports nothing listens on: the kernel's picks, all held until every one is
 * picked (so no two are the same), then let go for the peer to bind.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  for (const server of servers) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  return ports;
}

/** Starts every peer; if one fails, stops those that started (by pid) and throws. */
export async function startAll<T extends (() => Promise<Peer>)[]>(
  ...starters: T
): Promise<{ [K in keyof T]: Peer }> {
  const started = await Promise.allSettled(starters.map((start) => start()));
  const failed = started.find((s) => s.status === "rejected");
  if (failed === undefined)
    return started.map((s) => (s as PromiseFulfilledResult<Peer>).value) as { [K in keyof T]: Peer };
  for (const s of started) if (s.status === "fulfilled") await s.value.stop();
  throw (failed as PromiseRejectedResult).reason;
}

export interface Peer {
  dir: string;
  /** The port of each socket, by name. */
  ports: Record<string, number>;
  /** The peer's log, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `command` (its pid is the server's), and waits until every port accepts connections. */
async function start(
  name: string,
  dir: string,
  ports: Record<string, number>,
  command: string,
  args: string[],
  logFile: string,
): Promise<Peer> {
  const child: ChildProcess = spawn(command, args, { cwd: dir, stdio: "ignore", detached: false });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "latin1") : "(no log)");
  const peer: Peer = {
    dir,
    ports,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 15_000;
  for (const port of Object.values(ports)) {
    while (!(await accepts(port))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        await peer.stop().catch(() => {});
        throw new Error(`${name} did not start (exit ${child.exitCode}): ${log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  // (Something else may have taken a port the peer could not bind: it must still be running.)
  if (child.exitCode !== null || child.signalCode !== null) {
    await peer.stop().catch(() => {});
    throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}): ${log()}`);
  }
  return peer;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * uWSGI with the python3 plugin running peers/app.py, one process, on a uwsgi, a FastCGI, an
 * SCGI and an HTTP socket at once.
 */
export async function startUwsgi(): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), "envwire-uwsgi-"));
  const [uwsgi, fastcgi, scgi, http] = await freePorts(4);
  const ports = { uwsgi: uwsgi!, fastcgi: fastcgi!, scgi: scgi!, http: http! };
  const logFile = join(dir, "uwsgi.log");
  return start(
    "uWSGI",
    dir,
    ports,
    UWSGI,
    [
      "--plugin",
      "python3",
      "--wsgi-file",
      join(HERE, "app.py"),
      "--uwsgi-socket",
      `127.0.0.1:${ports.uwsgi}`,
      "--fastcgi-socket",
      `127.0.0.1:${ports.fastcgi}`,
      "--scgi-socket",
      `127.0.0.1:${ports.scgi}`,
      "--http-socket",
      `127.0.0.1:${ports.http}`,
      "--processes",
      "1",
      "--buffer-size",
      "32768",
      "--need-app",
      "--die-on-term", // (else SIGTERM reloads it: stopped by its pid, it must stop)
      "--logto",
      logFile,
    ],
    logFile,
  );
}

/** php-fpm running peers/app.php for every script name, two children, on a FastCGI port. */
export async function startPhpFpm(): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), "envwire-php-fpm-"));
  const ports = { fastcgi: (await freePorts(1))[0]! };
  const logFile = join(dir, "php-fpm.log");
  const conf = join(dir, "php-fpm.conf");
  writeFileSync(
    conf,
    [
      "[global]",
      `pid = ${join(dir, "php-fpm.pid")}`,
      `error_log = ${logFile}`,
      "daemonize = no",
      "[app]",
      `listen = 127.0.0.1:${ports.fastcgi}`,
      "listen.allowed_clients = 127.0.0.1",
      "user = nobody",
      "group = nogroup",
      "pm = static",
      "pm.max_children = 2",
      "catch_workers_output = yes",
      "",
    ].join("\n"),
  );
  return start("php-fpm", dir, ports, PHP_FPM, ["-F", "-R", "-n", "-y", conf, "-p", dir], logFile);
}

/** The script php-fpm runs (SCRIPT_FILENAME). */
export const PHP_SCRIPT = join(HERE, "app.php");

/**
 * nginx, one process (master_process off), with `servers` (server blocks, each listening on
 * 127.0.0.1:<its port>) in its http block; temp files and logs in its folder.
 */
export async function startNginx(servers: Record<string, (port: number) => string>): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), "envwire-nginx-"));
  const names = Object.keys(servers);
  const picked = await freePorts(names.length);
  const ports: Record<string, number> = Object.fromEntries(names.map((name, i) => [name, picked[i]!]));
  const logFile = join(dir, "error.log");
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    [
      "daemon off;",
      "master_process off;",
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${logFile} info;`,
      "events { worker_connections 64; }",
      "http {",
      `  access_log off;`,
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${join(dir, t)};`),
      ...Object.entries(servers).map(([name, server]) => server(ports[name]!)),
      "}",
      "",
    ].join("\n"),
  );
  return start("nginx", dir, ports, NGINX, ["-p", dir, "-c", conf, "-e", logFile], logFile);
}
