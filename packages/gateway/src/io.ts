/**
 * Sockets: writes that wait for the peer to take what was written (so a slow peer slows its
 * source, not memory), connects with a deadline, and the gateway's error for what went wrong
 * on the way to an upstream.
 */
import { connect, type Socket } from "node:net";
import { type Address, formatAddress } from "./address.js";

/** Something went wrong with the upstream: 502 (bad or closed) or 504 (no answer in time). */
export class UpstreamError extends Error {
  readonly status: 502 | 504;
  readonly code: string;

  constructor(status: 502 | 504, message: string) {
    super(message);
    this.status = status;
    this.code = status === 504 ? "UPSTREAM_TIMEOUT" : "UPSTREAM_FAILED";
    this.name = "UpstreamError";
  }
}

/** The socket went away before all was written. */
export class ClosedError extends Error {
  constructor() {
    super("the connection closed");
    this.name = "ClosedError";
  }
}

/** Writes `chunk`; resolves once the socket can take more (at once, unless its buffer is full). */
export function write(socket: Socket, chunk: Uint8Array): Promise<void> | undefined {
  if (socket.destroyed || socket.writableEnded) return Promise.reject(new ClosedError());
  if (socket.write(chunk)) return undefined;
  // (A corked socket never drains: what it holds goes out now.)
  while (socket.writableCorked > 0) socket.uncork();
  return drained(socket);
}

/**
 * Writes `parts` (one record's header, payload and padding) with nothing between them, so
 * that no other write on the socket can split the record; resolves when it can take more.
 */
export function writeTogether(socket: Socket, parts: readonly Uint8Array[]): Promise<void> | undefined {
  if (socket.destroyed || socket.writableEnded) return Promise.reject(new ClosedError());
  let full = false;
  for (const part of parts) full = !socket.write(part) || full;
  if (!full) return undefined;
  while (socket.writableCorked > 0) socket.uncork();
  return drained(socket);
}

/** Resolves when the socket's write buffer has drained; rejects if it closes first. */
export function drained(socket: Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new ClosedError());
    socket.on("drain", onDrain);
    socket.on("close", onClose);
  });
}

/** A connection to `address`, or an UpstreamError: 502 if refused, 504 past `timeout` ms. */
export function open(address: Address, timeout: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      address.path === undefined
        ? connect({ host: address.host, port: address.port })
        : connect({ path: address.path });
    socket.setNoDelay(true);
    const where = formatAddress(address);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UpstreamError(504, `no connection to ${where} in ${timeout} ms`));
    }, timeout);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new UpstreamError(502, `cannot connect to ${where}: ${error.message}`));
    });
  });
}
