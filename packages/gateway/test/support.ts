/**
 * Helpers for the gateway's end-to-end suite: an echo app, an HTTP client with a deadline, a
 * raw socket client, a small HTTP/1.1 response parser for what a raw socket received, stub
 * upstreams, and a memory sampler. Everything listens on and connects to 127.0.0.1 only.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { type Agent, type IncomingHttpHeaders, request } from "node:http";
import { connect, createServer as createNetServer, type Socket } from "node:net";
import type { App } from "../src/index.js";

export const HOST = "127.0.0.1";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function sha256(...parts: readonly Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/** `promise`, or a rejection saying `what` did not happen within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `test` every 10 ms until it holds; rejects after `ms`. */
export async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
}

/** What the echo app answers: the Environ it got, in order, and the body's digest. */
export interface Echo {
  protocol: string;
  names: string[];
  vars: Record<string, string>;
  length: number;
  sha256: string;
}

/** Answers with the request's variables (in order) and the sha256 of its body, read chunk by chunk. */
export const echoApp: App = async (env, body, context) => {
  const hash = createHash("sha256");
  let length = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    length += chunk.length;
  }
  const echo: Echo = {
    protocol: context.protocol,
    names: [...env].map(([name]) => name),
    vars: env.toObject(),
    length,
    sha256: hash.digest("hex"),
  };
  return {
    status: 200,
    headers: [
      ["Content-Type", "application/json"],
      ["X-Echo", "yes"],
    ],
    body: JSON.stringify(echo),
  };
};

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The client's local port: which connection carried it. */
  localPort: number;
}

export interface Ask {
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  /** Sent with Content-Length. */
  body?: Uint8Array;
  /** Sent one write each, chunked (no Content-Length). */
  chunks?: readonly Uint8Array[];
  /** Default: none (a new connection, closed after). */
  agent?: Agent;
  /** Default 10000 ms: past it the request is destroyed and the promise rejects. */
  timeout?: number;
}

/** One request with node:http, its answer read whole. */
export function ask(port: number, options: Ask = {}): Promise<Answer> {
  const { method = "GET", path = "/", body, chunks, timeout = 10_000 } = options;
  const headers: Record<string, string | number> = { ...options.headers };
  if (body !== undefined) headers["Content-Length"] = body.length;
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: HOST, port, method, path, headers, agent: options.agent ?? false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(parts),
          localPort: req.socket?.localPort ?? 0,
        });
      });
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`${method} ${path}: no answer in ${timeout} ms`)),
      timeout,
    );
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (chunks !== undefined) for (const chunk of chunks) req.write(chunk);
    req.end(body);
  });
}

/** A raw client connection: what it received, and whether the server closed it. */
export class Raw {
  readonly socket: Socket;
  #parts: Buffer[] = [];
  #length = 0;
  ended = false;
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#parts.push(chunk);
      this.#length += chunk.length;
    });
    socket.on("end", () => {
      this.ended = true;
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
    });
  }

  static async connect(port: number): Promise<Raw> {
    const socket = connect({ host: HOST, port });
    await within(once(socket, "connect"), 5000, "connect");
    return new Raw(socket);
  }

  get length(): number {
    return this.#length;
  }

  get bytes(): Buffer {
    if (this.#parts.length > 1) this.#parts = [Buffer.concat(this.#parts)];
    return this.#parts[0] ?? Buffer.alloc(0);
  }

  get text(): string {
    return this.bytes.toString("latin1");
  }

  write(data: string | Uint8Array): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Waits until `count` complete responses have arrived. */
  async responses(count: number, ms = 5000): Promise<RawResponse[]> {
    await until(() => parseResponses(this.bytes).length >= count, ms, `${count} responses`);
    return parseResponses(this.bytes);
  }

  /** Waits until the server has ended the connection (FIN) or it closed. */
  async serverEnded(ms = 5000): Promise<void> {
    await until(() => this.ended || this.closed, ms, "the server ends the connection");
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Runs `body` with a raw connection to `port`, destroyed after whatever happens. */
export async function withRaw<T>(port: number, body: (raw: Raw) => Promise<T>): Promise<T> {
  const raw = await Raw.connect(port);
  try {
    return await body(raw);
  } finally {
    raw.destroy();
  }
}

export interface RawResponse {
  status: number;
  reason: string;
  /** Field names lower-cased. */
  headers: [string, string][];
  body: Buffer;
}

export function field(response: RawResponse, name: string): string | undefined {
  return response.headers.find(([n]) => n === name)?.[1];
}

/**
 * The complete HTTP/1.1 responses at the start of `data`, in order (interim ones included):
 * bodies framed by Content-Length or chunked; a body of neither runs to the end of the data.
 */
export function parseResponses(data: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let p = 0;
  while (p < data.length) {
    const headEnd = data.indexOf("\r\n\r\n", p, "latin1");
    if (headEnd < 0) break;
    const lines = data.toString("latin1", p, headEnd).split("\r\n");
    const match = /^HTTP\/1\.[01] ([0-9]{3}) ?(.*)$/.exec(lines[0] ?? "");
    if (match === null) throw new Error(`not a status line: ${JSON.stringify(lines[0])}`);
    const status = Number(match[1]);
    const headers = lines.slice(1).map((line): [string, string] => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    });
    const response: RawResponse = { status, reason: match[2] ?? "", headers, body: Buffer.alloc(0) };
    let q = headEnd + 4;
    const length = field(response, "content-length");
    if (status < 200 || status === 204 || status === 304) {
      // no body
    } else if (field(response, "transfer-encoding")?.toLowerCase() === "chunked") {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf("\r\n", q, "latin1");
        if (lineEnd < 0) return out;
        const size = Number.parseInt(data.toString("latin1", q, lineEnd), 16);
        if (size === 0) {
          const end = data.indexOf("\r\n\r\n", lineEnd, "latin1");
          if (end < 0) return out;
          q = end + 4;
          break;
        }
        if (data.length < lineEnd + 2 + size + 2) return out;
        parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        q = lineEnd + 2 + size + 2;
      }
      response.body = Buffer.concat(parts);
    } else if (length !== undefined) {
      if (data.length < q + Number(length)) break;
      response.body = data.subarray(q, q + Number(length));
      q += Number(length);
    } else {
      response.body = data.subarray(q);
      q = data.length;
    }
    out.push(response);
    p = q;
  }
  return out;
}

