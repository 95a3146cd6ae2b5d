// ResponseDecoder's fuzz targets (what a proxy's back end reads): bodies by length, chunked or
// until close, responses without bodies (HEAD, 1xx, 204, 304), 101 and CONNECT tunnels.
import { ascii, type FuzzTarget, holder, splitInvariant } from "@envwire/environ/fuzz";
import { ResponseDecoder } from "../decoder.js";
import { decodeResponses } from "./recorder.js";

/** The requests the responses answer, in order. */
const METHODS = ["GET", "HEAD", "GET", "CONNECT"];

const seeds: Uint8Array[] = [
  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n",
  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\n",
  "HTTP/1.0 200\r\n\r\nuntil close",
  "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\nframes",
].map(ascii);

const dictionary: Uint8Array[] = [
  "\r\n",
  "HTTP/1.1 ",
  "204 No Content",
  "Content-Length: ",
  "Transfer-Encoding: chunked\r\n",
  "0\r\n\r\n",
].map(ascii);

const hold = holder((keep) => new ResponseDecoder({ onHead: keep, onTrailers: keep }));

/** ResponseDecoder at its default limits, answering GET, HEAD, GET and CONNECT. */
export const response: FuzzTarget = {
  fuzz: splitInvariant((chunks) => decodeResponses(chunks, METHODS).events),
  seeds,
  dictionary,
  hold,
};

/** The same with every limit small and bare LF allowed (see requestLimits). */
export const responseLimits: FuzzTarget = {
  fuzz: splitInvariant(
    (chunks) =>
      decodeResponses(chunks, METHODS, {
        maxHeadSize: 80,
        maxStartLineLength: 24,
        maxHeaders: 2,
        maxChunkExtensionLength: 4,
        maxTrailerSize: 16,
        maxBodySize: 8,
        allowBareLf: true,
      }).events,
  ),
  seeds,
  dictionary,
  hold,
};
