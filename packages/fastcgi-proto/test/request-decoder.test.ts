import { ProtocolError } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit, splitAt } from "../../../test/support/chunks.js";
import { FcgiErrorCode, type FcgiRequestDecoderOptions, RequestDecoder } from "../src/index.js";
import { begin, pair, pairs, record, stream } from "./builder.js";
import { decodeRequests, errorOf } from "./recorder.js";

const simple = (id: number, vars: [string, string][] = [["A", "b"]], body = "") =>
  concat([begin(id), stream(4, id, pairs(vars)), stream(5, id, ascii(body))]);

/** Every way of feeding `bytes` fails with `code` at `offset`. */
function expectFailure(bytes: Uint8Array, code: string, offset: number, options?: FcgiRequestDecoderOptions) {
  for (const [how, chunks] of everySplit(bytes)) {
    const err = errorOf(() => decodeRequests(detached(chunks), options)) as ProtocolError;
    expect(err, how).toBeInstanceOf(ProtocolError);
    expect([err.code, err.offset], how).toEqual([code, offset]);
  }
}

describe("requests", () => {
  it("keeps params and stdin as views into a chunk they lie in", () => {
    const bytes = simple(1, [["PATH_INFO", "/x"]], "body");
    let env: import("@envwire/environ").Environ | undefined;
    const bodies: Uint8Array[] = [];
    const d = new RequestDecoder({ onHead: (h) => (env = h.env), onBody: (_, b) => bodies.push(b) });
    d.push(bytes);
    expect(env!.getBytes("PATH_INFO")!.buffer).toBe(bytes.buffer);
    expect(bodies[0]!.buffer).toBe(bytes.buffer);
  });

  it("reads a FILTER's DATA after its STDIN, and ends after both", () => {
    const bytes = concat([
      begin(3, 3),
      stream(4, 3, pairs([["FCGI_DATA_LENGTH", "4"]])),
      stream(5, 3, ascii("in")),
      stream(8, 3, ascii("file")),
    ]);
    expect(decodeRequests([bytes]).byId.get(3)).toEqual([
      { type: "begin", role: 3, keepConn: false },
      { type: "head", vars: [["FCGI_DATA_LENGTH", "4"]] },
      { type: "body", bytes: ascii("in") },
      { type: "data", bytes: ascii("file") },
      { type: "end" },
    ]);
  });

  it("surfaces ABORT_REQUEST while the request is live, even after its input ended", () => {
    const bytes = concat([simple(1), record(2, 1)]);
    expect(
      decodeRequests([bytes])
        .byId.get(1)!
        .map((e) => e.type),
    ).toEqual(["begin", "head", "end", "abort"]);
  });

  it("ignores late records for a request the application completed, and lets its id begin again", () => {
    const events: string[] = [];
    const d = new RequestDecoder({
      onHead: (h) => events.push(`head ${h.env.get("N")}`),
      onBody: (_, b) => events.push(`body ${b.length}`),
      onAbort: () => events.push("abort"),
    });
    d.push(concat([begin(1), stream(4, 1, pairs([["N", "first"]]))]));
    expect(d.activeRequests).toBe(1);
    d.completeRequest(1); // the application answered early, before reading STDIN
    expect(d.activeRequests).toBe(0);
    d.push(concat([record(5, 1, "late"), record(5, 1), record(2, 1)]));
    d.push(simple(1, [["N", "second"]]));
    d.end();
    expect(events).toEqual(["head first", "head second"]);
  });

  it("answers GET_VALUES with the values it knows, and unknown management types with UNKNOWN_TYPE", () => {
    const query = record(
      9,
      0,
      pairs([
        ["FCGI_MAX_REQS", ""],
        ["FCGI_MPXS_CONNS", ""],
        ["FCGI_MAX_CONNS", ""],
        ["X", ""],
      ]),
    );
    const { replies } = decodeRequests([concat([query, record(42, 0, "??")])], { maxConcurrentRequests: 1 });
    expect(replies).toEqual([
      record(
        10,
        0,
        pairs([
          ["FCGI_MAX_REQS", "1"],
          ["FCGI_MPXS_CONNS", "0"],
        ]),
        6,
      ),
      record(11, 0, [42, 0, 0, 0, 0, 0, 0, 0]),
    ]);
    const custom = decodeRequests([query], { values: { FCGI_MAX_CONNS: "10" } }).replies;
    expect(custom).toEqual([record(10, 0, pairs([["FCGI_MAX_CONNS", "10"]]), 6)]);
  });

  it("takes params pairs with every length form, split anywhere across records", () => {
    const long = "v".repeat(300);
    const vars: [string, string][] = [
      ["N".repeat(127), "x"],
      ["M".repeat(128), long],
      ["", ""],
      ["K", "y".repeat(127)],
    ];
    const content = pairs(vars);
    for (let cut = 1; cut < content.length; cut += 7) {
      const bytes = concat([begin(1), stream(4, 1, content, [cut]), stream(5, 1, new Uint8Array(0))]);
      expect(decodeRequests([bytes]).byId.get(1)![1], `cut ${cut}`).toEqual({ type: "head", vars });
    }
  });
});

