import { envwireDecoder, llhttpParser } from "./http-corpus.mjs";
import { driveMix } from "./mix.mjs";

const mode = process.argv[2] ?? "built";
const mix = process.argv[3] === "mix";
const time = (label, fn, n) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  console.log(label, (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(2), "µs");
};
const d = envwireDecoder(mode);
const ll = llhttpParser();
for (let k = 0; k < 3; k++) {
  time("fresh " + mode, d.run, 20000);
  time("llhttp", ll.run, 20000);
}
if (mix) {
  driveMix({ connections: 20000 });
  console.log("=== MIX DONE");
}
for (let k = 0; k < 3; k++) {
  time("after " + mode, d.run, 20000);
  time("llhttp", ll.run, 20000);
}
