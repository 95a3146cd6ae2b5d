import { ProtocolError } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit, splitAt } from "../../../test/support/chunks.js";
import { decodeVars, Modifier1, RequestDecoder, UwsgiErrorCode } from "../src/index.js";
import { packet, request, varsBlock } from "./builder.js";
import { decode, decodeError } from "./recorder.js";

/** Asserts that every way of feeding `bytes` fails with `code` at `offset`. */
function expectFailure(bytes: Uint8Array, code: string, offset: number, options = {}) {
  for (const [how, chunks] of everySplit(bytes)) {
    const err = decodeError(detached(chunks), options);
    expect(err, how).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code, how).toBe(code);
    expect((err as ProtocolError).offset, how).toBe(offset);
  }
}

describe("zero copy", () => {
  it("keeps every key and value of a packet pushed in one chunk as a view into it", () => {
    const bytes = request([
      ["REQUEST_METHOD", "GET"],
      ["PATH_INFO", "/x"],
      ["HTTP_X", ""],
    ]);
    const { heads } = decode([bytes]);
    const env = heads[0]!.env;
    for (let i = 0; i < env.size; i++) expect(env.bytesAt(i).buffer).toBe(bytes.buffer);
    expect(env.getBytes("PATH_INFO")!.buffer).toBe(bytes.buffer);
    expect(env.getBytes("PATH_INFO")!.byteOffset).toBe(4 + 2 + 14 + 2 + 3 + 2 + 9 + 2);
  });

  it("copies only the entry a chunk boundary cuts", () => {
    const bytes = request([
      ["A", "1"],
      ["BB", "22"],
      ["C", "3"],
    ]);
    const cut = 4 + 6 + 3; // inside BB's key
    const [first, second] = detached(splitAt(bytes, [cut]));
    const { heads } = decode([first!, second!]);
    const env = heads[0]!.env;
    expect(env.getBytes("A")!.buffer).toBe(first!.buffer);
    expect(env.getBytes("C")!.buffer).toBe(second!.buffer);
    expect(env.getBytes("BB")!.buffer).not.toBe(first!.buffer);
    expect(env.getBytes("BB")!.buffer).not.toBe(second!.buffer);
    expect(env.get("BB")).toBe("22");
  });

  it("hands body pieces as views into the pushed chunks", () => {
    const bytes = request([["CONTENT_LENGTH", "5"]], "hello");
    const bodies: Uint8Array[] = [];
    const d = new RequestDecoder({ onHead() {}, onBody: (b) => bodies.push(b) });
    d.push(bytes);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.buffer).toBe(bytes.buffer);
    expect(bodies[0]).toEqual(ascii("hello"));
  });

  it("never writes to the caller's chunks", () => {
    const bytes = request(
      [
        ["CONTENT_LENGTH", "3"],
        ["X", "y"],
      ],
      "abc",
    );
    const copy = bytes.slice();
    for (const [, chunks] of everySplit(bytes)) decode(chunks);
    expect(bytes).toEqual(copy);
  });
});

describe("requests", () => {
  it("treats absent and empty CONTENT_LENGTH as no body", () => {
    expect(decode([request([["CONTENT_LENGTH", ""]])]).events.map((e) => e.type)).toEqual(["head", "end"]);
    expect(decode([request([])]).events).toEqual([
      { type: "head", modifier1: 0, modifier2: 0, contentLength: 0, vars: [] },
      { type: "end" },
    ]);
  });

  it("accepts a repeated CONTENT_LENGTH that agrees", () => {
    const { events } = decode([
      request(
        [
          ["CONTENT_LENGTH", "2"],
          ["CONTENT_LENGTH", "02"],
        ],
        "ok",
      ),
    ]);
    expect(events.map((e) => e.type)).toEqual(["head", "body", "end"]);
  });

  it("reads several requests on one connection, each with its own body", () => {
    const a = request(
      [
        ["CONTENT_LENGTH", "3"],
        ["N", "a"],
      ],
      "AAA",
    );
    const b = request([["N", "b"]]);
    const c = request(
      [
        ["CONTENT_LENGTH", "1"],
        ["N", "c"],
      ],
      "C",
      Modifier1.PSGI,
    );
    for (const [how, chunks] of everySplit(concat([a, b, c]))) {
      const { events } = decode(chunks);
      expect(
        events.map((e) => (e.type === "head" ? `head:${e.modifier1}:${e.vars.at(-1)![1]}` : e.type)),
        how,
      ).toEqual(["head:0:a", "body", "end", "head:0:b", "end", "head:5:c", "body", "end"]);
    }
  });

  it("accepts every request modifier and surfaces modifier2", () => {
    for (const m of [0, 5, 6, 7, 8, 9, 14, 15]) {
      const { events } = decode([packet(m, varsBlock([["K", "v"]]), 7)]);
      expect(events[0]).toMatchObject({ type: "head", modifier1: m, modifier2: 7 });
    }
  });

  it("takes the request modifiers it is told to", () => {
    const bytes = packet(Modifier1.SPOOLER, varsBlock([["K", "v"]]));
    expect(decode([bytes], { requestModifiers: [Modifier1.SPOOLER] }).events[0]).toMatchObject({
      type: "head",
    });
  });
});

