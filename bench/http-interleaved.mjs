// `pnpm bench:interleaved`: llhttp and envwire's rows on the HTTP corpus in alternating
// short bursts in one process, so that the machine's drift (these shared machines change
// speed by 2x within minutes) falls on every row alike; prints each row's mean time and its
// rate beside llhttp's. A check on mitata's figures, not a replacement: no heap figures here.
import { checkSeen, envwireDecoder, llhttpParser, REQUESTS } from "./http-corpus.mjs";

const rows = [
  ["llhttp", llhttpParser()],
  ["envwire RequestDecoder", envwireDecoder("head")],
  ["envwire + requestToEnviron, built", envwireDecoder("built")],
  ["envwire + every value's byte length", envwireDecoder("bytes")],
  ["envwire + every name and value as a string", envwireDecoder("strings")],
];
const BURST = 2000;
const WARMUP = 5;
const ROUNDS = 40;
const total = rows.map(() => 0);
for (let r = 0; r < WARMUP + ROUNDS; r++) {
  for (const [k, [, parser]] of rows.entries()) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BURST; i++) parser.run();
    if (r >= WARMUP) total[k] += Number(process.hrtime.bigint() - start);
  }
}
checkSeen(rows);
for (const [k, [name]] of rows.entries()) {
  const us = total[k] / (ROUNDS * BURST) / 1000;
  console.log(
    `${name.padEnd(44)} ${us.toFixed(2).padStart(7)} µs per ${REQUESTS} requests  ${(total[0] / total[k]).toFixed(2)}x llhttp`,
  );
}
