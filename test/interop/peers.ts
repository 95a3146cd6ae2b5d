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
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...PACKAGES], {
      stdio: "ignore",
      env,
    });
  } finally {
    if (!hadPolicy) rmSync(policy);
  }
}

/** A loopback port nothing listens on (the kernel's pick, let go at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
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
      if (child.exitCode !== null || Date.now() > deadline) {
        await peer.stop().catch(() => {});
        throw new Error(`${name} did not start (exit ${child.exitCode}): ${log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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
  const ports = {
    uwsgi: await freePort(),
    fastcgi: await freePort(),
    scgi: await freePort(),
    http: await freePort(),
  };
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
      "--logto",
      logFile,
    ],
    logFile,
  );
}

/** php-fpm running peers/app.php for every script name, two children, on a FastCGI port. */
export async function startPhpFpm(): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), "envwire-php-fpm-"));
  const ports = { fastcgi: await freePort() };
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
  const ports: Record<string, number> = {};
  for (const name of Object.keys(servers)) ports[name] = await freePort();
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
