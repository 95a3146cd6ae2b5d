// http-proto's ResponseDecoder (what a proxy's back end reads): bodies by length, chunked or
// until close, responses without bodies (HEAD, 1xx, 204, 304), 101 and CONNECT tunnels.

import { ResponseDecoder } from "@envwire/http-proto";
import { decodeResponses } from "../../packages/http-proto/test/recorder.js";
import { ascii } from "../../test/support/chunks.js";
import { holder, splitInvariant } from "../oracle.js";

export const fuzz: (data: Uint8Array) => string = splitInvariant(
  (chunks) => decodeResponses(chunks, ["GET", "HEAD", "GET", "CONNECT"]).events,
);

export const seeds: Uint8Array[] = [
  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n",
  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\n",
  "HTTP/1.0 200\r\n\r\nuntil close",
  "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\nframes",
].map(ascii);

export const dictionary: Uint8Array[] = [
  "\r\n",
  "HTTP/1.1 ",
  "204 No Content",
  "Content-Length: ",
  "Transfer-Encoding: chunked\r\n",
  "0\r\n\r\n",
].map(ascii);

export const hold: (data: Uint8Array) => unknown = holder(
  (keep) => new ResponseDecoder({ onHead: keep, onTrailers: keep }),
);
