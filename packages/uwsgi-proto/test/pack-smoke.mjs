// Run by scripts/pack-check.mjs inside a scratch project that installed the packed tarballs.
const uwsgi = await import("@envwire/uwsgi-proto");
const { Environ: PackedEnviron } = await import("@envwire/environ");
const packet = uwsgi.encodeRequest(new PackedEnviron([["REQUEST_METHOD", "GET"]]));
let method;
new uwsgi.RequestDecoder({ onHead: ({ env }) => (method = env.get("REQUEST_METHOD")) }).push(packet);
assert.equal(method, "GET");
