// http-proto's RequestDecoder (what a proxy's front end reads), and each head mapped to an
// Environ and read through: pipelining, chunked bodies, trailers, tunnels, smuggling shapes.
import { Environ } from "@envwire/environ";
import {
  encodeEnvironRequest,
  type HttpRequestHead,
  RequestDecoder,
  requestToEnviron,
} from "@envwire/http-proto";
import { decodeRequests } from "../../packages/http-proto/test/recorder.js";
import { ascii } from "../../test/support/chunks.js";
import { holder, splitInvariant } from "../oracle.js";

// And each request, as a gateway sends it on (encodeEnvironRequest of its Environ), decodes
// to one request whose Environ agrees: the same method and target, and every HTTP_*,
// CONTENT_TYPE and CONTENT_LENGTH it has holds the value the first one had (values compared
// without the whitespace around them, which a decoder drops). (Hop-by-hop fields are not
// sent on, so the second may have fewer; and a Host is made from SERVER_NAME when the first
// had none.)
const FORWARDED = /^(REQUEST_METHOD|REQUEST_URI|CONTENT_TYPE|CONTENT_LENGTH|HTTP_.*)$/;
const trimmed = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, "");

export const fuzz: (data: Uint8Array) => string = splitInvariant(
  (chunks) => {
    const { events, heads } = decodeRequests(chunks);
    const environs = heads.map((head) => {
      const env = requestToEnviron(head as HttpRequestHead, { remoteAddr: "127.0.0.1", remotePort: 1 });
      return [...env].map(([name, value], i) => [name, value, env.bytesAt(i).length] as const);
    });
    return { events, environs };
  },
  ({ environs }) => {
    for (const entries of environs) {
      const first = new Environ(entries.map(([name, value]) => [name, value]));
      const again = decodeRequests([encodeEnvironRequest(first)], undefined, false).heads;
      if (again.length !== 1) throw new Error(`a request sent on decodes to ${again.length} heads`);
      const second = requestToEnviron(again[0] as HttpRequestHead);
      for (const [name, value] of second) {
        if (!FORWARDED.test(name) || (name === "HTTP_HOST" && !first.has(name))) continue;
        const before = first.get(name);
        if (before === undefined || trimmed(before) !== value) {
          throw new Error(
            `a request sent on decodes with ${name} = ${JSON.stringify(value)}, not ${JSON.stringify(before)}`,
          );
        }
      }
      for (const name of ["REQUEST_METHOD", "REQUEST_URI"]) {
        if (second.get(name) !== first.get(name)) throw new Error(`a request sent on has another ${name}`);
      }
    }
  },
);

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

export const hold: (data: Uint8Array) => unknown = holder(
  (keep) => new RequestDecoder({ onHead: (head) => keep(requestToEnviron(head)), onTrailers: keep }),
);
