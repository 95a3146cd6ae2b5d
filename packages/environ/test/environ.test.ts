import { describe, expect, it } from "vitest";
import {
  appendEncoded,
  appendRun,
  appendSlice,
  ByteWriter,
  type EnvironRun,
  nameByteLength,
  nameEquals,
  ownEntries,
  valueByteLength,
  writeNameAt,
  writeValueAt,
} from "../src/codec.js";
import { Environ, latin1Decode, ProtocolError, utf8Encode } from "../src/index.js";

const bytes = (...xs: number[]) => new Uint8Array(xs);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe("Environ", () => {
  it("starts empty", () => {
    const env = new Environ();
    expect(env.size).toBe(0);
    expect(env.get("PATH_INFO")).toBeUndefined();
    expect(env.getBytes("PATH_INFO")).toBeUndefined();
    expect(env.has("PATH_INFO")).toBe(false);
    expect(env.delete("PATH_INFO")).toBe(false);
    expect([...env]).toEqual([]);
    expect(Object.keys(env.toObject())).toEqual([]);
  });

  it("keeps order and duplicates from pairs", () => {
    const env = new Environ([
      ["HTTP_X_DUP", "a"],
      ["REQUEST_METHOD", "GET"],
      ["HTTP_X_DUP", "b"],
    ]);
    expect(env.size).toBe(3);
    expect([...env]).toEqual([
      ["HTTP_X_DUP", "a"],
      ["REQUEST_METHOD", "GET"],
      ["HTTP_X_DUP", "b"],
    ]);
    expect(env.get("HTTP_X_DUP")).toBe("b");
    expect(env.getAll("HTTP_X_DUP")).toEqual(["a", "b"]);
    expect(env.getAll("NOPE")).toEqual([]);
    expect(env.toObject()).toEqual({ HTTP_X_DUP: "b", REQUEST_METHOD: "GET" });
  });

  it("builds from a plain object in key order", () => {
    const env = new Environ({ REQUEST_METHOD: "POST", CONTENT_LENGTH: bytes(0x31, 0x32) });
    expect([...env]).toEqual([
      ["REQUEST_METHOD", "POST"],
      ["CONTENT_LENGTH", "12"],
    ]);
  });

  it("set replaces every occurrence and keeps the first one's place", () => {
    const env = new Environ([
      ["A", "1"],
      ["B", "2"],
      ["A", "3"],
      ["C", "4"],
      ["A", "5"],
    ]);
    env.set("A", "x");
    expect([...env]).toEqual([
      ["A", "x"],
      ["B", "2"],
      ["C", "4"],
    ]);
    env.set("D", "new");
    expect([...env].at(-1)).toEqual(["D", "new"]);
    expect(env.size).toBe(4);
  });

  it("append keeps the others", () => {
    const env = new Environ().append("A", "1").append("A", "2");
    expect(env.getAll("A")).toEqual(["1", "2"]);
  });

  it("delete removes every duplicate and nothing else", () => {
    const env = new Environ([
      ["A", "1"],
      ["B", "2"],
      ["A", "3"],
      ["A", "4"],
      ["C", "5"],
    ]);
    expect(env.delete("A")).toBe(true);
    expect([...env]).toEqual([
      ["B", "2"],
      ["C", "5"],
    ]);
    expect(env.delete("A")).toBe(false);
    expect(env.bytesAt(1)).toEqual(ascii("5"));
  });

  it("treats a latin-1 string and its bytes as the same value", () => {
    const a = new Environ([["V", "caf\u00e9"]]);
    const b = new Environ([["V", bytes(0x63, 0x61, 0x66, 0xe9)]]);
    expect(a.getBytes("V")).toEqual(b.getBytes("V"));
    expect(b.get("V")).toBe("caf\u00e9");
    expect(a.equals(b)).toBe(true);
    expect(a.equals(new Environ([["V", "cafe"]]))).toBe(false);
    expect(a.equals(new Environ([["W", "caf\u00e9"]]))).toBe(false);
    expect(a.equals(new Environ())).toBe(false);
  });

  it("holds every byte value 0x00-0xFF", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const env = new Environ([["ALL", all]]);
    const s = env.get("ALL")!;
    expect(s.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(s.charCodeAt(i)).toBe(i);
    const back = new Environ([["ALL", s]]);
    expect(back.getBytes("ALL")).toEqual(all);
  });

  it("keeps a given Uint8Array as a view, not a copy", () => {
    const chunk = ascii("xxGETyy");
    const view = chunk.subarray(2, 5);
    const env = new Environ([["REQUEST_METHOD", view]]);
    const got = env.getBytes("REQUEST_METHOD")!;
    expect(got.buffer).toBe(chunk.buffer);
    expect(got.byteOffset).toBe(2);
    expect(env.get("REQUEST_METHOD")).toBe("GET");
  });

  it("refuses a value or a name with a code point above 0xFF, saying where", () => {
    const env = new Environ();
    const err = (() => {
      try {
        env.append("PATH_INFO", "/caf\u00e9/\u20ac");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe("ENVIRON_NOT_LATIN1");
    expect((err as ProtocolError).offset).toBe(6);
    expect((err as ProtocolError).message).toMatch(/U\+20AC/);
    expect(() => env.set("X", "\u0100")).toThrow(ProtocolError);
    expect(() => env.append("N\u00e9\u4e2d", "v")).toThrow(/ENVIRON_NOT_LATIN1/);
    expect(env.size).toBe(0);
  });

  it("decodes UTF-8 on request", () => {
    const env = new Environ([["PATH_INFO", utf8Encode("/\u20ac")]]);
    expect(env.getUtf8("PATH_INFO")).toBe("/\u20ac");
    expect(env.get("PATH_INFO")).toBe("/\u00e2\u0082\u00ac");
    expect(env.getUtf8("NOPE")).toBeUndefined();
    env.set("BAD", bytes(0xff));
    expect(env.getUtf8("BAD")).toBe("\ufffd");
    expect(() => env.getUtf8("BAD", true)).toThrow(TypeError);
  });

  it("makes a safe object of hostile names", () => {
    const env = new Environ([
      ["__proto__", "polluted"],
      ["constructor", "x"],
    ]);
    const obj = env.toObject();
    expect(Object.getPrototypeOf(obj)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(obj, "__proto__")?.value).toBe("polluted");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    const fromRecord = new Environ(JSON.parse('{"__proto__": "p"}') as Record<string, string>);
    expect(fromRecord.get("__proto__")).toBe("p");
  });

  it("adds entries from encoded bytes without building names until asked", () => {
    const chunk = ascii("..REQUEST_METHODGETPATH_INFO/a..");
    const env = appendEncoded(appendEncoded(new Environ(), chunk, 2, 16, 16, 19), chunk, 19, 28, 28, 30);
    expect(env.get("REQUEST_METHOD")).toBe("GET");
    expect(env.has("PATH_INFO")).toBe(true);
    expect(env.has("PATH_INF")).toBe(false);
    expect(env.getBytes("PATH_INFO")!.buffer).toBe(chunk.buffer);
    expect(env.nameAt(1)).toBe("PATH_INFO");
    expect(nameByteLength(env, 0)).toBe(14);
    expect(valueByteLength(env, 1)).toBe(2);
    const w = ByteWriter.alloc(14 + 3);
    writeNameAt(env, 0, w);
    writeValueAt(env, 0, w);
    w.finish();
    expect(w.bytes).toEqual(ascii("REQUEST_METHODGET"));
  });

  /** A run over `text`: names given, values spans of it ([name, start, end]) or strings ([name, value]). */
  const runOf = (
    text: string,
    entries: ([name: string, start: number, end: number] | [string, string])[],
  ) => {
    const buffer = ascii(text);
    const span = (k: number, at: 1 | 2) => {
      const entry = entries[k]!;
      return entry.length === 3 ? entry[at] : 0;
    };
    const valueStringAt = (k: number) => {
      const entry = entries[k]!;
      return entry.length === 2 ? entry[1] : undefined;
    };
    const run: EnvironRun = {
      size: entries.length,
      buffer,
      nameAt: (k) => entries[k]![0],
      valueAt: (k) => valueStringAt(k) ?? latin1Decode(buffer, span(k, 1), span(k, 2)),
      valueStringAt,
      valueStartAt: (k) => span(k, 1),
      valueEndAt: (k) => span(k, 2),
    };
    return { buffer, run };
  };

  it("borrows a run of entries after its own, reading through to the run's buffer", () => {
    const { buffer, run } = runOf("xx1yy22zz333", [
      ["HTTP_X", 2, 3],
      ["HTTP_Y", 5, 7],
      ["HTTP_X", 9, 12],
    ]);
    const env = appendRun(new Environ([["REQUEST_METHOD", "GET"]]), run);
    const entries: [string, string][] = [
      ["REQUEST_METHOD", "GET"],
      ["HTTP_X", "1"],
      ["HTTP_Y", "22"],
      ["HTTP_X", "333"],
    ];
    expect(env.size).toBe(4);
    expect([...env]).toEqual(entries);
    expect(env.get("HTTP_X")).toBe("333");
    expect(env.getAll("HTTP_X")).toEqual(["1", "333"]);
    expect(env.has("HTTP_Z")).toBe(false);
    expect(env.getBytes("HTTP_Y")!.buffer).toBe(buffer.buffer);
    expect(nameEquals(env, 2, "HTTP_Y")).toBe(true);
    expect(nameByteLength(env, 2)).toBe(6);
    expect(valueByteLength(env, 3)).toBe(3);
    expect(env.equals(new Environ(entries))).toBe(true);
    const w = ByteWriter.alloc(6 + 2);
    writeNameAt(env, 2, w);
    writeValueAt(env, 2, w);
    w.finish();
    expect(w.bytes).toEqual(ascii("HTTP_Y22"));
    expect(() => env.nameAt(4)).toThrow(RangeError);
  });

  it("iterates as the language's iterators do: done stays done, and %IteratorPrototype% above", () => {
    const env = new Environ([["A", "1"]]);
    const it = env.entries();
    expect(it[Symbol.iterator]()).toBe(it);
    expect(it.next()).toEqual({ value: ["A", "1"], done: false });
    expect(it.next()).toEqual({ value: undefined, done: true });
    env.append("B", "2");
    expect(it.next()).toEqual({ value: undefined, done: true });
    const iteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
    expect(Object.getPrototypeOf(Object.getPrototypeOf(it))).toBe(iteratorPrototype);
    expect([...env.entries()]).toEqual([
      ["A", "1"],
      ["B", "2"],
    ]);
  });

  it("takes a run's entries in as its own for an encoder, and they read as before, from an Environ with room or without", () => {
    for (const capacity of [0, 24]) {
      const { buffer, run } = runOf("xx1yy22zz333", [
        ["HTTP_X", 2, 3],
        ["HTTP_Y", "22"],
        ["HTTP_X", 9, 12],
      ]);
      const env = appendRun(new Environ(undefined, capacity), run);
      const before = [...env];
      expect(ownEntries(env)).toBe(env);
      // Taken in: the Environ no longer asks the run (which a caller may now let go of or reuse).
      (run as { nameAt: (k: number) => string }).nameAt = () => "CHANGED";
      expect([...env]).toEqual(before);
      expect(env.getBytes("HTTP_X")!.buffer).toBe(buffer.buffer);
      expect(nameByteLength(env, 1)).toBe(6);
      expect(valueByteLength(env, 2)).toBe(3);
      env.append("A", "b");
      expect([...env]).toEqual([...before, ["A", "b"]]);
    }
  });

  it("reads a run's values given as strings through every accessor, and keeps them when made its own", () => {
    const { run } = runOf("xx1yy22", [
      ["HTTP_X", 2, 3],
      ["PATH_INFO", "/caf\u00c3\u00a9"],
      ["HTTP_Y", 5, 7],
      ["EMPTY", ""],
    ]);
    const env = appendRun(new Environ(), run);
    const entries: [string, string][] = [
      ["HTTP_X", "1"],
      ["PATH_INFO", "/caf\u00c3\u00a9"],
      ["HTTP_Y", "22"],
      ["EMPTY", ""],
    ];
    expect([...env]).toEqual(entries);
    expect(env.getUtf8("PATH_INFO")).toBe("/caf\u00e9");
    expect(env.bytesAt(1)).toEqual(new Uint8Array([0x2f, 0x63, 0x61, 0x66, 0xc3, 0xa9]));
    expect(env.bytesAt(1)).toBe(env.bytesAt(1)); // one view, however often asked
    expect(valueByteLength(env, 1)).toBe(6);
    expect(valueByteLength(env, 3)).toBe(0);
    const w = ByteWriter.alloc(6 + 2);
    writeValueAt(env, 1, w);
    writeValueAt(env, 2, w);
    w.finish();
    expect(w.bytes).toEqual(new Uint8Array([0x2f, 0x63, 0x61, 0x66, 0xc3, 0xa9, 0x32, 0x32]));
    expect(env.equals(new Environ([...env]))).toBe(true);
    env.append("Z", "z");
    expect([...env].slice(0, 4)).toEqual(entries);
    expect(env.getUtf8("PATH_INFO")).toBe("/caf\u00e9");
  });

  it("reads a run's values as strings from the run, and its bytes from the spans", () => {
    const { buffer, run } = runOf("xx1yy22", [
      ["HTTP_X", 2, 3],
      ["HTTP_Y", 5, 7],
    ]);
    const asked: number[] = [];
    const env = appendRun(new Environ(), {
      ...run,
      valueAt: (k) => {
        asked.push(k);
        return `text ${k}`;
      },
    });
    expect(env.valueAt(1)).toBe("text 1");
    expect(env.get("HTTP_X")).toBe("text 0");
    expect(asked).toEqual([1, 0]);
    expect(env.bytesAt(1)).toEqual(buffer.subarray(5, 7));
  });

  it("keeps order and decoded values through every change to an Environ with a borrowed run", () => {
    const change: [string, (env: Environ) => unknown, [string, string][]][] = [
      [
        "append",
        (e) => e.append("A", "x"),
        [
          ["HTTP_X", "1"],
          ["HTTP_Y", "22"],
          ["A", "x"],
        ],
      ],
      [
        "set",
        (e) => e.set("HTTP_X", "new"),
        [
          ["HTTP_X", "new"],
          ["HTTP_Y", "22"],
        ],
      ],
      ["delete", (e) => e.delete("HTTP_X"), [["HTTP_Y", "22"]]],
      [
        "appendSlice",
        (e) => appendSlice(e, "B", ascii("bb"), 0, 1),
        [
          ["HTTP_X", "1"],
          ["HTTP_Y", "22"],
          ["B", "b"],
        ],
      ],
      [
        "appendEncoded",
        (e) => appendEncoded(e, ascii("C=c"), 0, 1, 2, 3),
        [
          ["HTTP_X", "1"],
          ["HTTP_Y", "22"],
          ["C", "c"],
        ],
      ],
      [
        "another run",
        (e) => appendRun(e, runOf("q", [["Q", 0, 1]]).run),
        [
          ["HTTP_X", "1"],
          ["HTTP_Y", "22"],
          ["Q", "q"],
        ],
      ],
    ];
    for (const [what, act, after] of change) {
      const { run } = runOf("xx1yy22", [
        ["HTTP_X", 2, 3],
        ["HTTP_Y", 5, 7],
      ]);
      const env = appendRun(new Environ(), run);
      expect(env.valueAt(1), what).toBe("22");
      act(env);
      expect([...env], what).toEqual(after);
    }
  });

  it("appends after a borrowed run without taking it in, and reads, changes and encodes across the two", () => {
    const { buffer, run } = runOf("xx1yy22", [
      ["HTTP_X", 2, 3],
      ["PATH_INFO", "/p"],
      ["HTTP_Y", 5, 7],
    ]);
    let asked = 0;
    const counted: EnvironRun = {
      ...run,
      nameAt: (k) => {
        asked++;
        return run.nameAt(k);
      },
    };
    const env = appendRun(new Environ(undefined, 0), counted);
    env.append("SCRIPT_FILENAME", "/srv/index.php");
    appendSlice(env, "HTTP_Z", buffer, 0, 2);
    appendEncoded(env, ascii("C=c"), 0, 1, 2, 3);
    expect(asked).toBe(0); // (taking the run in asks it every name)
    const entries: [string, string][] = [
      ["HTTP_X", "1"],
      ["PATH_INFO", "/p"],
      ["HTTP_Y", "22"],
      ["SCRIPT_FILENAME", "/srv/index.php"],
      ["HTTP_Z", "xx"],
      ["C", "c"],
    ];
    expect(env.size).toBe(6);
    expect([...env]).toEqual(entries);
    expect(env.get("HTTP_Z")).toBe("xx");
    expect(env.getBytes("HTTP_Y")!.buffer).toBe(buffer.buffer);
    expect(env.getBytes("HTTP_Z")!.buffer).toBe(buffer.buffer);
    expect(nameEquals(env, 3, "SCRIPT_FILENAME")).toBe(true);
    expect(nameEquals(env, 5, "C")).toBe(true);
    expect([2, 3, 5].map((i) => nameByteLength(env, i))).toEqual([6, 15, 1]);
    expect([1, 3, 4].map((i) => valueByteLength(env, i))).toEqual([2, 14, 2]);
    const w = ByteWriter.alloc(6 + 2 + 1 + 14);
    writeNameAt(env, 2, w);
    writeValueAt(env, 2, w);
    writeNameAt(env, 5, w);
    writeValueAt(env, 3, w);
    w.finish();
    expect(w.bytes).toEqual(ascii("HTTP_Y22C/srv/index.php"));
    expect(() => env.nameAt(6)).toThrow(RangeError);
    expect(() => env.nameAt(-1)).toThrow(RangeError);
    // Taken in, the run first and what was appended after it, for an encoder or a change.
    const copy = new Environ([...env]);
    asked = 0;
    expect(ownEntries(env)).toBe(env);
    expect([...env]).toEqual(entries);
    expect(asked).toBe(3);
    expect(env.equals(copy)).toBe(true);
    const tailed = () => {
      const small = runOf("xx1yy22", [
        ["HTTP_X", 2, 3],
        ["HTTP_Y", 5, 7],
      ]);
      return { buffer: small.buffer, env: appendRun(new Environ(undefined, 0), small.run).append("A", "a") };
    };
    expect([...tailed().env.set("HTTP_X", "new")]).toEqual([
      ["HTTP_X", "new"],
      ["HTTP_Y", "22"],
      ["A", "a"],
    ]);
    const deleted = tailed().env;
    deleted.delete("HTTP_Y");
    expect([...deleted]).toEqual([
      ["HTTP_X", "1"],
      ["A", "a"],
    ]);
    const detached = tailed();
    detached.env.detach();
    detached.buffer.fill(0x21);
    expect([...detached.env]).toEqual([
      ["HTTP_X", "1"],
      ["HTTP_Y", "22"],
      ["A", "a"],
    ]);
  });

  it("takes any number of entries whatever room it was made with, none shared between Environs", () => {
    for (const capacity of [0, 1, 24, 64, 65, 200]) {
      const a = new Environ(undefined, capacity);
      const b = new Environ(undefined, capacity);
      for (let k = 0; k < 70; k++) a.append(`N${k}`, String(k));
      expect(a.size).toBe(70);
      expect(a.get("N69")).toBe("69");
      expect(b.size).toBe(0);
      b.append("X", "x");
      expect([...b]).toEqual([["X", "x"]]);
      expect(a.get("X")).toBeUndefined();
    }
  });

  it("copies a borrowed run on detach", () => {
    const { buffer, run } = runOf("xx1", [["HTTP_X", 2, 3]]);
    const env = appendRun(new Environ(), run).detach();
    buffer.fill(0x21);
    expect(env.get("HTTP_X")).toBe("1");
  });

  it("adds a string-named entry over a span", () => {
    const chunk = ascii("abcdef");
    const env = appendSlice(new Environ(), "HTTP_X", chunk, 1, 4);
    expect(env.get("HTTP_X")).toBe("bcd");
    expect(env.getBytes("HTTP_X")!.buffer).toBe(chunk.buffer);
    expect(nameByteLength(env, 0)).toBe(6);
    expect(() => appendSlice(env, "\u0101", chunk, 0, 1)).toThrow(ProtocolError);
  });

  it("set and delete work on names still held as bytes", () => {
    const chunk = ascii("AxAyBz");
    const env = appendEncoded(appendEncoded(new Environ(), chunk, 0, 1, 1, 2), chunk, 4, 5, 5, 6);
    appendEncoded(env, chunk, 2, 3, 3, 4);
    env.set("A", "q");
    expect([...env]).toEqual([
      ["A", "q"],
      ["B", "z"],
    ]);
    expect(env.delete("B")).toBe(true);
    expect(env.size).toBe(1);
  });

  it("detach copies views so the caller may reuse its chunks", () => {
    const chunk = ascii("NAMEvalue");
    const env = appendSlice(
      appendEncoded(new Environ(), chunk, 0, 4, 4, 9).append("S", "str"),
      "T",
      chunk,
      4,
      6,
    );
    env.detach();
    chunk.fill(0x21);
    expect([...env]).toEqual([
      ["NAME", "value"],
      ["S", "str"],
      ["T", "va"],
    ]);
    expect(env.getBytes("NAME")!.buffer).not.toBe(chunk.buffer);
    const w = ByteWriter.alloc(4);
    writeNameAt(env, 0, w);
    expect(w.bytes).toEqual(ascii("NAME"));
  });

  it("detach also copies names already made strings from encoded bytes", () => {
    const chunk = ascii("NAMEvalue");
    const env = appendEncoded(new Environ(), chunk, 0, 4, 4, 9);
    expect(env.nameAt(0)).toBe("NAME");
    env.detach();
    chunk.fill(0x21);
    const w = ByteWriter.alloc(9);
    writeNameAt(env, 0, w);
    writeValueAt(env, 0, w);
    expect(w.bytes).toEqual(ascii("NAMEvalue"));
  });

  it("writes string values without making their bytes first", () => {
    const env = new Environ([["A", "\u00e9x"]]);
    const w = ByteWriter.alloc(2);
    writeValueAt(env, 0, w);
    expect([...w.bytes]).toEqual([0xe9, 0x78]);
    expect(valueByteLength(env, 0)).toBe(2);
  });

  it("rejects indexes outside the entries", () => {
    const env = new Environ([["A", "1"]]);
    expect(() => env.nameAt(1)).toThrow(RangeError);
    expect(() => env.bytesAt(-1)).toThrow(RangeError);
    expect(() => env.valueAt(Number.NaN)).toThrow(RangeError);
  });

  it("caches decoded strings but reflects set", () => {
    const env = new Environ([["A", bytes(0x41)]]);
    expect(env.get("A")).toBe("A");
    env.set("A", bytes(0x42));
    expect(env.get("A")).toBe("B");
    expect(env.entries().next().value).toEqual(["A", "B"]);
  });
});
