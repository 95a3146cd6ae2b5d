// SCGI: decode beside the floor (the same bytes copied with set() into a buffer that exists)
// and beside the uwsgi decoder on the same vars, where SCGI must find every NUL that uwsgi
// reads a length for; encode beside the same floor.
import { Environ } from "@envwire/environ";
import { encodeRequest, RequestDecoder } from "@envwire/scgi-proto";
import { encodeRequest as encodeUwsgi, RequestDecoder as UwsgiDecoder } from "@envwire/uwsgi-proto";
import { bench, do_not_optimize, group, summary } from "mitata";
import { chunked, floorOf, largeVars, nginxTypicalVars } from "./fixtures.mjs";

export const checks = [];

/** The vars as an SCGI request carries them: CONTENT_LENGTH first, SCGI second. */
const asScgi = (vars) => [
  ["CONTENT_LENGTH", "0"],
  ["SCGI", "1"],
  ...vars.filter(([name]) => name !== "CONTENT_LENGTH"),
];

function counting(Decoder) {
  const seen = { heads: 0, vars: 0 };
  const decoder = new Decoder({
    onHead({ env }) {
      seen.heads++;
      seen.vars += env.size;
    },
  });
  return { decoder, seen };
}

for (const [name, vars] of [
  ["typical", asScgi(nginxTypicalVars)],
  ["large", asScgi(largeVars())],
]) {
  const env = new Environ(vars);
  const scgi = encodeRequest(env);
  const uwsgi = encodeUwsgi(env);
  group(
    `scgi ${name} request (${scgi.length} bytes, ${vars.length} vars; uwsgi ${uwsgi.length} bytes)`,
    () => {
      summary(() => {
        bench("set() into a ready buffer (floor)", floorOf(scgi));
        const u = counting(UwsgiDecoder);
        bench("uwsgi decode of the same vars", () => u.decoder.push(uwsgi));
        const s = counting(RequestDecoder);
        bench("envwire scgi decode", () => s.decoder.push(scgi));
        bench("envwire scgi encode", () => do_not_optimize(encodeRequest(env)));
        checks.push(() => {
          for (const [what, { seen }] of [
            ["uwsgi", u],
            ["scgi", s],
          ])
            if (seen.heads === 0 || seen.vars !== seen.heads * vars.length)
              throw new Error(`${what} decode miscounted`);
        });
      });
    },
  );
}

// Linearity: one request whole, in 64-byte chunks and one byte at a time.
const big = encodeRequest(new Environ(asScgi(largeVars())));
group(`scgi request, split (${big.length} bytes)`, () => {
  summary(() => {
    for (const size of [big.length, 64, 1]) {
      const chunks = chunked(big, size);
      const { decoder, seen } = counting(RequestDecoder);
      bench(`envwire scgi decode in ${size === big.length ? "one chunk" : `${size}-byte chunks`}`, () => {
        for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]);
      });
      checks.push(() => {
        if (seen.heads === 0) throw new Error("split scgi decode saw no head");
      });
    }
  });
});
