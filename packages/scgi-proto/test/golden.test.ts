// Golden vectors written out by hand: the protocol description's own example, and a request
// laid out as nginx 1.22 sends one with Debian's scgi_params (CONTENT_LENGTH written first by
// nginx itself, then the params in the file's order, then the request's header fields).
import { CgiResponseDecoder, Environ } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii, concat, everySplit } from "../../../test/support/chunks.js";
import { encodeRequest, ResponseDecoder } from "../src/index.js";
import { decode } from "./recorder.js";

const nul = "\u0000";

describe("the protocol description's example", () => {
  const bytes = ascii(
    `70:CONTENT_LENGTH${nul}27${nul}SCGI${nul}1${nul}REQUEST_METHOD${nul}POST${nul}REQUEST_URI${nul}/deepthought${nul},` +
      "What is the answer to life?",
  );
  const headers: [string, string][] = [
    ["CONTENT_LENGTH", "27"],
    ["SCGI", "1"],
    ["REQUEST_METHOD", "POST"],
    ["REQUEST_URI", "/deepthought"],
  ];

  it("decodes at every split", () => {
    for (const [how, chunks] of everySplit(bytes)) {
      expect(decode(chunks).events, how).toEqual([
        { type: "head", contentLength: 27, headers },
        { type: "body", bytes: ascii("What is the answer to life?") },
        { type: "end" },
      ]);
    }
  });

  it("is what the encoder writes for its headers", () => {
    expect(encodeRequest(new Environ(headers))).toEqual(bytes.subarray(0, 74));
  });

  it("and its response, a CGI response until the connection closes", () => {
    let status = 0;
    let body = "";
    const response = new ResponseDecoder({
      onHead: (head) => (status = head.status),
      onBody: (chunk) => (body += new TextDecoder().decode(chunk)),
    });
    expect(response).toBeInstanceOf(CgiResponseDecoder);
    response.push(ascii("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n42"));
    response.end();
    expect([status, body]).toEqual([200, "42"]);
  });
});

describe("nginx's layout (scgi_params of Debian's nginx 1.22)", () => {
  // GET /app?x=1 with Host, two X-Dup fields (sent twice) and no body: CONTENT_LENGTH "0",
  // CONTENT_TYPE empty, HTTPS left out (if_not_empty), HTTP_HOST from the file's last line.
  const pairs: [string, string][] = [
    ["CONTENT_LENGTH", "0"],
    ["REQUEST_METHOD", "GET"],
    ["REQUEST_URI", "/app?x=1"],
    ["QUERY_STRING", "x=1"],
    ["CONTENT_TYPE", ""],
    ["DOCUMENT_URI", "/app"],
    ["DOCUMENT_ROOT", "/usr/share/nginx/html"],
    ["SCGI", "1"],
    ["SERVER_PROTOCOL", "HTTP/1.1"],
    ["REQUEST_SCHEME", "http"],
    ["REMOTE_ADDR", "127.0.0.1"],
    ["REMOTE_PORT", "51234"],
    ["SERVER_PORT", "8080"],
    ["SERVER_NAME", "localhost"],
    ["HTTP_HOST", "localhost"],
    ["HTTP_HOST", "localhost:8080"],
    ["HTTP_X_DUP", "a"],
    ["HTTP_X_DUP", "b"],
  ];
  const block =
    `CONTENT_LENGTH${nul}0${nul}REQUEST_METHOD${nul}GET${nul}REQUEST_URI${nul}/app?x=1${nul}QUERY_STRING${nul}x=1${nul}` +
    `CONTENT_TYPE${nul}${nul}DOCUMENT_URI${nul}/app${nul}DOCUMENT_ROOT${nul}/usr/share/nginx/html${nul}SCGI${nul}1${nul}` +
    `SERVER_PROTOCOL${nul}HTTP/1.1${nul}REQUEST_SCHEME${nul}http${nul}REMOTE_ADDR${nul}127.0.0.1${nul}` +
    `REMOTE_PORT${nul}51234${nul}SERVER_PORT${nul}8080${nul}SERVER_NAME${nul}localhost${nul}` +
    `HTTP_HOST${nul}localhost${nul}HTTP_HOST${nul}localhost:8080${nul}HTTP_X_DUP${nul}a${nul}HTTP_X_DUP${nul}b${nul}`;
  const bytes = ascii(`${block.length}:${block},`);

  it("decodes at every split, duplicates and empty values kept in order", () => {
    for (const [how, chunks] of everySplit(bytes)) {
      const { events, heads } = decode(chunks);
      expect(events, how).toEqual([{ type: "head", contentLength: 0, headers: pairs }, { type: "end" }]);
      expect(heads[0]!.env.getAll("HTTP_X_DUP")).toEqual(["a", "b"]);
    }
  });

  it("encodes back to the same bytes: SCGI stays eighth, where nginx puts it", () => {
    expect(encodeRequest(new Environ(pairs))).toEqual(bytes);
    const again = decode([bytes]).heads[0]!.env;
    expect(encodeRequest(again)).toEqual(bytes);
  });

  it("takes two requests back to back, and the second's body", () => {
    const post = ascii(`43:CONTENT_LENGTH${nul}4${nul}SCGI${nul}1${nul}REQUEST_METHOD${nul}PUT${nul},body`);
    const { events } = decode([concat([bytes, post])]);
    expect(events.map((e) => e.type)).toEqual(["head", "end", "head", "body", "end"]);
  });
});
