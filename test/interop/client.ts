/**
 * A raw HTTP/1.1 client for the interop suite: it writes the request bytes as given (raw
 * UTF-8 in a path included, which Node's own client refuses) and reads each response with
 * http-proto's ResponseDecoder, one request at a time on one connection.
 */
import { connect } from "node:net";
import { ResponseDecoder } from "@envwire/http-proto";
import { sha256 } from "./backends.js";

export interface Answer {
  status: number;
  headers: [string, string][];
  bodyLength: number;
  bodySha256: string;
}

export interface Exchange {
  answers: Answer[];
  /** The client's port, as nginx sees it (REMOTE_PORT). */
  localPort: number;
}

const TIMEOUT_MS = 10_000;

/** Sends each request (with its method, for a HEAD's bodiless answer) on one connection, in turn. */
export function exchange(
  port: number,
  requests: readonly { method: string; bytes: Uint8Array }[],
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const answers: Answer[] = [];
    let body: Uint8Array[] = [];
    let current: Answer | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in ${TIMEOUT_MS} ms; got ${answers.length} of ${requests.length}`));
    }, TIMEOUT_MS);
    const decoder = new ResponseDecoder({
      onHead(head) {
        current = { status: head.status, headers: [...head.headers], bodyLength: 0, bodySha256: "" };
        body = [];
      },
      onBody: (chunk) => body.push(chunk.slice()),
      onEnd() {
        const all = Buffer.concat(body);
        answers.push({ ...current!, bodyLength: all.length, bodySha256: sha256(all) });
        if (answers.length === requests.length) {
          clearTimeout(timer);
          socket.destroy();
          resolve({ answers, localPort });
        } else send(answers.length);
      },
    });
    let localPort = 0;
    const send = (i: number) => {
      decoder.expectResponseTo(requests[i]!.method);
      socket.write(requests[i]!.bytes);
    };
    socket.once("connect", () => {
      localPort = socket.localPort!;
      send(0);
    });
    socket.on("data", (chunk) => {
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      }
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
