// Golden vectors: the FastCGI specification's own examples (Appendix B), written out byte by
// byte, and records as nginx, php-fpm and uWSGI form them.
import { CgiResponseDecoder, type CgiResponseHead, Environ } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii, concat, detached, everySplit } from "../../../test/support/chunks.js";
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  KEEP_CONN,
  RecordType,
  Role,
} from "../src/index.js";
import { begin, end, pairs, record, stream } from "./builder.js";
import { decodeRequests, decodeResponses } from "./recorder.js";

// Appendix B, example 1, every byte spelled out.
const example1 = Uint8Array.from([
  1,
  1,
  0,
  1,
  0,
  8,
  0,
  0,
  /* BEGIN_REQUEST id 1 */ 0,
  1,
  0,
  0,
  0,
  0,
  0,
  0 /* RESPONDER, no flags */,
  1,
  4,
  0,
  1,
  0,
  42,
  0,
  0 /* PARAMS id 1, 42 bytes */,
  11,
  2,
  ...ascii("SERVER_PORT80"),
  11,
  14,
  ...ascii("SERVER_ADDR199.170.183.42"),
  1,
  4,
  0,
  1,
  0,
  0,
  0,
  0 /* empty PARAMS */,
  1,
  5,
  0,
  1,
  0,
  0,
  0,
  0 /* empty STDIN */,
]);
const exampleVars: [string, string][] = [
  ["SERVER_PORT", "80"],
  ["SERVER_ADDR", "199.170.183.42"],
];

describe("the specification's examples", () => {
  it("example 1 is what the builder makes", () => {
    expect(concat([begin(1), record(4, 1, pairs(exampleVars)), record(4, 1), record(5, 1)])).toEqual(
      example1,
    );
  });

  it("decodes example 1 at every split", () => {
    for (const [how, chunks] of everySplit(example1)) {
      expect(decodeRequests(detached(chunks)).byId.get(1), how).toEqual([
        { type: "begin", role: Role.RESPONDER, keepConn: false },
        { type: "head", vars: exampleVars },
        { type: "end" },
      ]);
    }
  });

  it("decodes example 2: params split mid-pair across records, and stdin", () => {
    const params = pairs(exampleVars);
    const bytes = concat([
      begin(1),
      record(4, 1, params.subarray(0, 16)), // "\013\002SERVER_PORT80\013\016SER"
      record(4, 1, params.subarray(16)),
      record(4, 1),
      record(5, 1, "quantity=100&item=3047936"),
      record(5, 1),
    ]);
    for (const [how, chunks] of everySplit(bytes)) {
      expect(decodeRequests(detached(chunks)).byId.get(1), how).toEqual([
        { type: "begin", role: 1, keepConn: false },
        { type: "head", vars: exampleVars },
        { type: "body", bytes: ascii("quantity=100&item=3047936") },
        { type: "end" },
      ]);
    }
  });

  it("decodes example 4: two requests multiplexed, and the same events as one after the other", () => {
    const p = pairs(exampleVars);
    const mux = concat([
      begin(1, 1, KEEP_CONN),
      record(4, 1, p),
      record(4, 1),
      begin(2, 1, KEEP_CONN),
      record(4, 2, p),
      record(5, 1),
      record(4, 2),
      record(5, 2),
    ]);
    const sequential = concat([
      begin(1, 1, 1),
      record(4, 1, p),
      record(4, 1),
      record(5, 1),
      begin(2, 1, 1),
      record(4, 2, p),
      record(4, 2),
      record(5, 2),
    ]);
    const want = decodeRequests([sequential]).byId;
    for (const [how, chunks] of everySplit(mux))
      expect(decodeRequests(detached(chunks)).byId, how).toEqual(want);
    expect(want.get(1)![0]).toEqual({ type: "begin", role: 1, keepConn: true });
  });

  it("decodes example 3's response: stdout and stderr interleaved, then END_REQUEST 938", () => {
    const bytes = concat([
      record(6, 1, "Content-type: text/html\r\n\r\n<ht"),
      record(7, 1, "config error: missing SI_UID\n"),
      record(6, 1, "ml>\n<head> ... "),
      record(6, 1),
      record(7, 1),
      end(1, 938),
    ]);
    for (const [how, chunks] of everySplit(bytes)) {
      expect(decodeResponses(detached(chunks)).byId.get(1), how).toEqual([
        { type: "stdout", bytes: ascii("Content-type: text/html\r\n\r\n<ht") },
        { type: "stderr", bytes: ascii("config error: missing SI_UID\n") },
        { type: "stdout", bytes: ascii("ml>\n<head> ... ") },
        { type: "stdout-end" },
        { type: "end", appStatus: 938, protocolStatus: 0 },
      ]);
    }
  });
});