/** A raw TCP server standing in for an upstream; close() destroys its connections. */
export interface Stub {
  readonly port: number;
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function stub(onSocket: (socket: Socket) => void): Promise<Stub> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
    onSocket(socket);
  });
  const port = await listen(server);
  return {
    port,
    sockets,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts `server` listening on a loopback port the system chooses; resolves with it. */
export async function listen(
  server: { listen(port: number, host: string): unknown; address(): unknown } & NodeJS.EventEmitter,
): Promise<number> {
  server.listen(0, HOST);
  await once(server, "listening");
  const address = server.address() as { port: number } | string | null;
  return typeof address === "object" && address !== null ? address.port : 0;
}

/** A port that nothing listens on (bound, then let go). */
export async function deadPort(): Promise<number> {
  const s = await stub(() => {});
  await s.close();
  return s.port;
}

export interface Growth {
  /** Growth over the baseline of the largest sample, in MiB. */
  rss: number;
  arrayBuffers: number;
  heapUsed: number;
}

export interface MemoryPeak {
  /** Every `every` ms, as it is: garbage a fast transfer leaves behind counts until collected. */
  raw: Growth;
  /** At each checkpoint(), after a full collection: what is live (buffers in flight). */
  live: Growth;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * V8 frees array buffers' memory on a background thread after a collection: waits (a
 * millisecond at a time, at most 200) until the count has not fallen for 5 ms, as
 * test/support/heap.mjs does (more patiently: this machine may be busy).
 */
function settle(): void {
  let last = process.memoryUsage().arrayBuffers;
  let still = 0;
  for (let i = 0; i < 200 && still < 5; i++) {
    Atomics.wait(pause, 0, 0, 1);
    const now = process.memoryUsage().arrayBuffers;
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

/**
 * Samples process.memoryUsage() from now until stop(): as it is every `every` ms, and at each
 * checkpoint() after `collect()`, a full garbage collection (some 200 ms in a vitest worker:
 * call it a few times a transfer, not on a timer).
 */
export function sampleMemory(collect: () => void, every = 20): { checkpoint(): void; stop(): MemoryPeak } {
  collect();
  settle();
  const base = process.memoryUsage();
  const peaks = {
    raw: { rss: base.rss, arrayBuffers: base.arrayBuffers, heapUsed: base.heapUsed },
    live: { rss: base.rss, arrayBuffers: base.arrayBuffers, heapUsed: base.heapUsed },
  };
  const take = (peak: Growth) => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  };
  const timer = setInterval(() => take(peaks.raw), every);
  const MiB = 1024 * 1024;
  const growth = (peak: Growth): Growth => ({
    rss: (peak.rss - base.rss) / MiB,
    arrayBuffers: (peak.arrayBuffers - base.arrayBuffers) / MiB,
    heapUsed: (peak.heapUsed - base.heapUsed) / MiB,
  });
  return {
    checkpoint() {
      take(peaks.raw);
      collect();
      settle();
      take(peaks.live);
    },
    stop() {
      clearInterval(timer);
      take(peaks.raw);
      return { raw: growth(peaks.raw), live: growth(peaks.live) };
    },
  };
}

/** A MemoryPeak as text, for the report. */
export function showPeak({ raw, live }: MemoryPeak): string {
  const f = (g: Growth) =>
    `rss ${g.rss.toFixed(1)}, arrayBuffers ${g.arrayBuffers.toFixed(1)}, heapUsed ${g.heapUsed.toFixed(1)} MiB`;
  return `growth as sampled: ${f(raw)}; live (after gc, at checkpoints): ${f(live)}`;
}

/** Sixteen distinct 64 KiB blocks: a large body is these in turn, so it is never held whole. */
export const BLOCKS: readonly Buffer[] = Array.from({ length: 16 }, (_, k) => {
  const block = Buffer.alloc(64 * 1024);
  let x = 0x9e3779b9 ^ (k * 0x85ebca6b);
  for (let i = 0; i < block.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  return block;
});

/** The digest of `size` bytes of BLOCKS in turn (size a multiple of 64 KiB). */
export function blocksDigest(size: number): string {
  const hash = createHash("sha256");
  for (let i = 0; i * BLOCKS[0]!.length < size; i++) hash.update(BLOCKS[i % BLOCKS.length]!);
  return hash.digest("hex");
}

/** `size` bytes of BLOCKS in turn, as chunks made when asked for; stops early once `signal` aborts. */
export async function* blocks(size: number, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  for (let i = 0; i * BLOCKS[0]!.length < size; i++) {
    if (signal?.aborted) return;
    yield BLOCKS[i % BLOCKS.length]!;
  }
}

/** Optional figures for the report: written to $E2E_REPORT when it is set, never printed. */
export function report(line: string): void {
  const file = process.env.E2E_REPORT;
  if (file) void import("node:fs").then((fs) => fs.appendFileSync(file, `${line}\n`));
}