describe("options", () => {
  it("refuse values a GET_VALUES_RESULT cannot carry, at the constructor", () => {
    const values = { FCGI_MAX_CONNS: "x".repeat(70_000) };
    expect(() => new RequestDecoder({ onHead() {} }, { values })).toThrow(TypeError);
  });
});

describe("malformed input", () => {
  it("a version other than 1", () => {
    const bytes = simple(1);
    bytes[16] = 2; // the PARAMS record's version
    expectFailure(bytes, FcgiErrorCode.BadVersion, 16);
  });

  it("a record for a request that never began", () => {
    expectFailure(record(4, 5, pair("A", "b")), FcgiErrorCode.UnknownRequest, 0);
  });

  it("a second BEGIN_REQUEST for a live id", () => {
    expectFailure(concat([begin(1), begin(1)]), FcgiErrorCode.DuplicateRequest, 16);
  });

  it("PARAMS after its empty record, STDIN before PARAMS ended, DATA for a RESPONDER", () => {
    expectFailure(
      concat([begin(1), record(4, 1), record(4, 1, pair("A", "b"))]),
      FcgiErrorCode.StreamEnded,
      24,
    );
    expectFailure(concat([begin(1), record(5, 1, "x")]), FcgiErrorCode.StreamEnded, 16);
    expectFailure(concat([simple(1), record(8, 1, "x")]), FcgiErrorCode.StreamEnded, simple(1).length);
    expectFailure(concat([simple(1), record(5, 1, "x")]), FcgiErrorCode.StreamEnded, simple(1).length);
  });

  it("records that only an application sends, and types FastCGI does not define", () => {
    expectFailure(concat([begin(1), record(6, 1, "x")]), FcgiErrorCode.UnexpectedRecord, 16);
    expectFailure(concat([begin(1), record(3, 1, new Uint8Array(8))]), FcgiErrorCode.UnexpectedRecord, 16);
    expectFailure(concat([begin(1), record(12, 1)]), FcgiErrorCode.UnknownRecordType, 16);
    expectFailure(record(0, 1), FcgiErrorCode.UnknownRecordType, 0);
  });

  it("request types with id 0, and GET_VALUES with an id", () => {
    expectFailure(record(1, 0, new Uint8Array(8)), FcgiErrorCode.BadRequestId, 0);
    expectFailure(record(5, 0), FcgiErrorCode.BadRequestId, 0);
    expectFailure(concat([begin(1), record(9, 1)]), FcgiErrorCode.BadRequestId, 16);
  });

  it("discrete records of the wrong size", () => {
    expectFailure(record(1, 1, new Uint8Array(7)), FcgiErrorCode.BadRecordLength, 0);
    expectFailure(concat([begin(1), record(2, 1, "x")]), FcgiErrorCode.BadRecordLength, 16);
  });

  it("a pair cut off by the end of the PARAMS stream", () => {
    const cutPair = pair("NAME", "value").subarray(0, 7);
    expectFailure(concat([begin(1), record(4, 1, cutPair), record(4, 1)]), FcgiErrorCode.TruncatedPair, 24);
  });

  it("params over the limit, even when a pair only announces a huge length", () => {
    const big = concat([begin(1), stream(4, 1, pairs([["K", "v".repeat(200)]]))]);
    expectFailure(big, FcgiErrorCode.ParamsTooLarge, 24 + 100, { maxParamsSize: 100 });
    // 4-byte lengths announcing 2 GiB: nothing is allocated for what never arrives, and the
    // stream ending inside the pair is the error.
    const huge = concat([
      begin(1),
      record(4, 1, [0xff, 0xff, 0xff, 0xff, 0x7f, ...ascii("x")]),
      record(4, 1),
    ]);
    expectFailure(huge, FcgiErrorCode.TruncatedPair, 24);
  });

  it("more pairs than maxParams, and a GET_VALUES asking about more", () => {
    const three = pairs([
      ["A", "b"],
      ["C", "d"],
      ["E", "f"],
    ]);
    expectFailure(concat([begin(1), stream(4, 1, three)]), FcgiErrorCode.TooManyParams, 24 + 8, {
      maxParams: 2,
    });
    // The pair one too many with its lengths in four bytes each (read apart from short ones).
    const longThird = concat([
      three.subarray(0, 8),
      Uint8Array.from([0x80, 0, 0, 1, 0x80, 0, 0, 1]),
      ascii("Ef"),
    ]);
    expectFailure(concat([begin(1), stream(4, 1, longThird)]), FcgiErrorCode.TooManyParams, 24 + 8, {
      maxParams: 2,
    });
    // And one too many for the connection: request 1 holds a pair, request 2 the next two.
    const shared = concat([
      begin(1),
      record(4, 1, longThird.subarray(0, 4)),
      begin(2),
      record(4, 2, longThird.subarray(4)),
    ]);
    expectFailure(shared, FcgiErrorCode.TooManyParams, 28 + 24 + 4, { maxPendingParams: 2 });
    expectFailure(record(9, 0, three), FcgiErrorCode.TooManyParams, 8 + 8, { maxParams: 2 });
  });

  it("the first limit crossed in the stream, under every split: a pair counts once its last byte is in", () => {
    const three = concat([
      begin(1),
      stream(
        4,
        1,
        pairs([
          ["A", "b"],
          ["C", "d"],
          ["E", "f"],
        ]),
      ),
    ]);
    // The third pair (bytes 32-35) would be one too many, but byte 34 is over 10 bytes first.
    expectFailure(three, FcgiErrorCode.ParamsTooLarge, 24 + 10, { maxParams: 2, maxParamsSize: 10 });
    // With room for it, it is whole before the byte limit: one pair too many, at its start.
    expectFailure(three, FcgiErrorCode.TooManyParams, 24 + 8, { maxParams: 2, maxParamsSize: 13 });
    // The connection's limit crossed before the request's own.
    expectFailure(three, FcgiErrorCode.ParamsTooLarge, 24 + 6, {
      maxParamsSize: 10,
      maxPendingParamsSize: 6,
    });
  });

  it("the connection's params in progress over the pending limits, counted only until each stream ends", () => {
    // Two requests' PARAMS arriving side by side: 8 bytes and 2 pairs each, not yet ended.
    const open = (id: number) =>
      concat([
        begin(id),
        record(
          4,
          id,
          pairs([
            ["A", "b"],
            ["C", "d"],
          ]),
        ),
      ]);
    const both = concat([open(1), open(2)]);
    expectFailure(both, FcgiErrorCode.ParamsTooLarge, 56 + 2, { maxPendingParamsSize: 10 });
    expectFailure(both, FcgiErrorCode.TooManyParams, 56 + 4, { maxPendingParams: 3 });
    // The first stream ended: what it took is given back.
    const ended = concat([open(1), record(4, 1), open(2), record(4, 2)]);
    const tight = { maxPendingParamsSize: 8, maxPendingParams: 2 };
    expect(errorOf(() => decodeRequests([ended], tight, false))).toBeUndefined();
    // A completed request gives back what its unfinished stream took.
    const d = new RequestDecoder({ onHead() {} }, tight);
    d.push(open(1));
    d.completeRequest(1);
    d.push(open(2));
    expect(d.activeRequests).toBe(1);
  });

  it("ignores the rest of a record cut by a chunk once its request is completed, and gives back what it took", () => {
    const open = (id: number) =>
      concat([
        begin(id),
        record(
          4,
          id,
          pairs([
            ["A", "b"],
            ["C", "d"],
          ]),
        ),
      ]);
    const bodies: number[] = [];
    const d = new RequestDecoder(
      { onHead() {}, onBody: (_, b) => bodies.push(b.length) },
      {
        maxPendingParamsSize: 8,
        maxPendingParams: 2,
      },
    );
    const first = open(1);
    d.push(first.subarray(0, first.length - 3)); // PARAMS cut inside its second pair
    d.completeRequest(1);
    d.push(first.subarray(first.length - 3));
    d.push(open(2)); // would be over both pending limits had request 1 kept its share
    expect(d.activeRequests).toBe(1);
    const stdin = concat([record(4, 2), record(5, 2, "0123456789")]);
    d.push(stdin.subarray(0, stdin.length - 4));
    d.completeRequest(2);
    d.push(stdin.subarray(stdin.length - 4));
    expect(bodies).toEqual([6]);
  });

  it("answers a name GET_VALUES asks twice once", () => {
    const query = record(
      9,
      0,
      pairs([
        ["FCGI_MAX_REQS", ""],
        ["FCGI_MAX_REQS", ""],
      ]),
    );
    expect(decodeRequests([query], { maxConcurrentRequests: 3 }).replies).toEqual([
      record(10, 0, pairs([["FCGI_MAX_REQS", "3"]])),
    ]);
  });

  it("too many requests at once", () => {
    expectFailure(concat([begin(1), begin(2), begin(3)]), FcgiErrorCode.TooManyRequests, 32, {
      maxConcurrentRequests: 2,
    });
  });

  it("a management record with nobody to answer it", () => {
    const d = new RequestDecoder({ onHead() {} });
    expect(errorOf(() => d.push(record(9, 0)))).toMatchObject({
      code: FcgiErrorCode.NoReplyHandler,
      offset: 0,
    });
  });

  it("the connection closing inside a record or inside a request's input", () => {
    const bytes = simple(1, [["A", "b"]], "xyz");
    for (let cut = 1; cut < bytes.length; cut++) {
      const err = errorOf(() => decodeRequests([bytes.subarray(0, cut)])) as ProtocolError;
      expect(err, `cut ${cut}`).toBeInstanceOf(ProtocolError);
      expect(err.offset).toBe(cut);
      expect([FcgiErrorCode.TruncatedRecord, FcgiErrorCode.TruncatedRequest]).toContain(err.code);
    }
    expect(errorOf(() => decodeRequests([bytes]))).toBeUndefined();
  });

  it("stays failed, and refuses use after end()", () => {
    const d = new RequestDecoder({ onHead() {} });
    const first = errorOf(() => d.push(record(4, 9)));
    expect(first).toBeInstanceOf(ProtocolError);
    expect(errorOf(() => d.push(simple(1)))).toBe(first);
    expect(errorOf(() => d.end())).toBe(first);
    const e = new RequestDecoder({ onHead() {} });
    e.end();
    expect(errorOf(() => e.push(simple(1)))).toMatchObject({ code: FcgiErrorCode.Ended });
  });

  it("pushing one byte at a time gives the same events as one push", () => {
    const bytes = concat([simple(1, [["A", "1"]], "body"), simple(2, [["B", "2"]])]);
    const whole = decodeRequests([bytes]).byId;
    expect(
      decodeRequests(
        splitAt(
          bytes,
          Array.from(bytes, (_, i) => i),
        ),
      ).byId,
    ).toEqual(whole);
  });
});