describe("as the real peers form them", () => {
  const nginxVars: [string, string][] = [
    ["SCRIPT_FILENAME", "/var/www/html/index.php"],
    ["QUERY_STRING", "a=1"],
    ["REQUEST_METHOD", "POST"],
    ["CONTENT_TYPE", "text/plain"],
    ["CONTENT_LENGTH", "5"],
    ["SCRIPT_NAME", "/index.php"],
    ["REQUEST_URI", "/index.php?a=1"],
    ["DOCUMENT_URI", "/index.php"],
    ["DOCUMENT_ROOT", "/var/www/html"],
    ["SERVER_PROTOCOL", "HTTP/1.1"],
    ["REQUEST_SCHEME", "http"],
    ["GATEWAY_INTERFACE", "CGI/1.1"],
    ["SERVER_SOFTWARE", "nginx/1.22.1"],
    ["REMOTE_ADDR", "127.0.0.1"],
    ["REMOTE_PORT", "40000"],
    ["SERVER_ADDR", "127.0.0.1"],
    ["SERVER_PORT", "8080"],
    ["SERVER_NAME", "localhost"],
    ["REDIRECT_STATUS", "200"],
    ["HTTP_HOST", "localhost:8080"],
    ["HTTP_X_DUP", "a"],
    ["HTTP_X_DUP", "b"],
  ];
  const params = pairs(nginxVars);
  // nginx: id 1, flags 0, all params in one PARAMS record padded to 8, empty records unpadded.
  const nginxRequest = concat([
    begin(1),
    record(4, 1, params, (8 - (params.length % 8)) % 8),
    record(4, 1),
    record(5, 1, "hello", 3),
    record(5, 1),
  ]);

  it("our encoders write exactly nginx's bytes", () => {
    const env = new Environ(nginxVars);
    const ours = concat([
      encodeBeginRequest(1),
      encodeParams(1, env),
      ...encodeStream(RecordType.STDIN, 1, ascii("hello")),
      encodeStreamEnd(RecordType.STDIN, 1),
    ]);
    expect(ours).toEqual(nginxRequest);
  });

  it("decodes nginx's request at every split, keeping the repeated header", () => {
    for (const [how, chunks] of everySplit(nginxRequest)) {
      const events = decodeRequests(detached(chunks)).byId.get(1)!;
      expect(events[1], how).toEqual({ type: "head", vars: nginxVars });
      expect(events[2], how).toEqual({ type: "body", bytes: ascii("hello") });
    }
  });

  it("decodes php-fpm's padded STDOUT into a CGI response", () => {
    const stdout = ascii("X-Powered-By: PHP/8.2.7\r\nContent-type: text/html; charset=UTF-8\r\n\r\nhello");
    const bytes = concat([stream(6, 1, stdout, [], true), end(1)]);
    for (const [how, chunks] of everySplit(bytes)) {
      let head: CgiResponseHead | undefined;
      const body: Uint8Array[] = [];
      const cgi = new CgiResponseDecoder({ onHead: (h) => (head = h), onBody: (b) => body.push(b.slice()) });
      const { byId } = decodeResponses(detached(chunks));
      for (const e of byId.get(1)!) if (e.type === "stdout") cgi.push(e.bytes);
      cgi.end();
      expect(head, how).toMatchObject({
        status: 200,
        headers: [
          ["X-Powered-By", "PHP/8.2.7"],
          ["Content-type", "text/html; charset=UTF-8"],
        ],
      });
      expect(concat(body)).toEqual(ascii("hello"));
    }
  });

  it("decodes uWSGI's unpadded STDOUT, empty STDOUT and END_REQUEST", () => {
    const bytes = concat([record(6, 1, "Status: 404 Not Found\r\n\r\n"), record(6, 1), end(1, 0, 0)]);
    expect(decodeResponses([bytes]).byId.get(1)).toEqual([
      { type: "stdout", bytes: ascii("Status: 404 Not Found\r\n\r\n") },
      { type: "stdout-end" },
      { type: "end", appStatus: 0, protocolStatus: 0 },
    ]);
  });
});

describe("discrete records, byte for byte", () => {
  it("encodes BEGIN, ABORT, END and GET_VALUES as the spec lays them out", () => {
    expect(encodeBeginRequest(0x0102, Role.FILTER, true)).toEqual(begin(0x0102, 3, 1));
    expect(encodeAbortRequest(7)).toEqual(record(2, 7));
    expect(encodeEndRequest(1, 0xdeadbeef, 3)).toEqual(end(1, 0xdeadbeef, 3));
    expect(encodeEndRequest(1, -1)).toEqual(end(1, 0xffffffff));
    expect(encodeGetValues(["FCGI_MAX_CONNS", "FCGI_MPXS_CONNS"])).toEqual(
      record(
        9,
        0,
        pairs([
          ["FCGI_MAX_CONNS", ""],
          ["FCGI_MPXS_CONNS", ""],
        ]),
        7,
      ),
    );
  });
});
