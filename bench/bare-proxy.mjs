// The floor for `envwire proxy` in Node: the least a Node process must do to proxy HTTP to
// uwsgi — per request one upstream connection, one write of a fixed uwsgi packet (the
// request's query as QUERY_STRING), the upstream's HTTP answer copied back as it comes —
// with no parsing beyond finding each request's end and query, no Environ, no timers, no
// promises, no log. What `envwire proxy` costs above it is ours; what it costs against
// nginx, Node's. GET only, no bodies: a bench tool, not a proxy.
//   node bare-proxy.mjs LISTEN_PORT UPSTREAM_PORT
import { connect, createServer } from "node:net";

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);

/** A uwsgi packet with REQUEST_METHOD, PATH_INFO, QUERY_STRING, SERVER_PROTOCOL. */
function packet(query) {
  const vars = [
    ["REQUEST_METHOD", "GET"],
    ["PATH_INFO", "/"],
    ["QUERY_STRING", query],
    ["SERVER_PROTOCOL", "HTTP/1.1"],
  ];
  const parts = vars.flatMap(([k, v]) => {
    const key = Buffer.from(k, "latin1");
    const value = Buffer.from(v, "latin1");
    const sizes = Buffer.alloc(2);
    sizes.writeUInt16LE(key.length);
    const vsize = Buffer.alloc(2);
    vsize.writeUInt16LE(value.length);
    return [sizes, key, vsize, value];
  });
  const body = Buffer.concat(parts);
  const head = Buffer.from([0, body.length & 0xff, body.length >> 8, 0]);
  return Buffer.concat([head, body]);
}

createServer((client) => {
  client.setNoDelay(true);
  let pending = Buffer.alloc(0);
  const queue = [];
  let busy = false;
  const next = () => {
    if (busy || queue.length === 0) return;
    busy = true;
    const query = queue.shift();
    const upstream = connect(upstreamPort, "127.0.0.1");
    upstream.setNoDelay(true);
    upstream.write(packet(query));
    // uWSGI answers HTTP/1.1 with a Content-Length and closes: what it sends goes on as is.
    upstream.on("data", (chunk) => client.write(chunk));
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      busy = false;
      next();
    });
  };
  client.on("data", (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
      const line = pending.toString("latin1", 0, pending.indexOf("\r\n"));
      const target = line.split(" ")[1] ?? "/";
      const q = target.indexOf("?");
      queue.push(q < 0 ? "" : target.slice(q + 1));
      pending = pending.subarray(end + 4);
    }
    next();
  });
  client.on("error", () => {});
}).listen(listenPort, "127.0.0.1");
