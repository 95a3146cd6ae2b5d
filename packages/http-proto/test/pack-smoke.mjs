// Run by scripts/pack-check.mjs inside a scratch project that installed the packed tarballs.
const http = await import("@envwire/http-proto");
let env;
new http.RequestDecoder({ onHead: (h) => (env = http.requestToEnviron(h)) }).push(
  new TextEncoder().encode("GET /x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n"),
);
assert.equal(env.get("QUERY_STRING"), "y=1");
