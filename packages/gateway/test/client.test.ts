import { Environ } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { type App, createClient, createServer, type Protocol, UpstreamError } from "../src/index.js";
import { deadPort, HOST, sleep, until } from "./support.js";

/** Answers with its method, SCRIPT_FILENAME and the body's length, after reading the body. */
const app: App = async (env, body) => {
  let length = 0;
  for await (const chunk of body) length += chunk.length;
  return {
    status: 201,
    headers: { "Content-Type": "text/plain", "X-Seen": env.get("SCRIPT_FILENAME") ?? "-" },
    body: `${env.get("REQUEST_METHOD")} ${length}`,
  };
};

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts).toString();
}

describe("createClient", () => {
  for (const protocol of ["fastcgi", "uwsgi", "scgi", "http"] as Protocol[]) {
    it(`sends a request with a body over ${protocol}, and streams its answer back`, async () => {
      const [server] = await createServer(app, [`${protocol}://${HOST}:0`]);
      const client = createClient();
      try {
        const env = new Environ([
          ["REQUEST_METHOD", "POST"],
          ["REQUEST_URI", "/index.php"],
          ["SCRIPT_FILENAME", "/var/www/html/index.php"],
          ["CONTENT_LENGTH", "5"],
          ["HTTP_HOST", "app.test"],
        ]);
        const answer = await client.request(server!.address, env, "hello");
        expect(answer.status).toBe(201);
        expect(await text(answer.body)).toBe("POST 5");
        if (protocol !== "http")
          expect(answer.headers.find(([n]) => n === "X-Seen")?.[1]).toBe("/var/www/html/index.php");
      } finally {
        client.close();
        await server!.close(100);
      }
    });
  }

  it("keeps FastCGI connections when asked, and reuses them", async () => {
    const [server] = await createServer(app, [`fastcgi://${HOST}:0`]);
    let connections = 0;
    server!.server.on("connection", () => connections++);
    const client = createClient({ fastcgiKeepConn: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await client.request(server!.address, new Environ([["REQUEST_METHOD", "GET"]]));
        expect(await text(answer.body)).toBe("GET 0");
      }
      expect(connections).toBe(1);
    } finally {
      client.close();
      await server!.close(100);
    }
  });

  it("aborts: the application's signal fires", async () => {
    let aborted = false;
    const slow: App = async (_, __, { signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      aborted = true;
      return { status: 200 };
    };
    const [server] = await createServer(slow, [`fastcgi://${HOST}:0`]);
    const client = createClient();
    try {
      const controller = new AbortController();
      const pending = client.request(server!.address, new Environ([["REQUEST_METHOD", "GET"]]), undefined, {
        signal: controller.signal,
      });
      await sleep(100);
      controller.abort();
      await expect(pending).rejects.toThrow();
      await until(() => aborted, 2000, "the app sees the abort");
    } finally {
      client.close();
      await server!.close(100);
    }
  });

  it("rejects with an UpstreamError (502) when nothing listens, and a TypeError for an env that is not one", async () => {
    const client = createClient({ connectTimeout: 2000 });
    const env = new Environ([["REQUEST_METHOD", "GET"]]);
    await expect(client.request(`fastcgi://${HOST}:${await deadPort()}`, env)).rejects.toBeInstanceOf(
      UpstreamError,
    );
    await expect(client.request(`fastcgi://${HOST}:1`, { REQUEST_METHOD: "GET" } as never)).rejects.toThrow(
      TypeError,
    );
    client.close();
  });
});
