/**
 * The `envwire` command:
 *   envwire proxy --listen HOST:PORT --upstream PROTO://HOST:PORT [--param NAME=VALUE]…
 *   envwire serve --listen PROTO://HOST:PORT [--listen …] --app ./app.mjs
 *   envwire decode [--proto auto|uwsgi|fastcgi|scgi|http] FILE|-
 *   envwire demo [--listen HOST:PORT] [--app-listen uwsgi://HOST:PORT]
 * SIGTERM or SIGINT shuts down gracefully: no new connections, what is in flight finished
 * within --grace ms (10000). `--workers N` runs N processes (node:cluster) on one port.
 */
import cluster from "node:cluster";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { formatAddress } from "./address.js";
import { decodeCommand } from "./decode.js";
import { demoApp } from "./demo-app.js";
import { streamSink } from "./line-sink.js";
import { createProxy, type Gateway } from "./proxy.js";
import { type App, createServer } from "./server.js";
import { VERSION } from "./version.js";

const USAGE = `usage:
  envwire proxy --listen HOST:PORT --upstream (uwsgi|fastcgi|scgi|http)://HOST:PORT
                [--route PREFIX=PROTO://HOST:PORT]...
                [--param NAME=VALUE]... [--script-filename PATH] [--document-root DIR]
                [--server-name NAME] [--max-body BYTES] [--body-timeout MS]
                [--no-request-buffering] [--fastcgi-keep-conn N]
                [--connect-timeout MS] [--read-timeout MS]
                [--workers N] [--grace MS] [--quiet]
  envwire serve --listen (uwsgi|fastcgi|scgi|http)://HOST:PORT [--listen ...] --app MODULE
                [--read-timeout MS] [--workers N] [--grace MS] [--quiet]
  envwire decode [--proto auto|uwsgi|fastcgi|scgi|http] [FILE|-]   (standard input without FILE)
  envwire demo [--listen HOST:PORT] [--app-listen uwsgi://HOST:PORT]
  envwire --version`;

