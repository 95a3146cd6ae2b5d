/**
 * A tunnel: once an HTTP upstream has answered an Upgrade request with 101 Switching
 * Protocols, the client's connection and the upstream's are piped to each other, raw, both
 * ways — nginx's upgraded mode (WebSocket proxying). Each way runs at the pace of its reader
 * (a full write pauses the other socket until it drains); a FIN goes on as a FIN, so one side
 * may still send after the other has finished; an error or a reset on either side closes both;
 * and the two are closed when nothing has gone either way for the idle timeout.
 */
import type { Socket } from "node:net";
import { deadline } from "./deadline.js";

export interface TunnelEnds {
  /** The client's connection, and the bytes it sent after its request, before the tunnel began. */
  readonly client: Socket;
  readonly fromClient: readonly Uint8Array[];
  /** The upstream's connection, and the bytes it sent after its 101, in the same reads. */
  readonly upstream: Socket;
  readonly fromUpstream: readonly Uint8Array[];
  /** Both are closed once nothing has gone either way for this many ms. */
  readonly idleTimeout: number;
}

/** Pipes the two ends to each other; resolves with the bytes that went each way once both are closed. */
export function tunnel(ends: TunnelEnds): Promise<{ up: number; down: number }> {
  const { client, upstream } = ends;
  // (One already gone, as a reset while the 101 went out: its close has passed, or will pass
  // before any listener below could hear it.)
  if (client.destroyed || upstream.destroyed) {
    client.destroy();
    upstream.destroy();
    return Promise.resolve({ up: 0, down: 0 });
  }
  const idle = deadline(ends.idleTimeout, () => {
    client.destroy();
    upstream.destroy();
  });
  idle.start();
  const counts = { up: 0, down: 0 };
  return new Promise((resolve) => {
    let open = 2;
    const closed = () => {
      if (--open > 0) return;
      idle.stop();
      resolve(counts);
    };
    pipe(client, upstream, ends.fromClient, (n) => (counts.up += n), idle.touch, closed);
    pipe(upstream, client, ends.fromUpstream, (n) => (counts.down += n), idle.touch, closed);
  });
}

/** One way: what `from` sends goes to `to`, `early` first; `from`'s FIN ends `to`. */
function pipe(
  from: Socket,
  to: Socket,
  early: readonly Uint8Array[],
  count: (n: number) => void,
  touch: () => void,
  closed: () => void,
): void {
  // (A FIN from one side must not end the other way: the other side may still send.)
  from.allowHalfOpen = true;
  from.setTimeout(0);
  from.on("error", () => {});
  let draining = false;
  const send = (chunk: Uint8Array) => {
    touch();
    count(chunk.length);
    if (!to.destroyed && !to.writableEnded && !to.write(chunk) && !draining) {
      draining = true;
      from.pause();
      to.once("drain", () => {
        draining = false;
        from.resume();
      });
    }
  };
  for (const chunk of early) send(chunk);
  from.on("data", send);
  const ended = () => {
    if (!to.destroyed) to.end();
  };
  if (from.readableEnded) ended();
  else from.on("end", ended);
  from.once("close", (hadError: boolean) => {
    // Gone with a way still open (a reset, an error, or closed before its peer finished):
    // nothing more can go through, and the other side is closed too.
    if (hadError || !to.writableEnded || !to.readableEnded) to.destroy();
    closed();
  });
  if (!draining) from.resume();
}
