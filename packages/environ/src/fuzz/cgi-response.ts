// CgiResponseDecoder's fuzz targets (a CGI response head, as FastCGI's STDOUT or SCGI's reply carries it).
import { CgiResponseDecoder, type CgiResponseDecoderOptions, type CgiResponseHead } from "../cgi-response.js";
import { ascii, concat } from "./bytes.js";
import { type FuzzTarget, holder, splitInvariant } from "./oracle.js";

/** What the decoder reports for `chunks`: the head, and the body in one piece. */
function decodeCgi(
  chunks: readonly Uint8Array[],
  options?: CgiResponseDecoderOptions,
): { head: CgiResponseHead | undefined; body: Uint8Array } {
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

const seeds: Uint8Array[] = [
  "Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>gone</p>",
  "Location: /elsewhere\n\n",
  "Content-Type: text/plain\r\nX-A: 1\r\nX-A: 2\r\n\r\nbody",
].map(ascii);

const dictionary: Uint8Array[] = ["Status: ", "\r\n", "\n\n", "Location: ", ": "].map(ascii);

const hold = holder((keep) => new CgiResponseDecoder({ onHead: keep }));

/** CgiResponseDecoder at its default limits: the same head and body however the input is cut. */
export const cgiResponse: FuzzTarget = {
  fuzz: splitInvariant((chunks) => decodeCgi(chunks)),
  seeds,
  dictionary,
  hold,
};

/** The same with a small head and few fields: the paths where a limit is hit. */
export const cgiResponseLimits: FuzzTarget = {
  fuzz: splitInvariant((chunks) => decodeCgi(chunks, { maxHeadSize: 40, maxHeaders: 2 })),
  seeds,
  dictionary,
  hold,
};