const OPTIONS = {
  listen: { type: "string", multiple: true },
  upstream: { type: "string" },
  route: { type: "string", multiple: true },
  param: { type: "string", multiple: true },
  "script-filename": { type: "string" },
  "document-root": { type: "string" },
  "server-name": { type: "string" },
  "max-body": { type: "string" },
  "body-timeout": { type: "string" },
  "no-request-buffering": { type: "boolean" },
  "fastcgi-keep-conn": { type: "string" },
  "connect-timeout": { type: "string" },
  "read-timeout": { type: "string" },
  workers: { type: "string" },
  grace: { type: "string" },
  app: { type: "string" },
  "app-listen": { type: "string" },
  proto: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/** A command line that cannot be run: exit status 2. */
export class UsageError extends Error {}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value))
    throw new UsageError(`--${name} must be a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** `--param NAME=VALUE` or `--route PREFIX=ADDRESS`, each split at its first "=". */
function pairs(values: readonly string[] | undefined, flag: string, form: string): [string, string][] {
  return (values ?? []).map((p) => {
    const at = p.indexOf("=");
    if (at <= 0) throw new UsageError(`${flag} must be ${form}, not ${JSON.stringify(p)}`);
    return [p.slice(0, at), p.slice(at + 1)];
  });
}

async function loadApp(module: string): Promise<App> {
  const loaded = (await import(pathToFileURL(resolve(module)).href)) as { default?: unknown; app?: unknown };
  const app = loaded.default ?? loaded.app;
  if (typeof app !== "function")
    throw new UsageError(`${module} must export an app function (default or "app")`);
  return app as App;
}

/**
 * Runs the command in `argv`; resolves with the gateways it started (none for decode). Lines go
 * to `out`; by default to console.log, and decode's to standard output as fast as it takes them.
 */
export async function main(argv: readonly string[], out?: (line: string) => void): Promise<Gateway[]> {
  const toStdout = out === undefined;
  out ??= console.log;
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true });
  const [command, ...rest] = positionals;
  const log = values.quiet ? undefined : out;
  if (values.version) {
    out(`envwire ${VERSION}`);
    return [];
  }
  if (values.help || command === undefined) {
    out(USAGE);
    return [];
  }
  switch (command) {
    case "proxy": {
      if (values.upstream === undefined) throw new UsageError("proxy needs --upstream PROTO://HOST:PORT");
      if ((values.listen?.length ?? 0) > 1) throw new UsageError("proxy listens on one --listen address");
      const gateway = await createProxy(values.listen?.[0] ?? "127.0.0.1:8080", {
        upstream: values.upstream,
        routes: pairs(values.route, "--route", "PREFIX=PROTO://HOST:PORT"),
        params: pairs(values.param, "--param", "NAME=VALUE"),
        scriptFilename: values["script-filename"],
        documentRoot: values["document-root"],
        serverName: values["server-name"],
        maxBody: number(values["max-body"], "max-body"),
        bodyTimeout: number(values["body-timeout"], "body-timeout"),
        requestBuffering: !values["no-request-buffering"],
        fastcgiKeepConn: number(values["fastcgi-keep-conn"], "fastcgi-keep-conn"),
        connectTimeout: number(values["connect-timeout"], "connect-timeout"),
        readTimeout: number(values["read-timeout"], "read-timeout"),
        log,
      });
      out(`envwire proxy: ${formatAddress(gateway.address)} → ${values.upstream}`);
      return [gateway];
    }
    case "serve": {
      if (values.app === undefined) throw new UsageError("serve needs --app MODULE");
      if (values.listen === undefined) throw new UsageError("serve needs --listen PROTO://HOST:PORT");
      const gateways = await createServer(await loadApp(values.app), values.listen, {
        log,
        readTimeout: number(values["read-timeout"], "read-timeout"),
      });
      for (const g of gateways) out(`envwire serve: ${formatAddress(g.address)}`);
      return gateways;
    }
    case "decode": {
      const lines = toStdout ? streamSink(process.stdout) : out;
      try {
        await decodeCommand(rest[0] ?? "-", values.proto ?? "auto", lines);
      } catch (e) {
        // A reader that stopped (`| head`) has read what it wanted: not a failure.
        if ((e as NodeJS.ErrnoException).code !== "EPIPE") throw e;
      }
      return [];
    }
    case "demo": {
      const [app] = await createServer(demoApp, [values["app-listen"] ?? "uwsgi://127.0.0.1:3031"], { log });
      const proxy = await createProxy(values.listen?.[0] ?? "127.0.0.1:8080", {
        upstream: { ...app!.address },
        log,
      });
      const url = `http://${proxy.address.host}:${proxy.address.port}`;
      out(
        `envwire demo: the demo app on uwsgi://${app!.address.host}:${app!.address.port}, envwire proxy on ${url}`,
      );
      out(`try:  curl -s '${url}/hello?name=world' -H 'X-Demo: 1'`);
      return [proxy, app!];
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  }
}

/** Starts the command, with workers and graceful shutdown, as the `envwire` bin does. */
export async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false });
  const workers = number(typeof values.workers === "string" ? values.workers : undefined, "workers") ?? 1;
  if (workers < 1) throw new UsageError("--workers must be 1 or more");
  const grace = number(typeof values.grace === "string" ? values.grace : undefined, "grace") ?? 10_000;
  if (workers > 1 && cluster.isPrimary) {
    // The primary only watches: a signal goes on to the workers; a worker that dies unasked
    // (it could not start, or crashed) ends the command with its status.
    let stopping = false;
    const stop = (code: number) => {
      stopping = true;
      process.exitCode = code;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    };
    cluster.on("exit", (_, code, signal) => {
      if (!stopping) stop(code || (signal ? 1 : 0) || 1);
    });
    // Each worker accepts from the listening socket itself, as nginx's workers do, rather than
    // the primary accepting every connection and handing it over a pipe (node:cluster's
    // default on Linux): with a connection a request (nginx → serve), that hand-over cost
    // more than the request (--workers 2: 140 µs of CPU a request against 59 with one).
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    for (let i = 0; i < workers; i++) cluster.fork();
    process.once("SIGTERM", () => stop(0));
    process.once("SIGINT", () => stop(0));
    return;
  }
  // Handlers first: a supervisor may signal as soon as the listening line is printed.
  let gateways: Gateway[] = [];
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await Promise.all(gateways.map((g) => g.close(grace)));
    process.exit(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  gateways = await main(argv);
  if (stopping) await Promise.all(gateways.map((g) => g.close(grace)));
}
