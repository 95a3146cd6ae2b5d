// Run by scripts/pack-check.mjs inside a scratch project that installed the packed tarballs.
const scgi = await import("@envwire/scgi-proto");
const { Environ: ScgiEnviron } = await import("@envwire/environ");
const netstring = scgi.encodeRequest(new ScgiEnviron([["REQUEST_METHOD", "GET"]]));
let scgiMethod;
new scgi.RequestDecoder({ onHead: ({ env }) => (scgiMethod = env.get("REQUEST_METHOD")) }).push(netstring);
assert.equal(scgiMethod, "GET");
