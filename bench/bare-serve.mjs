// The floor for `envwire serve` in Node: the least a Node process must do to answer uwsgi
// requests from nginx — per connection one accepted socket, the packet read until its vars
// block is whole, QUERY_STRING found, one write of a fixed answer, the connection ended —
// with no Environ, no decoder, no app call, no timers, no promises, no log. What `envwire
// serve` costs above it is ours; what it costs against uWSGI, Node's. GET only, no bodies.
//   node bare-serve.mjs LISTEN_PORT
import { createServer } from "node:net";

const [listenPort] = process.argv.slice(2).map(Number);
const QUERY_STRING = Buffer.from("QUERY_STRING", "latin1");

/** The QUERY_STRING of a whole vars block `packet[4, 4 + size)`, or "" (uwsgi: key_size, key, val_size, value, little-endian). */
function queryOf(packet, size) {
  for (let p = 4; p < 4 + size; ) {
    const keyEnd = p + 2 + packet.readUInt16LE(p);
    const valueEnd = keyEnd + 2 + packet.readUInt16LE(keyEnd);
    if (keyEnd - p - 2 === QUERY_STRING.length && packet.subarray(p + 2, keyEnd).equals(QUERY_STRING))
      return packet.toString("latin1", keyEnd + 2, valueEnd);
    p = valueEnd;
  }
  return "";
}

createServer((socket) => {
  let pending = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (pending.length < 4 || pending.length < 4 + pending.readUInt16LE(1)) return;
    const body = `hello ${queryOf(pending, pending.readUInt16LE(1))}`;
    socket.end(
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });
  socket.on("error", () => {});
}).listen(listenPort, "127.0.0.1");
