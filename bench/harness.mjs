// Timing for `pnpm bench`: the rows of one scenario (envwire, its peers, the floor) run in
// alternating short bursts in one process, so that the drift of a shared machine (its speed
// changes by 2x within minutes) falls on every row alike; a row's figure is the median of its
// bursts' time per operation. Heap bytes per operation come from short bursts between
// collections (node --expose-gc), as mitata takes them.

const now = () => Number(process.hrtime.bigint());

/** Operations per burst for `fn`, so that a burst takes about `ms` milliseconds. */
function burstSize(fn, ms) {
  let n = 1;
  for (;;) {
    const start = now();
    for (let i = 0; i < n; i++) fn();
    const took = now() - start;
    if (took >= ms * 1e6 || n >= 1 << 24) return Math.max(1, Math.round((n * ms * 1e6) / Math.max(took, 1)));
    n *= 4;
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Heap bytes one call of `fn` allocates: the median over bursts that no collection cut short. */
function heapPerOp(fn, ops) {
  if (typeof globalThis.gc !== "function") return undefined;
  const samples = [];
  for (let k = 0; k < 7; k++) {
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < ops; i++) fn();
    const grew = process.memoryUsage().heapUsed - before;
    if (grew >= 0) samples.push(grew / ops);
  }
  return samples.length > 0 ? median(samples) : undefined;
}

/**
 * Times `rows` ({ name, run }) interleaved: `warmup` rounds untimed (the engine optimises the
 * code meanwhile, on another thread), then `rounds` rounds of one burst of each, in an order
 * that turns each round; returns each row's { ns, heap } (ns: median time per operation).
 */
export function timeRows(rows, { rounds, warmup, burstMs }) {
  for (const row of rows) row.run(); // (each runs once before any burst is sized)
  const sizes = rows.map((row) => burstSize(row.run, burstMs));
  const samples = rows.map(() => []);
  for (let r = 0; r < warmup + rounds; r++) {
    for (let j = 0; j < rows.length; j++) {
      const k = (j + r) % rows.length;
      const { run } = rows[k];
      const n = sizes[k];
      const start = now();
      for (let i = 0; i < n; i++) run();
      if (r >= warmup) samples[k].push((now() - start) / n);
    }
  }
  return rows.map((row, k) => ({
    ns: median(samples[k]),
    heap: heapPerOp(row.run, Math.min(sizes[k], 200)),
  }));
}
