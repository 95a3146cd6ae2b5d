import { envwireDecoder, llhttpParser } from "./http-corpus.mjs";
const rows = [["llhttp", llhttpParser()], ["head", envwireDecoder("head")], ["built", envwireDecoder("built")]];
const total = rows.map(() => 0);
for (let r = 0; r < 25; r++) {
  for (const [k, [, p]] of rows.entries()) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) p.run();
    if (r >= 5) total[k] += Number(process.hrtime.bigint() - t);
  }
}
console.log((total[0] / total[1]).toFixed(2), (total[0] / total[2]).toFixed(2));
