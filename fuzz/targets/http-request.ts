// http-proto's RequestDecoder (what a proxy's front end reads), and each head mapped to an
// Environ and read through: pipelining, chunked bodies, trailers, tunnels, smuggling shapes.
import { type HttpRequestHead, requestToEnviron } from "@envwire/http-proto";
import { decodeRequests } from "../../packages/http-proto/test/recorder.js";
import { ascii } from "../../test/support/chunks.js";
import { splitInvariant } from "../oracle.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant((chunks) => {
  const { events, heads } = decodeRequests(chunks);
  const environs = heads.map((head) => {
    const env = requestToEnviron(head as HttpRequestHead, { remoteAddr: "127.0.0.1", remotePort: 1 });
    return [...env].map(([name, value], i) => [name, value, env.bytesAt(i).length]);
  });
  return { events, environs };
});

export const seeds: Uint8Array[] = [
  "GET /a/b%20c?x=1 HTTP/1.1\r\nHost: h.test:8080\r\nCookie: a=1\r\nCookie: b=2\r\nX_Under: 1\r\n\r\n",
  "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n",
  "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
  "CONNECT h.test:443 HTTP/1.1\r\nHost: h.test:443\r\n\r\ntunnel bytes",
  "GET http://u@h.test:81/p?q HTTP/1.1\r\nHost: other\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nframes",
  "OPTIONS * HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
].map(ascii);

export const dictionary: Uint8Array[] = [
  "\r\n",
  "\r\n\r\n",
  "Content-Length: ",
  "Transfer-Encoding: chunked\r\n",
  "Host: ",
  "Connection: close\r\n",
  " HTTP/1.1\r\n",
  "HTTP/1.0",
  "0\r\n\r\n",
  ";a=b",
  "%2F",
  "\t",
  ":",
].map(ascii);
