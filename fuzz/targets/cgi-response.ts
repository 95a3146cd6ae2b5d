// environ's CgiResponseDecoder (a CGI response head, as FastCGI's STDOUT or uwsgi's reply carries it).
import { CgiResponseDecoder, type CgiResponseDecoderOptions, type CgiResponseHead } from "@envwire/environ";
import { ascii, concat } from "../../test/support/chunks.js";
import { holder, splitInvariant } from "../oracle.js";

/** What the decoder reports for `chunks`: the head, and the body in one piece. */
export function decodeCgi(chunks: readonly Uint8Array[], options?: CgiResponseDecoderOptions) {
  let head: CgiResponseHead | undefined;
  const body: Uint8Array[] = [];
  const decoder = new CgiResponseDecoder(
    {
      onHead: (h) => (head = h),
      onBody: (b) => body.push(b.slice()),
    },
    options,
  );
  for (const chunk of chunks) decoder.push(chunk);
  decoder.end();
  return { head, body: concat(body) };
}

export const fuzz: (data: Uint8Array) => string = splitInvariant((chunks) => decodeCgi(chunks));

export const seeds: Uint8Array[] = [
  "Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>gone</p>",
  "Location: /elsewhere\n\n",
  "Content-Type: text/plain\r\nX-A: 1\r\nX-A: 2\r\n\r\nbody",
].map(ascii);

export const dictionary: Uint8Array[] = ["Status: ", "\r\n", "\n\n", "Location: ", ": "].map(ascii);

export const hold: (data: Uint8Array) => unknown = holder((keep) => new CgiResponseDecoder({ onHead: keep }));
