// RequestDecoder's fuzz targets (what a proxy's front end reads), each head mapped to an
// Environ and read through: pipelining, chunked bodies, trailers, tunnels, smuggling shapes.
import { Environ } from "@envwire/environ";
import { ascii, type FuzzTarget, holder, splitInvariant } from "@envwire/environ/fuzz";
import { type HttpRequestHead, RequestDecoder } from "../decoder.js";
import { encodeEnvironRequest, requestToEnviron } from "../environ/mapping.js";
import { decodeRequests } from "./recorder.js";

// Each request, as a gateway sends it on (encodeEnvironRequest of its Environ), decodes to
// one request whose Environ agrees: the same method and target, and every HTTP_*,
// CONTENT_TYPE and CONTENT_LENGTH it has holds the value the first one had (values compared
// without the whitespace around them, which a decoder drops). (Hop-by-hop fields are not
// sent on, so the second may have fewer; and a Host is made from SERVER_NAME when the first
// had none.)
const FORWARDED = /^(REQUEST_METHOD|REQUEST_URI|CONTENT_TYPE|CONTENT_LENGTH|HTTP_.*)$/;
const trimmed = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, "");

const sentOn = splitInvariant(
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

const seeds: Uint8Array[] = [
  "GET /a/b%20c?x=1 HTTP/1.1\r\nHost: h.test:8080\r\nCookie: a=1\r\nCookie: b=2\r\nX_Under: 1\r\n\r\n",
  "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n",
  "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
  "CONNECT h.test:443 HTTP/1.1\r\nHost: h.test:443\r\n\r\ntunnel bytes",
  "GET http://u@h.test:81/p?q HTTP/1.1\r\nHost: other\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nframes",
  "OPTIONS * HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
].map(ascii);

const dictionary: Uint8Array[] = [
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

const hold = holder(
  (keep) => new RequestDecoder({ onHead: (head) => keep(requestToEnviron(head)), onTrailers: keep }),
);

/** RequestDecoder at its default limits, each request's Environ read through and sent on. */
export const request: FuzzTarget = { fuzz: sentOn, seeds, dictionary, hold };

/**
 * The same with every limit small and bare LF allowed: the paths where a limit is hit, which
 * must give the same error at the same offset however the input is cut.
 */
export const requestLimits: FuzzTarget = {
  fuzz: splitInvariant(
    (chunks) =>
      decodeRequests(chunks, {
        maxHeadSize: 96,
        maxStartLineLength: 40,
        maxHeaders: 3,
        maxChunkExtensionLength: 6,
        maxTrailerSize: 24,
        maxBodySize: 12,
        allowBareLf: true,
      }).events,
  ),
  seeds,
  dictionary,
  hold,
};
