import { ProtocolError } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit } from "../../../test/support/chunks.js";
import { FcgiErrorCode, ResponseDecoder } from "../src/index.js";
import { end, pairs, record } from "./builder.js";
import { decodeResponses, errorOf } from "./recorder.js";

function expectFailure(bytes: Uint8Array, code: string, offset: number, expect_: number[] = [1]) {
  for (const [how, chunks] of everySplit(bytes)) {
    const err = errorOf(() => decodeResponses(detached(chunks), expect_)) as ProtocolError;
    expect(err, how).toBeInstanceOf(ProtocolError);
    expect([err.code, err.offset], how).toEqual([code, offset]);
  }
}

describe("ResponseDecoder", () => {
  it("separates multiplexed responses by request id", () => {
    const bytes = concat([
      record(6, 2, "two"),
      record(6, 1, "one"),
      record(6, 2),
      end(2),
      record(6, 1),
      end(1, 5),
    ]);
    const { byId } = decodeResponses([bytes], [1, 2]);
    expect(byId.get(1)).toEqual([
      { type: "stdout", bytes: ascii("one") },
      { type: "stdout-end" },
      { type: "end", appStatus: 5, protocolStatus: 0 },
    ]);
    expect(byId.get(2)!.map((e) => e.type)).toEqual(["stdout", "stdout-end", "end"]);
  });

  it("surfaces GET_VALUES_RESULT and UNKNOWN_TYPE", () => {
    const bytes = concat([
      record(10, 0, pairs([["FCGI_MAX_CONNS", "10"]])),
      record(11, 0, [99, 0, 0, 0, 0, 0, 0, 0]),
    ]);
    expect(decodeResponses([bytes], []).management).toEqual([
      { values: [["FCGI_MAX_CONNS", "10"]] },
      { unknownType: 99 },
    ]);
  });

  it("lets an id be expected again once its END_REQUEST came", () => {
    const d = new ResponseDecoder({});
    d.expect(1);
    expect(errorOf(() => d.expect(1))).toMatchObject({ code: FcgiErrorCode.DuplicateRequest });
    d.push(end(1));
    d.expect(1);
    d.push(end(1));
    d.end();
  });

  it("hands STDOUT on as views into the pushed chunk", () => {
    const bytes = record(6, 1, "hello");
    const seen: Uint8Array[] = [];
    const d = new ResponseDecoder({ onStdout: (_, c) => seen.push(c) });
    d.expect(1);
    d.push(bytes);
    expect(seen[0]!.buffer).toBe(bytes.buffer);
  });

  it("rejects what an application must not send", () => {
    expectFailure(record(6, 2, "x"), FcgiErrorCode.UnknownRequest, 0);
    expectFailure(concat([end(1), record(6, 1, "x")]), FcgiErrorCode.UnknownRequest, 16);
    expectFailure(concat([record(6, 1), record(6, 1, "x")]), FcgiErrorCode.StreamEnded, 8);
    expectFailure(concat([record(7, 1), record(7, 1, "x")]), FcgiErrorCode.StreamEnded, 8);
    expectFailure(record(5, 1, "x"), FcgiErrorCode.UnexpectedRecord, 0);
    expectFailure(record(1, 1, new Uint8Array(8)), FcgiErrorCode.UnexpectedRecord, 0);
    expectFailure(record(6, 0, "x"), FcgiErrorCode.BadRequestId, 0);
    expectFailure(record(10, 1), FcgiErrorCode.BadRequestId, 0);
    expectFailure(record(3, 1, new Uint8Array(5)), FcgiErrorCode.BadRecordLength, 0);
    expectFailure(record(11, 0, new Uint8Array(1)), FcgiErrorCode.BadRecordLength, 0);
    expectFailure(record(77, 1), FcgiErrorCode.UnknownRecordType, 0);
  });

  it("refuses a GET_VALUES_RESULT of more than maxValues pairs", () => {
    const three = pairs([
      ["A", "1"],
      ["B", "2"],
      ["C", "3"],
    ]);
    for (const [how, chunks] of everySplit(record(10, 0, three))) {
      const err = errorOf(() => decodeResponses(detached(chunks), [], { maxValues: 2 })) as ProtocolError;
      expect([err.code, err.offset], how).toEqual([FcgiErrorCode.TooManyParams, 8 + 8]);
    }
    expect(decodeResponses([record(10, 0, three)], [], { maxValues: 3 }).management).toHaveLength(1);
  });

  it("reports a connection closed before END_REQUEST", () => {
    expectFailure(concat([record(6, 1, "partial"), record(6, 1)]), FcgiErrorCode.TruncatedRequest, 23);
    expectFailure(record(6, 1, "partial").subarray(0, 10), FcgiErrorCode.TruncatedRecord, 10);
  });
});
