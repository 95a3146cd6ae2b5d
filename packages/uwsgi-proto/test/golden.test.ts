// Golden vectors: bytes written out by hand from the uwsgi spec, decoded to the expected
// Environ, whole, at every cut, byte by byte, and followed by the next packet.

import { Environ } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit } from "../../../test/support/chunks.js";
import { encodeRequest } from "../src/index.js";
import { request } from "./builder.js";
import { decode } from "./recorder.js";

// A GET with two vars, every byte spelled out.
const tinyGet = Uint8Array.from([
  0x00,
  0x23,
  0x00,
  0x00, // modifier1 0, datasize 35 (LE), modifier2 0
  0x0e,
  0x00,
  ...ascii("REQUEST_METHOD"),
  0x03,
  0x00,
  ...ascii("GET"),
  0x09,
  0x00,
  ...ascii("PATH_INFO"),
  0x01,
  0x00,
  ...ascii("/"),
]);

// What nginx sends for `curl -d 'a=1&b=2' 'http://example.test:8080/app/x?q=1'` with its
// stock uwsgi_params, plus a repeated header (nginx keeps both, in order).
const nginxVars: [string, string][] = [
  ["QUERY_STRING", "q=1"],
  ["REQUEST_METHOD", "POST"],
  ["CONTENT_TYPE", "application/x-www-form-urlencoded"],
  ["CONTENT_LENGTH", "7"],
  ["REQUEST_URI", "/app/x?q=1"],
  ["PATH_INFO", "/app/x"],
  ["DOCUMENT_ROOT", "/usr/share/nginx/html"],
  ["SERVER_PROTOCOL", "HTTP/1.1"],
  ["REQUEST_SCHEME", "http"],
  ["REMOTE_ADDR", "127.0.0.1"],
  ["REMOTE_PORT", "51234"],
  ["SERVER_PORT", "8080"],
  ["SERVER_NAME", "example.test"],
  ["HTTP_HOST", "example.test:8080"],
  ["HTTP_USER_AGENT", "curl/7.88.1"],
  ["HTTP_ACCEPT", "*/*"],
  ["HTTP_X_DUP", "a"],
  ["HTTP_X_DUP", "b"],
  ["HTTP_CONTENT_LENGTH", "7"],
];
const nginxPost = request(nginxVars, "a=1&b=2");

describe("golden vectors", () => {
  it("the tiny GET is what the builder makes", () => {
    expect(
      request([
        ["REQUEST_METHOD", "GET"],
        ["PATH_INFO", "/"],
      ]),
    ).toEqual(tinyGet);
  });

  for (const [how, chunks] of everySplit(tinyGet)) {
    it(`decodes the tiny GET (${how})`, () => {
      expect(decode(detached(chunks)).events).toEqual([
        {
          type: "head",
          modifier1: 0,
          modifier2: 0,
          contentLength: 0,
          vars: [
            ["REQUEST_METHOD", "GET"],
            ["PATH_INFO", "/"],
          ],
        },
        { type: "end" },
      ]);
    });
  }

  const expected = [
    { type: "head", modifier1: 0, modifier2: 0, contentLength: 7, vars: nginxVars },
    { type: "body", bytes: ascii("a=1&b=2") },
    { type: "end" },
  ];
  it("decodes nginx's POST at every cut, byte by byte, and with the next packet behind it", () => {
    for (const [how, chunks] of everySplit(nginxPost)) {
      expect(decode(detached(chunks)).events, how).toEqual(expected);
    }
    const twice = concat([nginxPost, tinyGet]);
    for (const [how, chunks] of everySplit(twice)) {
      expect(decode(detached(chunks)).events.length, how).toBe(5);
    }
  });

  it("gives an Environ that keeps the duplicates in order", () => {
    const { heads } = decode([nginxPost]);
    const env = heads[0]!.env;
    expect(env.getAll("HTTP_X_DUP")).toEqual(["a", "b"]);
    expect(env.get("SERVER_NAME")).toBe("example.test");
    expect(env.equals(new Environ(nginxVars))).toBe(true);
  });

  it("re-encodes nginx's packet to the same bytes", () => {
    const { heads } = decode([nginxPost]);
    const head = encodeRequest(heads[0]!.env);
    expect(head).toEqual(nginxPost.subarray(0, nginxPost.length - 7));
  });
});
