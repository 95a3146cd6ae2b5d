// Run by scripts/pack-check.mjs inside a scratch project that installed the packed tarballs.
const fcgi = await import("@envwire/fastcgi-proto");
const { Environ: FcgiEnviron } = await import("@envwire/environ");
let script;
const app = new fcgi.RequestDecoder({ onHead: ({ env }) => (script = env.get("SCRIPT_NAME")) });
app.push(fcgi.encodeBeginRequest(1));
app.push(fcgi.encodeParams(1, new FcgiEnviron([["SCRIPT_NAME", "/x.php"]])));
assert.equal(script, "/x.php");
