// `pnpm bench:interleaved`: llhttp and envwire's rows on the HTTP corpus in alternating
// short bursts in one process, so that the machine's drift (these shared machines change
// speed by 2x within minutes) falls on every row alike; prints each row's mean time and its
// rate beside llhttp's. A check on mitata's figures, not a replacement: no heap figures here.
// `pnpm bench:interleaved per-request` pushes each request as a chunk of its own.
import { checkSeen, corpus, envwireDecoder, llhttpParser, REQUESTS, requestChunks } from "./http-corpus.mjs";

const chunks = process.argv[2] === "per-request" ? requestChunks : [corpus];
const rows = [
  ["llhttp", llhttpParser(chunks)],
  ["envwire RequestDecoder", envwireDecoder("head", chunks)],
  ["envwire + requestToEnviron, built", envwireDecoder("built", chunks)],
  ["envwire + every value's byte length", envwireDecoder("bytes", chunks)],
  ["envwire + every name and value as a string", envwireDecoder("strings", chunks)],
];
console.log(chunks.length === 1 ? "the corpus in one chunk:" : "one chunk a request:");
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
