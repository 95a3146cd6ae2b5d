// The example exchange of RFC 9110 §1.2 (and RFC 9112 §1), byte for byte, decoded at every split.
import { describe, expect, it } from "vitest";
import { ascii, detached, everySplit } from "../../../test/support/chunks.js";
import { decodeRequests, decodeResponses } from "./recorder.js";

const request = ascii(
  "GET /hello.txt HTTP/1.1\r\nUser-Agent: curl/7.64.1\r\nHost: www.example.com\r\nAccept-Language: en, mi\r\n\r\n",
);
const response = ascii(
  "HTTP/1.1 200 OK\r\nDate: Mon, 27 Jul 2009 12:28:53 GMT\r\nServer: Apache\r\n" +
    'Last-Modified: Wed, 22 Jul 2009 19:15:56 GMT\r\nETag: "34aa387-d-1568eb00"\r\nAccept-Ranges: bytes\r\n' +
    "Content-Length: 51\r\nVary: Accept-Encoding\r\nContent-Type: text/plain\r\n\r\n" +
    "Hello World! My content includes a trailing CRLF.\r\n",
);

describe("RFC 9110 §1.2", () => {
  it("decodes the example request at every split", () => {
    for (const [how, chunks] of everySplit(request)) {
      const { heads } = decodeRequests(detached(chunks));
      expect([...heads[0]!.headers], how).toEqual([
        ["User-Agent", "curl/7.64.1"],
        ["Host", "www.example.com"],
        ["Accept-Language", "en, mi"],
      ]);
      expect(heads[0]!.headers.getAll("accept-language")).toEqual(["en, mi"]);
    }
  });

  it("decodes the example response at every split", () => {
    for (const [how, chunks] of everySplit(response)) {
      const { heads, events } = decodeResponses(detached(chunks));
      expect(heads[0], how).toMatchObject({ status: 200, reason: "OK", body: "length", contentLength: 51 });
      expect(heads[0]!.headers.get("etag")).toBe('"34aa387-d-1568eb00"');
      expect(events.slice(1)).toEqual([
        { type: "body", bytes: ascii("Hello World! My content includes a trailing CRLF.\r\n") },
        { type: "end" },
      ]);
    }
  });
});
