// The summary `pnpm bench` prints and writes: one record per scenario (its fresh and after-mix
// timings, the best peer, the floor, the goal and whether the after-mix row meets it) and
// one per scaling row; rendered as Markdown tables, so the READMEs can carry them as printed.

/** "335 ns", "1.52 µs", "2.10 ms". */
export function formatTime(ns) {
  if (ns < 1000) return `${ns.toFixed(ns < 10 ? 1 : 0)} ns`;
  if (ns < 1e6) return `${(ns / 1000).toFixed(2)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

const times = (x) => `${x.toFixed(2)}×`;

/**
 * One phase of a scenario: its rows' timings ({ ns, heap } for envwire, each peer, the floor)
 * turned into the figures the summary shows.
 */
export function phaseRecord(scenario, [envwire, ...rest]) {
  const floor = rest.pop();
  const peers = scenario.peers.map((p, k) => ({ name: p.name, ns: rest[k].ns }));
  const best = peers.length > 0 ? peers.reduce((a, b) => (b.ns < a.ns ? b : a)) : undefined;
  return {
    ns: envwire.ns,
    heapBytes: envwire.heap,
    peers,
    bestPeer: best?.name,
    peerNs: best?.ns,
    /** Envwire's operations per second over the best peer's: above 1, envwire is faster. */
    rateVsPeer: best === undefined ? undefined : best.ns / envwire.ns,
    floorNs: floor.ns,
    /** Envwire's time over the floor's: how many `set()` copies of the same bytes it costs. */
    costVsFloor: envwire.ns / floor.ns,
  };
}

/** The goal's measured value in `phase` ("fresh" | "afterMix"), given every scenario's records. */
function goalValue(record, phase, byId) {
  const { goal } = record;
  if (goal === undefined) return undefined;
  const p = record[phase];
  if (goal.against === "peer") return { value: p.rateVsPeer, met: p.rateVsPeer >= goal.ratio };
  if (goal.against === "peer's time") {
    const value = p.ns / p.peerNs;
    return { value, met: value <= goal.ratio };
  }
  if (goal.against === "floor") return { value: p.costVsFloor, met: p.costVsFloor <= goal.ratio };
  const other = byId.get(goal.against)?.[phase];
  if (other === undefined) return undefined; // (the scenario it is held to was not run: --only)
  const value = p.ns / other.ns;
  return { value, met: value <= goal.ratio };
}

/** Adds each record's goal figures (after the mix, where the goals are judged; and fresh). */
export function judge(records) {
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const r of records) {
    r.goalFresh = goalValue(r, "fresh", byId);
    r.goalAfterMix = goalValue(r, "afterMix", byId);
    r.afterMixOverFresh = r.afterMix.ns / r.fresh.ns;
  }
  return records;
}

const table = (header, rows) =>
  [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

export function summaryTable(records) {
  return table(
    [
      "scenario",
      "envwire, fresh",
      "envwire, after mix",
      "after ÷ fresh",
      "best peer (after mix)",
      "envwire's rate ÷ peer's",
      "÷ floor (set() copy)",
      "heap B/op",
      "goal",
      "value, met",
    ],
    records.map((r) => {
      const a = r.afterMix;
      const g = r.goalAfterMix;
      return [
        r.title,
        formatTime(r.fresh.ns),
        formatTime(a.ns),
        times(r.afterMixOverFresh),
        a.bestPeer === undefined ? "—" : `${a.bestPeer}: ${formatTime(a.peerNs)}`,
        a.rateVsPeer === undefined ? "—" : times(a.rateVsPeer),
        times(a.costVsFloor),
        a.heapBytes === undefined ? "—" : Math.round(a.heapBytes).toString(),
        r.goal?.text ?? "—",
        g === undefined ? "—" : `${times(g.value)} ${g.met ? "yes" : "**no**"}`,
      ];
    }),
  );
}

export function scalingTable(rows) {
  return table(
    ["scaling row", "n", "envwire", "per unit", "÷ floor (set() copy)", "heap B/op"],
    rows.map((r) => [
      r.family,
      String(r.n),
      formatTime(r.ns),
      r.perUnitNs === undefined ? "—" : `${formatTime(r.perUnitNs)} / ${r.unit}`,
      times(r.costVsFloor),
      r.heapBytes === undefined ? "—" : Math.round(r.heapBytes).toString(),
    ]),
  );
}