describe("raw packets", () => {
  it("surfaces a packet that carries no request with its modifiers and payload", () => {
    const payload = varsBlock([["spooler_task", "1"]]);
    const bytes = concat([packet(Modifier1.SPOOLER, payload, 3), request([["N", "after"]])]);
    for (const [how, chunks] of everySplit(bytes)) {
      const { events } = decode(detached(chunks));
      expect(events[0], how).toEqual({
        type: "packet",
        modifier1: 17,
        modifier2: 3,
        payload: Uint8Array.from(payload),
      });
      expect(events[1], how).toMatchObject({ type: "head", vars: [["N", "after"]] });
    }
    const raw = decode([packet(Modifier1.SPOOLER, payload)]).events[0];
    expect(raw?.type === "packet" && [...decodeVars(raw.payload)]).toEqual([["spooler_task", "1"]]);
  });

  it("surfaces empty raw packets", () => {
    expect(decode([packet(Modifier1.MANAGEMENT, [], 1)]).events).toEqual([
      { type: "packet", modifier1: 10, modifier2: 1, payload: new Uint8Array(0) },
    ]);
  });

  it("gives a view of a raw payload that came in one chunk", () => {
    const bytes = packet(Modifier1.EVAL, [...ascii("print(1)")]);
    let payload: Uint8Array | undefined;
    const d = new RequestDecoder({ onHead() {}, onPacket: (p) => (payload = p.payload) });
    d.push(bytes);
    expect(payload!.buffer).toBe(bytes.buffer);
  });

  it("refuses a raw packet when nobody handles them", () => {
    const d = new RequestDecoder({ onHead() {} });
    expect(() => d.push(Uint8Array.from([0, 0, 0, 0, 72, 0, 0, 0]))).toThrow(
      expect.objectContaining({ code: UwsgiErrorCode.UnexpectedPacket, offset: 4 }),
    );
  });
});

