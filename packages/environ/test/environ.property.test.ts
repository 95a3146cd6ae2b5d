import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { appendEncoded } from "../src/codec.js";
import { Environ, latin1Decode } from "../src/index.js";

// A reference model: an array of [name, bytes] in order. Environ must agree with it after
// any sequence of operations.
type Model = [string, Uint8Array][];

const name = fc.constantFrom("A", "B", "HTTP_X", "PATH_INFO", "__proto__", "");
const value = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }),
);
const toBytes = (v: string | Uint8Array) =>
  typeof v === "string" ? Uint8Array.from(v, (c) => c.charCodeAt(0)) : v;

const op = fc.oneof(
  fc.record({ kind: fc.constant("append" as const), name, value }),
  fc.record({ kind: fc.constant("set" as const), name, value }),
  fc.record({ kind: fc.constant("delete" as const), name }),
  fc.record({ kind: fc.constant("encoded" as const), name, value }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function apply(env: Environ, model: Model, o: Op) {
  switch (o.kind) {
    case "append":
      env.append(o.name, o.value);
      model.push([o.name, toBytes(o.value)]);
      break;
    case "encoded": {
      // Name and value bytes side by side in one buffer, as a decoder would see them.
      const v = toBytes(o.value);
      const buf = new Uint8Array(o.name.length + v.length + 2);
      buf.set(toBytes(o.name), 1);
      buf.set(v, 1 + o.name.length);
      appendEncoded(env, buf, 1, 1 + o.name.length, 1 + o.name.length, 1 + o.name.length + v.length);
      model.push([o.name, v]);
      break;
    }
    case "set": {
      env.set(o.name, o.value);
      const first = model.findIndex(([n]) => n === o.name);
      if (first < 0) model.push([o.name, toBytes(o.value)]);
      else {
        model[first] = [o.name, toBytes(o.value)];
        for (let i = model.length - 1; i > first; i--) if (model[i]![0] === o.name) model.splice(i, 1);
      }
      break;
    }
    case "delete": {
      const had = model.some(([n]) => n === o.name);
      expect(env.delete(o.name)).toBe(had);
      for (let i = model.length - 1; i >= 0; i--) if (model[i]![0] === o.name) model.splice(i, 1);
      break;
    }
  }
}

test.prop([fc.array(op, { maxLength: 40 })])(
  "agrees with a reference model under set/append/delete",
  (ops) => {
    const env = new Environ();
    const model: Model = [];
    for (const o of ops) {
      apply(env, model, o);
      expect(env.size).toBe(model.length);
    }
    expect([...env]).toEqual(model.map(([n, v]) => [n, latin1Decode(v)]));
    for (const n of ["A", "B", "HTTP_X", "PATH_INFO", "__proto__", "", "missing"]) {
      const all = model.filter(([m]) => m === n);
      expect(env.has(n)).toBe(all.length > 0);
      expect(env.getAll(n)).toEqual(all.map(([, v]) => latin1Decode(v)));
      expect(env.getBytes(n)).toEqual(all.at(-1)?.[1]);
      expect(env.get(n)).toBe(all.length ? latin1Decode(all.at(-1)![1]) : undefined);
    }
    const obj = env.toObject();
    for (const [n] of model) expect(obj[n]).toBe(latin1Decode(model.findLast(([m]) => m === n)![1]));
    // detach must not change what the Environ holds.
    const before = [...env];
    expect([...env.detach()]).toEqual(before);
  },
);
