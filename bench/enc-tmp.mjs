import { encodeParamsInto } from "@envwire/fastcgi-proto";
import { RequestDecoder, requestToEnviron } from "@envwire/http-proto";
import { encodeRequestInto } from "@envwire/uwsgi-proto";
import { timeRows } from "./harness.mjs";
import { corpus } from "./http-corpus.mjs";

const envs = [];
new RequestDecoder({
  onHead: (h) => envs.push(requestToEnviron(h, { remoteAddr: "127.0.0.1", remotePort: 40000 })),
}).push(corpus);
const out = new Uint8Array(65536);
let s = 0;
const rows = [
  {
    run: () => {
      for (const e of envs) s += encodeRequestInto(e, out, 0);
    },
  },
  {
    run: () => {
      for (const e of envs) s += encodeParamsInto(1, e, out, 0);
    },
  },
];
for (let k = 0; k < 3; k++)
  console.log(
    timeRows(rows, { rounds: 20, warmup: 5, burstMs: 3 })
      .map((r) => `${(r.ns / 8).toFixed(0)} ns/request`)
      .join("  "),
    envs[1].size,
    "entries",
  );