describe("malformed input", () => {
  it("a key size runs past the block", () => {
    // datasize 3, key size 5: the key cannot fit.
    expectFailure(Uint8Array.from([0, 3, 0, 0, 5, 0, 0x41]), UwsgiErrorCode.KeyOverrun, 4);
  });

  it("a block with a single stray byte where a key size should be", () => {
    const block = [...varsBlock([["A", "b"]]), 0x01];
    expectFailure(packet(0, block), UwsgiErrorCode.KeyOverrun, 4 + 6);
  });

  it("a block that ends after a key, with no value size", () => {
    expectFailure(packet(0, [1, 0, 0x41]), UwsgiErrorCode.KeyOverrun, 4);
  });

  it("a value size runs past the block", () => {
    expectFailure(packet(0, [1, 0, 0x41, 9, 0, 0x62]), UwsgiErrorCode.ValueOverrun, 4 + 3);
  });

  it("a value overruns in the second entry", () => {
    expectFailure(
      packet(0, [...varsBlock([["A", "1"]]), 1, 0, 0x42, 0xff, 0xff]),
      UwsgiErrorCode.ValueOverrun,
      4 + 6 + 3,
    );
  });

  it("CONTENT_LENGTH that is not digits", () => {
    for (const bad of ["-1", "+1", " 1", "1 ", "0x10", "1.0", "abc", "١"]) {
      const bytes = request([
        ["A", "b"],
        ["CONTENT_LENGTH", bad],
      ]);
      const err = decodeError([bytes]) as ProtocolError;
      expect(err.code, bad).toBe(UwsgiErrorCode.BadContentLength);
      expect(err.offset, bad).toBe(4 + 6 + 2 + 14 + 2);
    }
  });

  it("CONTENT_LENGTH past 2^53 - 1", () => {
    const err = decodeError([request([["CONTENT_LENGTH", "9007199254740993"]])]) as ProtocolError;
    expect(err.code).toBe(UwsgiErrorCode.BadContentLength);
  });

  it("two CONTENT_LENGTH vars that disagree", () => {
    const bytes = request(
      [
        ["CONTENT_LENGTH", "1"],
        ["CONTENT_LENGTH", "10"],
      ],
      "x",
    );
    expectFailure(bytes, UwsgiErrorCode.ConflictingContentLength, 4 + 19 + 2 + 14 + 2);
  });

  it("a vars block over the limit", () => {
    const bytes = request([["K", "x".repeat(100)]]);
    expectFailure(bytes, UwsgiErrorCode.VarsTooLarge, 1, { maxVarsSize: 64 });
    expect(decode([bytes], { maxVarsSize: 105 }).events).toHaveLength(2);
  });

  it("more vars than maxVars", () => {
    const bytes = request([
      ["A", "b"],
      ["C", "d"],
      ["E", "f"],
    ]);
    expectFailure(bytes, UwsgiErrorCode.TooManyVars, 4 + 12, { maxVars: 2 });
    expect(decode([bytes], { maxVars: 3 }).events).toHaveLength(2);
  });

  it("a body over the limit", () => {
    const bytes = request([["CONTENT_LENGTH", "11"]], "x".repeat(11));
    expectFailure(bytes, UwsgiErrorCode.BodyTooLarge, 4 + 20, { maxBodySize: 10 });
  });

  it("truncation anywhere is reported at end(), at the end of what came", () => {
    const bytes = concat([
      request(
        [
          ["CONTENT_LENGTH", "4"],
          ["A", "b"],
        ],
        "body",
      ),
    ]);
    const codes: Record<number, string> = {};
    for (let cut = 1; cut < bytes.length; cut++) {
      const err = decodeError([bytes.subarray(0, cut)]) as ProtocolError;
      expect(err, `cut ${cut}`).toBeInstanceOf(ProtocolError);
      expect(err.offset).toBe(cut);
      codes[cut] = err.code;
    }
    expect(codes[3]).toBe(UwsgiErrorCode.TruncatedHeader);
    expect(codes[4]).toBe(UwsgiErrorCode.TruncatedVars);
    expect(codes[bytes.length - 4]).toBe(UwsgiErrorCode.TruncatedBody);
  });

  it("a raw packet cut short", () => {
    const d = new RequestDecoder({ onHead() {}, onPacket() {} });
    d.push(packet(10, [1, 2, 3]).subarray(0, 6));
    expect(() => d.end()).toThrow(
      expect.objectContaining({ code: UwsgiErrorCode.TruncatedPacket, offset: 6 }),
    );
  });

  it("stays failed after an error, and refuses use after end()", () => {
    const d = new RequestDecoder({ onHead() {} });
    const bad = Uint8Array.from([0, 3, 0, 0, 5, 0, 0]);
    let first: unknown;
    try {
      d.push(bad);
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    expect(() => d.push(request([]))).toThrow(first as Error);
    expect(() => d.end()).toThrow(first as Error);

    const ended = new RequestDecoder({ onHead() {} });
    ended.end();
    expect(() => ended.push(request([]))).toThrow(expect.objectContaining({ code: UwsgiErrorCode.Ended }));
  });

  it("a handler's exception leaves the decoder failed with it", () => {
    const boom = new Error("handler failed");
    const d = new RequestDecoder({
      onHead() {
        throw boom;
      },
    });
    expect(() => d.push(request([]))).toThrow(boom);
    expect(() => d.push(request([]))).toThrow(boom);
  });

  it("reports its stream offset", () => {
    const d = new RequestDecoder({ onHead() {} });
    d.push(request([["A", "b"]]));
    expect(d.offset).toBe(4 + 6);
  });
});
