// The npm FastCGI peers, fed bytes as a socket would feed them: fastcgi-stream (a record
// parser) and node-fastcgi (an application server's request side).
import { EventEmitter } from "node:events";
import fcgiStream from "fastcgi-stream";
import { do_not_optimize } from "mitata";
import nodeFastcgiModule from "node-fastcgi";

/** A socket stand-in the peers can listen on: 'data' is emitted synchronously. */
export function fakeSocket() {
  return Object.assign(new EventEmitter(), {
    writable: true,
    destroyed: false,
    write: (_b, cb) => {
      cb?.();
      return true;
    },
    end() {},
    destroy() {},
    setTimeout() {},
  });
}

/** fastcgi-stream parsing `bytes` (whole requests): { name, run, check }. */
export function fastcgiStream(bytes) {
  const buffer = Buffer.from(bytes);
  const socket = fakeSocket();
  const stream = new fcgiStream.FastCGIStream(socket);
  const seen = { records: 0, params: 0 };
  stream.on("record", (_id, record) => {
    seen.records++;
    if (record.params) seen.params += record.params.length;
  });
  return {
    name: "fastcgi-stream",
    run: () => socket.emit("data", buffer),
    check: () => {
      if (seen.records === 0 || seen.params === 0) throw new Error("fastcgi-stream saw no params");
    },
  };
}

/** node-fastcgi's server taking `bytes` (whole requests with id 1) as a connection: { name, run, check }. */
export function nodeFastcgi(bytes) {
  const buffer = Buffer.from(bytes);
  const socket = fakeSocket();
  const seen = { requests: 0 };
  const server = nodeFastcgiModule.createServer((req) => {
    seen.requests++;
    socket.endRequest(1, 0);
    do_not_optimize(req);
  });
  server.emit("connection", socket);
  return {
    name: "node-fastcgi",
    run: () => socket.emit("data", buffer),
    check: () => {
      if (seen.requests === 0) throw new Error("node-fastcgi saw no request");
    },
  };
}
