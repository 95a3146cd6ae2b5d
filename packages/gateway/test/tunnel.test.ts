import { connect, createServer, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { tunnel } from "../src/tunnel.js";
import { HOST, listen } from "./support.js";

/** Both ends of a loopback connection. */
async function pair(): Promise<[Socket, Socket, () => Promise<void>]> {
  let accepted!: (socket: Socket) => void;
  const far = new Promise<Socket>((resolve) => {
    accepted = resolve;
  });
  const server = createServer((socket) => accepted(socket));
  const port = await listen(server);
  const near = connect(port, HOST);
  await new Promise((resolve) => near.once("connect", resolve));
  return [near, await far, () => new Promise<void>((resolve) => server.close(() => resolve()))];
}

describe("tunnel", () => {
  it("ends at once, both ends closed, when one was already gone as it began", async () => {
    const [client, clientPeer, closeA] = await pair();
    const [upstream, upstreamPeer, closeB] = await pair();
    try {
      const gone = new Promise((resolve) => client.once("close", resolve));
      client.destroy();
      await gone; // (its close heard before the tunnel could listen for it)
      const result = await tunnel({
        client,
        fromClient: [],
        upstream,
        fromUpstream: [],
        idleTimeout: 60_000,
      });
      expect(result).toEqual({ up: 0, down: 0 });
      expect(upstream.destroyed).toBe(true);
    } finally {
      for (const socket of [client, clientPeer, upstream, upstreamPeer]) socket.destroy();
      await closeA();
      await closeB();
    }
  });
});
