// HTTP/1.1 request decoding on a realistic pipelined corpus, beside Node's built-in llhttp
// (HTTPParser from _http_common) and http-parser-js, in the same run, on the same bytes; and
// the same requests sent on as a gateway does (HTTP in, uwsgi or FastCGI out), beside a copy.
import { bench, group, summary } from "mitata";
import { floorOf } from "./fixtures.mjs";
import {
  checkSeen,
  corpus,
  envwireDecoder,
  httpParserJsParser,
  llhttpParser,
  REQUESTS,
} from "./http-corpus.mjs";

export const checks = [];

group(`HTTP pipelined request corpus (${REQUESTS} requests, ${corpus.length} bytes)`, () => {
  summary(() => {
    const ll = llhttpParser();
    bench("llhttp (node:_http_common HTTPParser)", ll.run);
    const js = httpParserJsParser();
    bench("http-parser-js", js.run);
    const head = envwireDecoder("head");
    bench("envwire RequestDecoder", head.run);
    const built = envwireDecoder("built");
    bench("envwire RequestDecoder + requestToEnviron (built, no value read)", built.run);
    const bytes = envwireDecoder("bytes");
    bench("envwire RequestDecoder + Environ (values as bytes)", bytes.run);
    const strings = envwireDecoder("strings");
    bench("envwire RequestDecoder + Environ, every value read as a string", strings.run);
    checks.push(() =>
      checkSeen([
        ["llhttp", ll],
        ["http-parser-js", js],
        ["envwire", head],
        ["envwire+built", built],
        ["envwire+bytes", bytes],
        ["envwire+strings", strings],
      ]),
    );
  });
});

group(`HTTP to uwsgi or FastCGI, as a gateway (the same ${REQUESTS} requests)`, () => {
  summary(() => {
    bench("set() into a ready buffer (floor)", floorOf(corpus));
    const built = envwireDecoder("built");
    bench("envwire RequestDecoder + requestToEnviron", built.run);
    const uwsgi = envwireDecoder("uwsgi");
    bench("envwire RequestDecoder + requestToEnviron + uwsgi encodeRequest", uwsgi.run);
    const fastcgi = envwireDecoder("fastcgi");
    bench("envwire RequestDecoder + requestToEnviron + FastCGI encodeParams", fastcgi.run);
    checks.push(() =>
      checkSeen([
        ["envwire+built", built],
        ["envwire+uwsgi", uwsgi],
        ["envwire+fastcgi", fastcgi],
      ]),
    );
  });
});
