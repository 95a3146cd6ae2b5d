import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { appendEncoded, nameByteLength, valueByteLength, writeNameAt, writeValueAt } from "../src/codec.js";
import { Environ, latin1Decode } from "../src/index.js";
import { ByteWriter } from "../src/writer.js";

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
  // Entries of one block, as a decoder adds them: the Environ holds them as its table alone
  // until something needs more (a string, another buffer, a string read).
  fc.record({ kind: fc.constant("block" as const), name, value }),
  fc.record({ kind: fc.constant("read" as const), at: fc.nat() }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** The one block "block" entries are spans of: written before each is added, never after. */
class Block {
  readonly bytes = new Uint8Array(4096);
  used = 0;
}

function apply(env: Environ, model: Model, o: Op, block: Block) {
  switch (o.kind) {
    case "block": {
      const v = toBytes(o.value);
      const start = block.used;
      block.bytes.set(toBytes(o.name), start);
      block.bytes.set(v, start + o.name.length);
      block.used = start + o.name.length + v.length;
      appendEncoded(env, block.bytes, start, start + o.name.length, start + o.name.length, block.used);
      model.push([o.name, v]);
      break;
    }
    case "read": {
      if (model.length === 0) break;
      const i = o.at % model.length;
      expect([env.nameAt(i), env.valueAt(i)]).toEqual([model[i]![0], latin1Decode(model[i]![1])]);
      break;
    }
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

/** Every entry as the encoders write it: name bytes, then value bytes. */
function written(env: Environ): Uint8Array {
  let size = 0;
  for (let i = 0; i < env.size; i++) size += nameByteLength(env, i) + valueByteLength(env, i);
  const w = new ByteWriter(new Uint8Array(size));
  for (let i = 0; i < env.size; i++) {
    writeNameAt(env, i, w);
    writeValueAt(env, i, w);
  }
  w.finish();
  return w.bytes;
}

test.prop([fc.array(op, { maxLength: 40 }), fc.constantFrom(0, 1, 24)])(
  "agrees with a reference model under set/append/delete",
  (ops, capacity) => {
    const env = new Environ(undefined, capacity);
    const model: Model = [];
    const block = new Block();
    for (const o of ops) {
      apply(env, model, o, block);
      expect(env.size).toBe(model.length);
    }
    expect(written(env)).toEqual(Uint8Array.from(model.flatMap(([n, v]) => [...toBytes(n), ...v])));
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
