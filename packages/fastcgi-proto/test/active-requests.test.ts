import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ActiveRequests } from "../src/active-requests.js";

// ActiveRequests holds a lone request in fields and the rest in a Map: it must answer exactly
// as one Map would, whatever the order of begins and completions (ids from a few, so that they
// collide and are reused).
const id = fc.integer({ min: 1, max: 4 });
const op = fc.oneof(
  fc.record({ add: id }),
  fc.record({ delete: id }),
  fc.record({ get: id }),
  fc.constant({ clear: true }),
);

test.prop([fc.array(op, { maxLength: 40 })])("answers as a Map of the same requests does", (ops) => {
  const model = new Map<number, string>();
  const table = new ActiveRequests<string>();
  let n = 0;
  for (const o of ops) {
    if ("add" in o) {
      if (model.has(o.add)) continue; // (the decoder adds only ids not active)
      const request = `request ${n++}`;
      model.set(o.add, request);
      table.add(o.add, request);
    } else if ("delete" in o) {
      model.delete(o.delete);
      table.delete(o.delete);
    } else if ("get" in o) {
      expect(table.get(o.get)).toBe(model.get(o.get));
      expect(table.has(o.get)).toBe(model.has(o.get));
    } else {
      model.clear();
      table.clear();
    }
    expect([...table]).toEqual([...model]);
  }
});
