// The `envwire` command: what `pnpm start` runs (demo), its usage errors, the bin's exit
// statuses and its graceful shutdown, and addresses as the command line writes them.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main, UsageError } from "../src/cli.js";
import { formatAddress, parseAddress } from "../src/index.js";
import { NGINX_PARAMS } from "../src/params.js";
import { VERSION } from "../src/version.js";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, "..", "dist", "bin.js");

describe("envwire demo (pnpm start)", () => {
  it("serves the demo app over uwsgi behind the proxy, and prints a curl line that works", async () => {
    const lines: string[] = [];
    const gateways = await main(
      ["demo", "--listen", "127.0.0.1:0", "--app-listen", "uwsgi://127.0.0.1:0"],
      (line) => lines.push(line),
    );
    try {
      const curl = lines.find((l) => l.startsWith("try:"))!;
      const url = /'(http:[^']+)'/.exec(curl)![1]!;
      const answer = await fetch(url, { headers: { "X-Demo": "1" } });
      const text = await answer.text();
      expect(answer.status).toBe(200);
      const names = text
        .split("\n")
        .filter((l) => /^[A-Z_]+: /.test(l))
        .map((l) => l.slice(0, l.indexOf(":")));
      // uwsgi_params' names in order (no HTTPS over plain HTTP), then the client's headers.
      const params = NGINX_PARAMS.uwsgi.filter((n) => n !== "HTTPS");
      expect(names.slice(0, params.length)).toEqual(params);
      expect(text).toContain("QUERY_STRING: name=world");
      expect(text).toContain("HTTP_X_DEMO: 1");
      expect(text).toContain("body: 0 bytes");
      // One access line a request, from the app server and from the proxy.
      expect(lines.filter((l) => l.includes('"GET /hello?name=world'))).toHaveLength(2);
    } finally {
      await Promise.all(gateways.map((g) => g.close(100)));
    }
  });
});

describe("usage", () => {
  it("says what is missing or wrong", async () => {
    await expect(main(["proxy", "--quiet"], () => {})).rejects.toThrow(/proxy needs --upstream/);
    await expect(main(["serve", "--listen", "uwsgi://127.0.0.1:0"], () => {})).rejects.toThrow(UsageError);
    await expect(main(["nonsense"], () => {})).rejects.toThrow(/unknown command "nonsense"/);
    await expect(
      main(["proxy", "--upstream", "uwsgi://127.0.0.1:1", "--max-body", "1k"], () => {}),
    ).rejects.toThrow(/--max-body must be a whole number/);
    await expect(
      main(["proxy", "--upstream", "uwsgi://127.0.0.1:1", "--param", "NOVALUE"], () => {}),
    ).rejects.toThrow(/--param must be NAME=VALUE/);
    await expect(main(["proxy", "--upstream", "gopher://x:1"], () => {})).rejects.toThrow(TypeError);
    const out: string[] = [];
    await main(["--help"], (l) => out.push(l));
    expect(out.join("\n")).toMatch(/envwire proxy --listen/);
    await main(["--version"], (l) => out.push(l));
    expect(out.at(-1)).toBe(`envwire ${VERSION}`);
    await expect(
      main(["proxy", "--listen", "nothost", "--upstream", "uwsgi://127.0.0.1:1"], () => {}),
    ).rejects.toThrow(/"nothost" must be HOST:PORT or PROTOCOL:\/\/HOST:PORT/);
  });

  it("reads addresses as PROTOCOL://HOST:PORT, IPv6 in brackets", () => {
    expect(parseAddress("uwsgi://127.0.0.1:3031")).toEqual({
      protocol: "uwsgi",
      host: "127.0.0.1",
      port: 3031,
    });
    expect(parseAddress("[::1]:8080", "http")).toEqual({ protocol: "http", host: "::1", port: 8080 });
    expect(formatAddress(parseAddress("fastcgi://[::1]:9000"))).toBe("fastcgi://[::1]:9000");
    expect(() => parseAddress("127.0.0.1:99999", "http")).toThrow(/port 99999 is over 65535/);
    expect(() => parseAddress("localhost")).toThrow(/must be PROTOCOL:\/\/HOST:PORT/);
  });

  it("SERVER_SOFTWARE's version is the package's", () => {
    const pkg = JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});

describe("the bin", () => {
  /** Runs the built bin; resolves with its exit status and output. */
  function run(args: string[], whenListening?: (child: ReturnType<typeof spawn>, line: string) => void) {
    return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (whenListening && out.includes("envwire proxy:")) whenListening(child, out);
      });
      child.stderr.on("data", (c: Buffer) => {
        err += c.toString();
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
  }

  it("exits 2 on a usage error, with the reason on stderr", async () => {
    const { code, err } = await run(["proxy"]);
    expect(code).toBe(2);
    expect(err).toMatch(/^envwire: proxy needs --upstream/);
  });

  it("--workers must be 1 or more", async () => {
    const { code, err } = await run(["proxy", "--workers", "0", "--upstream", "uwsgi://127.0.0.1:1"]);
    expect(code).toBe(2);
    expect(err).toMatch(/--workers must be 1 or more/);
  });

  it("with --workers, a worker that cannot start ends the command with its status", async () => {
    const { code, err } = await run(["proxy", "--workers", "2"]);
    expect(code).toBe(2);
    expect(err).toMatch(/envwire: proxy needs --upstream/);
  });

  it("--workers 2: two processes answer on one port, and SIGTERM stops them all", async () => {
    const gateways = await main(
      ["demo", "--quiet", "--listen", "127.0.0.1:0", "--app-listen", "uwsgi://127.0.0.1:0"],
      () => {},
    );
    try {
      const app = gateways[1]!.address;
      const seen: number[] = [];
      const { code, out } = await run(
        [
          "proxy",
          "--quiet",
          "--workers",
          "2",
          "--listen",
          "127.0.0.1:0",
          "--upstream",
          `uwsgi://127.0.0.1:${app.port}`,
        ],
        (child, text) => {
          // Each worker says where it listens (port 0: the primary's cluster shares one port).
          const ports = [...text.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
          if (ports.length < 2 || seen.length > 0) return;
          seen.push(...ports);
          void fetch(`http://127.0.0.1:${ports[0]}/w`)
            .then((answer) => answer.text())
            .then((text) => {
              if (text.includes("REQUEST_URI: /w")) seen.push(-1);
              child.kill("SIGTERM");
            });
        },
      );
      expect(out.match(/envwire proxy:/g)).toHaveLength(2);
      expect(seen).toContain(-1);
      expect(code).toBe(0);
    } finally {
      await Promise.all(gateways.map((g) => g.close(100)));
    }
  });

  it("shuts down on SIGTERM and exits 0", async () => {
    let signalled = false;
    const { code, out } = await run(
      ["proxy", "--quiet", "--listen", "127.0.0.1:0", "--upstream", "uwsgi://127.0.0.1:1"],
      (child) => {
        if (signalled) return;
        signalled = true;
        child.kill("SIGTERM");
      },
    );
    expect(out).toMatch(/envwire proxy: http:\/\/127\.0\.0\.1:\d+ → uwsgi:\/\/127\.0\.0\.1:1/);
    expect(code).toBe(0);
  });
});
