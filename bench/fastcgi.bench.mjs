// FastCGI: decoding a php-fpm-typical request and a 1 MiB STDOUT response, beside the npm
// peers fastcgi-stream and node-fastcgi fed the same bytes, and beside a plain copy.
import { Environ } from "@envwire/environ";
import {
  encodeBeginRequest,
  encodeEndRequest,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  RecordType,
  RequestDecoder,
  ResponseDecoder,
} from "@envwire/fastcgi-proto";
import fcgiStream from "fastcgi-stream";
import { bench, group, summary } from "mitata";
import { fakeSocket, fastcgiStream, nodeFastcgi } from "./fastcgi-peers.mjs";
import { concat, floorOf, nginxTypicalVars } from "./fixtures.mjs";

export const checks = [];

// What nginx sends to php-fpm for a small form POST: BEGIN, ~30 params, empty PARAMS, STDIN.
const phpVars = [
  ["SCRIPT_FILENAME", "/var/www/html/index.php"],
  ["SCRIPT_NAME", "/index.php"],
  ["DOCUMENT_URI", "/index.php"],
  ["GATEWAY_INTERFACE", "CGI/1.1"],
  ["SERVER_SOFTWARE", "nginx/1.22.1"],
  ["SERVER_ADDR", "10.0.0.5"],
  ["REDIRECT_STATUS", "200"],
  ["HTTP_CONNECTION", "keep-alive"],
  ["HTTP_ORIGIN", "https://www.example.com"],
  ...nginxTypicalVars.map(([k, v]) =>
    k === "REQUEST_METHOD"
      ? [k, "POST"]
      : k === "CONTENT_LENGTH"
        ? [k, "27"]
        : k === "CONTENT_TYPE"
          ? [k, "application/x-www-form-urlencoded"]
          : [k, v],
  ),
];
const stdin = new TextEncoder().encode("name=envwire&lang=ts&n=1234");
const request = concat([
  encodeBeginRequest(1),
  encodeParams(1, new Environ(phpVars)),
  ...encodeStream(RecordType.STDIN, 1, stdin),
  encodeStreamEnd(RecordType.STDIN, 1),
]);

const stdoutBody = new Uint8Array(1 << 20).map((_, i) => 0x41 + (i % 26));
const response = concat([
  ...encodeStream(RecordType.STDOUT, 1, stdoutBody),
  encodeStreamEnd(RecordType.STDOUT, 1),
  encodeEndRequest(1),
]);
const responseBuffer = Buffer.from(response);

group(`FastCGI php-fpm-typical request (${request.length} bytes, ${phpVars.length} params)`, () => {
  summary(() => {
    bench("set() into a ready buffer (floor)", floorOf(request));

    const seen = { heads: 0, params: 0, body: 0, strings: 0 };
    const envwire = (readStrings) =>
      new RequestDecoder({
        onHead({ env }) {
          seen.heads++;
          seen.params += env.size;
          if (readStrings)
            for (let i = 0; i < env.size; i++) seen.strings += env.nameAt(i).length + env.valueAt(i).length;
        },
        onBody(_, chunk) {
          seen.body += chunk.length;
        },
        onEnd(id) {
          for (const d of decoders) d.completeRequest(id);
        },
      });
    const decoders = [envwire(false), envwire(true)];
    bench("envwire RequestDecoder", () => decoders[0].push(request));
    bench("envwire RequestDecoder, every param read as a string", () => decoders[1].push(request));

    const fs = fastcgiStream(request);
    bench("fastcgi-stream", fs.run);
    const nf = nodeFastcgi(request);
    bench("node-fastcgi", nf.run);

    checks.push(() => {
      if (seen.heads > 0 && seen.params !== seen.heads * phpVars.length)
        throw new Error("envwire miscounted params");
      fs.check();
      nf.check();
    });
  });
});

group(
  `FastCGI 1 MiB STDOUT response (${response.length} bytes in ${Math.ceil(stdoutBody.length / 65528)} records)`,
  () => {
    summary(() => {
      bench("set() into a ready buffer (floor)", floorOf(response));

      const seen = { bytes: 0, ends: 0 };
      const decoder = new ResponseDecoder({
        onStdout(_, chunk) {
          seen.bytes += chunk.length;
        },
        onEndRequest() {
          seen.ends++;
          decoder.expect(1);
        },
      });
      decoder.expect(1);
      bench("envwire ResponseDecoder", () => decoder.push(response));

      const fsSocket = fakeSocket();
      const fs = new fcgiStream.FastCGIStream(fsSocket);
      const fsSeen = { bytes: 0 };
      fs.on("record", (_id, record) => {
        if (record.data) fsSeen.bytes += record.data.length;
      });
      bench("fastcgi-stream", () => fsSocket.emit("data", responseBuffer));

      checks.push(() => {
        if (seen.ends > 0 && seen.bytes !== seen.ends * stdoutBody.length)
          throw new Error("envwire lost STDOUT bytes");
      });
    });
  },
);
