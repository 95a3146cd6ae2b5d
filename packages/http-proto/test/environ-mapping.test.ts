import { CgiResponseDecoder, type CgiResponseHead, Environ, ProtocolError } from "@envwire/environ";
import { describe, expect, it } from "vitest";
import { ascii } from "../../../test/support/chunks.js";
import { nameHash } from "../src/field-names.js";
import { NameTraits } from "../src/header-fields.js";
import {
  type CgiResponseAsHttpOptions,
  cgiResponseBodyLength,
  encodeCgiResponseAsHttp,
  encodeEnvironRequest,
  type HttpRequestHead,
  type HttpResponseHead,
  percentDecode,
  RequestDecoder,
  requestToEnviron,
} from "../src/index.js";
import type { RequestHead } from "../src/message-head.js";
import { decodeRequests, decodeResponses } from "./recorder.js";

const headOf = (raw: string) => decodeRequests([ascii(raw)]).heads[0] as HttpRequestHead;

describe("requestToEnviron", () => {
  it("lays a request out as nginx's uwsgi_params would", () => {
    const head = headOf(
      "POST /app/caf%C3%A9?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n" +
        "Cookie: a=1\r\nX-Dup: 1\r\nCookie: b=2\r\nX-Dup: 2\r\nX_Under: dropped\r\n\r\nabc",
    );
    const env = requestToEnviron(head, { remoteAddr: "203.0.113.9", remotePort: 51000 });
    expect([...env]).toEqual([
      ["REQUEST_METHOD", "POST"],
      ["REQUEST_URI", "/app/caf%C3%A9?x=1&y=%20"],
      ["PATH_INFO", "/app/caf\u00c3\u00a9"],
      ["QUERY_STRING", "x=1&y=%20"],
      ["SERVER_PROTOCOL", "HTTP/1.1"],
      ["CONTENT_TYPE", "text/plain"],
      ["CONTENT_LENGTH", "3"],
      ["SERVER_NAME", "example.com"],
      ["SERVER_PORT", "8080"],
      ["REMOTE_ADDR", "203.0.113.9"],
      ["REMOTE_PORT", "51000"],
      ["HTTP_HOST", "example.com:8080"],
      ["HTTP_COOKIE", "a=1; b=2"],
      ["HTTP_X_DUP", "1, 2"],
    ]);
    expect(env.getUtf8("PATH_INFO")).toBe("/app/caf\u00e9");
  });

  it("borrows the fields when nothing is to be joined, leaving out the ones it must", () => {
    const head = headOf(
      "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: a/b\r\nX_Under: no\r\nContent-Length: 2\r\nAccept: */*\r\n\r\nhi",
    );
    const env = requestToEnviron(head);
    expect([...env].slice(5)).toEqual([
      ["CONTENT_TYPE", "a/b"],
      ["CONTENT_LENGTH", "2"],
      ["SERVER_NAME", "h"],
      ["SERVER_PORT", "80"],
      ["HTTP_HOST", "h"],
      ["HTTP_ACCEPT", "*/*"],
    ]);
    // Changing it makes the borrowed fields its own first.
    env.set("HTTP_HOST", "other").append("SCRIPT_NAME", "");
    expect([...env].slice(-3)).toEqual([
      ["HTTP_HOST", "other"],
      ["HTTP_ACCEPT", "*/*"],
      ["SCRIPT_NAME", ""],
    ]);
    expect(head.headers.get("host")).toBe("h");
  });

  it("keeps underscore fields when asked, and reads the host of an absolute-form target", () => {
    const head = headOf("GET http://origin.test/p?q HTTP/1.1\r\nHost: ignored\r\nX_Under: kept\r\n\r\n");
    const env = requestToEnviron(head, { keepUnderscoreHeaders: true, https: true });
    expect(env.get("SERVER_NAME")).toBe("origin.test");
    expect(env.get("SERVER_PORT")).toBe("443");
    expect(env.get("HTTPS")).toBe("on");
    expect(env.get("PATH_INFO")).toBe("/p");
    expect(env.get("QUERY_STRING")).toBe("q");
    expect(env.get("HTTP_X_UNDER")).toBe("kept");
  });

  it("leaves a fragment out of PATH_INFO and QUERY_STRING, and an absolute target's authority out of REQUEST_URI", () => {
    const vars = (raw: string) => {
      const env = requestToEnviron(decodeRequests([ascii(raw)]).heads[0] as HttpRequestHead);
      return [env.get("REQUEST_URI"), env.get("PATH_INFO"), env.get("QUERY_STRING"), env.get("SERVER_NAME")];
    };
    // (Behind a front that denies /admin, "/x#/../admin" must not reach the application as /admin.)
    expect(vars("GET /x#/../admin HTTP/1.1\r\nHost: h\r\n\r\n")).toEqual(["/x#/../admin", "/x", "", "h"]);
    expect(vars("GET /a%2Fb?q=1#f?g HTTP/1.1\r\nHost: h\r\n\r\n")).toEqual([
      "/a%2Fb?q=1#f?g",
      "/a/b",
      "q=1",
      "h",
    ]);
    expect(vars("GET /a#b%2F?c HTTP/1.1\r\nHost: h\r\n\r\n")).toEqual(["/a#b%2F?c", "/a", "", "h"]);
    expect(vars("GET http://o.test/admin?q=1 HTTP/1.1\r\nHost: h\r\n\r\n")).toEqual([
      "/admin?q=1",
      "/admin",
      "q=1",
      "o.test",
    ]);
    expect(vars("GET http://o.test?q=1#x HTTP/1.1\r\nHost: h\r\n\r\n")).toEqual([
      "/?q=1#x",
      "/",
      "q=1",
      "o.test",
    ]);
  });

  it("leaves out fields whose names have bytes but letters, digits, - and _, unless asked (nginx's ignore_invalid_headers)", () => {
    const head = decodeRequests([
      ascii("GET / HTTP/1.1\r\nHost: h\r\nX.Remote.User: admin\r\nX~A: 1\r\nX-Ok: 2\r\nX!*|^: 3\r\n\r\n"),
    ]).heads[0] as HttpRequestHead;
    const http = (env: Environ) => [...env].filter(([name]) => name.startsWith("HTTP_"));
    expect(http(requestToEnviron(head))).toEqual([
      ["HTTP_HOST", "h"],
      ["HTTP_X_OK", "2"],
    ]);
    expect(http(requestToEnviron(head, { keepOddHeaders: true }))).toEqual([
      ["HTTP_HOST", "h"],
      ["HTTP_X.REMOTE.USER", "admin"],
      ["HTTP_X~A", "1"],
      ["HTTP_X_OK", "2"],
      ["HTTP_X!*|^", "3"],
    ]);
  });

  it("takes a socket's remoteAddress and remotePort as they are, undefined included", () => {
    // (Node types them string | undefined and number | undefined; under exactOptionalPropertyTypes
    // this call must compile as written.)
    const socket: { remoteAddress: string | undefined; remotePort: number | undefined } = {
      remoteAddress: undefined,
      remotePort: undefined,
    };
    const head = headOf("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    const env = requestToEnviron(head, { remoteAddr: socket.remoteAddress, remotePort: socket.remotePort });
    expect([env.has("REMOTE_ADDR"), env.has("REMOTE_PORT")]).toEqual([false, false]);
    const known = requestToEnviron(head, { remoteAddr: "192.0.2.1", remotePort: 4711 });
    expect([known.get("REMOTE_ADDR"), known.get("REMOTE_PORT")]).toEqual(["192.0.2.1", "4711"]);
  });

  it("keeps single values as views into the chunk", () => {
    const bytes = ascii("GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: curl/8\r\n\r\n");
    let head: HttpRequestHead | undefined;
    new RequestDecoder({ onHead: (h) => (head = h) }).push(bytes);
    expect(requestToEnviron(head!).getBytes("HTTP_USER_AGENT")!.buffer).toBe(bytes.buffer);
  });

  it("reads strings from the text of the chunk being decoded, never from an earlier push's", () => {
    // A caller that reuses its read buffer pushes the same array again, refilled: the text of
    // a chunk, shared by the heads read from it, must not outlive the push.
    const values: string[] = [];
    const decoder = new RequestDecoder({
      onHead: (head) => {
        const env = requestToEnviron(head);
        values.push(`${env.get("REQUEST_URI")} ${env.get("HTTP_X")}`);
      },
    });
    const request = (path: string, x: string) => `GET ${path} HTTP/1.1\r\nHost: h\r\nX: ${x}\r\n\r\n`;
    const chunk = new Uint8Array(request("/a", "1").length * 2);
    for (const raw of [request("/a", "1") + request("/b", "2"), request("/c", "3") + request("/d", "4")]) {
      chunk.set(ascii(raw));
      decoder.push(chunk);
    }
    expect(values).toEqual(["/a 1", "/b 2", "/c 3", "/d 4"]);
  });

  it("groups repeats right when a head is mapped after later heads have displaced its names", () => {
    // Names that meet in one set of a decoder's own table (two ways): each new one displaces
    // the oldest; a head mapped late must still tell its names apart, and join only true repeats.
    const set = (name: string) => nameHash(ascii(name), 0, name.length) >>> 26;
    const meeting: string[] = [];
    for (let k = 0; meeting.length < 4; k++)
      if (set(`x-meet-${k}`) === set("x-meet-0")) meeting.push(`x-meet-${k}`);
    const [a, b, c, d] = meeting as [string, string, string, string];
    const heads: HttpRequestHead[] = [];
    const decoder = new RequestDecoder({ onHead: (head) => heads.push(head) });
    const request = (...names: string[]) =>
      `GET / HTTP/1.1\r\nHost: h\r\n${names.map((n, i) => `${n}: ${i}\r\n`).join("")}\r\n`;
    for (const raw of [request(a, b), request(a, b, a), request(c, d), request(b, a, b), request(a, c)])
      decoder.push(ascii(raw));
    const http = (head: HttpRequestHead) =>
      [...requestToEnviron(head)].filter(([n]) => n.startsWith("HTTP_X"));
    const cgi = (name: string) => `HTTP_${name.toUpperCase().replaceAll("-", "_")}`;
    expect(heads.map(http)).toEqual([
      [
        [cgi(a), "0"],
        [cgi(b), "1"],
      ],
      [
        [cgi(a), "0, 2"],
        [cgi(b), "1"],
      ],
      [
        [cgi(c), "0"],
        [cgi(d), "1"],
      ],
      [
        [cgi(b), "0, 2"],
        [cgi(a), "1"],
      ],
      [
        [cgi(a), "0"],
        [cgi(c), "1"],
      ],
    ]);
  });

  it("learns names per decoder: another connection's flood of new names changes nothing here", () => {
    const ours = new RequestDecoder({ onHead: (head) => ourHeads.push(head) });
    const ourHeads: HttpRequestHead[] = [];
    const request = "GET / HTTP/1.1\r\nHost: h\r\nX-Ours-One: 1\r\nX-Ours-Two: 2\r\nX-Ours-One: 3\r\n\r\n";
    ours.push(ascii(request)); // (learned)
    const flood = new RequestDecoder({ onHead() {} }, { maxHeaders: 1000 });
    for (let k = 0; k < 20; k++) {
      const names = Array.from({ length: 500 }, (_, i) => `X-Flood-${k}-${i}: v\r\n`).join("");
      flood.push(ascii(`GET / HTTP/1.1\r\nHost: h\r\n${names}\r\n`));
    }
    ours.push(ascii(request));
    const head = ourHeads[1] as RequestHead;
    expect(head.headers.traits & NameTraits.Settled).toBe(NameTraits.Settled);
    expect([...requestToEnviron(head)].slice(-2)).toEqual([
      ["HTTP_X_OURS_ONE", "1, 3"],
      ["HTTP_X_OURS_TWO", "2"],
    ]);
  });

  it("refuses connection variables that are not latin-1, before any value is read", () => {
    const head = headOf("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    for (const options of [
      { serverName: "\u540d" },
      { remoteAddr: "\u540d" },
      { serverPort: "\u540d" },
      { remotePort: "\u540d" },
    ]) {
      expect(() => requestToEnviron(head, options)).toThrow(
        expect.objectContaining({ code: "ENVIRON_NOT_LATIN1" }),
      );
    }
    // The same string again is refused again (what is remembered is what passed).
    expect(() => requestToEnviron(head, { remoteAddr: "\u540d" })).toThrow(ProtocolError);
    expect(requestToEnviron(head, { remoteAddr: "\u00e9" }).get("REMOTE_ADDR")).toBe("\u00e9");
  });

  it("leaves out hop-by-hop fields and Expect with dropHopByHop, the rest in order and still views", () => {
    const bytes = ascii(
      "POST /up HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Foo\r\nKeep-Alive: timeout=5\r\n" +
        "X-Foo: 1\r\nUser-Agent: curl/8\r\nTE: trailers\r\nExpect: 100-continue\r\nTrailer: X-T\r\n" +
        "Proxy-Connection: keep-alive\r\nUpgrade: h2c\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    let head: HttpRequestHead | undefined;
    new RequestDecoder({ onHead: (h) => (head = h) }).push(bytes);
    const dropped = [
      "HTTP_CONNECTION",
      "HTTP_KEEP_ALIVE",
      "HTTP_X_FOO",
      "HTTP_TE",
      "HTTP_EXPECT",
      "HTTP_TRAILER",
      "HTTP_PROXY_CONNECTION",
      "HTTP_UPGRADE",
      "HTTP_TRANSFER_ENCODING",
    ];
    const all = requestToEnviron(head!);
    const env = requestToEnviron(head!, { dropHopByHop: true });
    // Off (the default), every field is there, as nginx passes them.
    expect(dropped.filter((name) => !all.has(name))).toEqual([]);
    expect([...requestToEnviron(head!, { dropHopByHop: false })]).toEqual([...all]);
    expect([...env]).toEqual([...all].filter(([name]) => !dropped.includes(name)));
    expect([...env].slice(5).map(([name]) => name)).toEqual([
      "SERVER_NAME",
      "SERVER_PORT",
      "HTTP_HOST",
      "HTTP_USER_AGENT",
      "HTTP_ACCEPT",
    ]);
    // Still borrowed: values are views into the chunk the head came in.
    expect(env.getBytes("HTTP_USER_AGENT")!.buffer).toBe(bytes.buffer);
    expect(env.getBytes("HTTP_ACCEPT")!.buffer).toBe(bytes.buffer);
    expect(env.get("HTTP_ACCEPT")).toBe("*/*");
  });

  it("drops what Connection names, with repeats and kept underscores, but never Host or the content fields", () => {
    const head = headOf(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: close, x-foo\r\nX-Foo: 1\r\nX-Bar: a\r\nX-FOO: 2\r\n" +
        "X-Bar: b\r\nConnection: HOST ,\tContent-Type,content-length, X_Named\r\nContent-Type: t/p\r\n" +
        "Content-Length: 0\r\nX_Under: u\r\nX_Named: n\r\nKeep_Alive: k\r\n\r\n",
    );
    expect([...requestToEnviron(head, { dropHopByHop: true })].slice(5)).toEqual([
      ["CONTENT_TYPE", "t/p"],
      ["CONTENT_LENGTH", "0"],
      ["SERVER_NAME", "h"],
      ["SERVER_PORT", "80"],
      ["HTTP_HOST", "h"],
      ["HTTP_X_BAR", "a, b"],
    ]);
    // Kept, a "_" name is dropped as its "-" twin would be (Keep_Alive is HTTP_KEEP_ALIVE).
    expect([...requestToEnviron(head, { dropHopByHop: true, keepUnderscoreHeaders: true })].slice(9)).toEqual(
      [
        ["HTTP_HOST", "h"],
        ["HTTP_X_BAR", "a, b"],
        ["HTTP_X_UNDER", "u"],
      ],
    );
  });

  it("drops hop-by-hop fields of heads mapped late, from a decoder whose names are settled", () => {
    const heads: HttpRequestHead[] = [];
    const decoder = new RequestDecoder({ onHead: (h) => heads.push(h) });
    const request = "GET / HTTP/1.1\r\nHost: h\r\nConnection: x-mine\r\nX-Mine: 1\r\nX-Other: 2\r\n\r\n";
    decoder.push(ascii(request + request));
    expect((heads[1] as RequestHead).headers.traits & NameTraits.Settled).toBe(NameTraits.Settled);
    for (const head of heads)
      expect([...requestToEnviron(head, { dropHopByHop: true })].slice(-2)).toEqual([
        ["HTTP_HOST", "h"],
        ["HTTP_X_OTHER", "2"],
      ]);
  });

  it("percent-decodes to bytes and leaves broken escapes alone", () => {
    expect([...percentDecode("/a%2Fb%zz%4")]).toEqual([...ascii("/a/b%zz%4")]);
  });
});

describe("Environ to HTTP", () => {
  it("writes the request a gateway sends on, without hop-by-hop fields", () => {
    // What nginx sends through uwsgi for a chunked upload it de-chunked: both TE and CL.
    const env = new Environ([
      ["REQUEST_METHOD", "POST"],
      ["REQUEST_URI", "/up?x=1"],
      ["PATH_INFO", "/up"],
      ["QUERY_STRING", "x=1"],
      ["CONTENT_TYPE", "text/plain"],
      ["CONTENT_LENGTH", "5"],
      ["SERVER_NAME", "example.com"],
      ["HTTP_HOST", "example.com"],
      ["HTTP_TRANSFER_ENCODING", "chunked"],
      ["HTTP_CONNECTION", "keep-alive"],
      ["HTTP_X_FORWARDED_FOR", "198.51.100.1"],
    ]);
    expect(new TextDecoder().decode(encodeEnvironRequest(env))).toBe(
      "POST /up?x=1 HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nHost: example.com\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n",
    );
  });

  it("builds the target from PATH_INFO when there is no REQUEST_URI, and Host from SERVER_NAME", () => {
    const env = new Environ([
      ["REQUEST_METHOD", "GET"],
      ["PATH_INFO", new Uint8Array([0x2f, 0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20])],
      ["QUERY_STRING", "a=1"],
      ["SERVER_NAME", "h"],
      ["SERVER_PORT", "8080"],
    ]);
    expect(new TextDecoder().decode(encodeEnvironRequest(env, { chunked: true }))).toBe(
      "GET /caf%C3%A9%20?a=1 HTTP/1.1\r\nHost: h:8080\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    // With no authority to name, Host is sent empty, as HTTP/1.1 requires (RFC 9112 §3.2).
    const bare = new Environ([
      ["REQUEST_METHOD", "GET"],
      ["REQUEST_URI", "/"],
    ]);
    expect(new TextDecoder().decode(encodeEnvironRequest(bare))).toBe("GET / HTTP/1.1\r\nHost: \r\n\r\n");
  });

  it("turns a CGI response into an HTTP response head", () => {
    let head: CgiResponseHead | undefined;
    const cgi = new CgiResponseDecoder({ onHead: (h) => (head = h) });
    cgi.push(ascii("Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n"));
    expect(new TextDecoder().decode(encodeCgiResponseAsHttp(head!))).toBe(
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n",
    );
  });
});

/** The CGI response head a CgiResponseDecoder reads from `raw`. */
function cgiHead(raw: string): CgiResponseHead {
  let head: CgiResponseHead | undefined;
  new CgiResponseDecoder({ onHead: (h) => (head = h) }).push(ascii(raw));
  return head!;
}

const asHttp = (raw: string, options?: CgiResponseAsHttpOptions) =>
  new TextDecoder().decode(encodeCgiResponseAsHttp(cgiHead(raw), options));

/** What a client's ResponseDecoder makes of `head` followed by `body`. */
function readBack(head: string, body = ""): { head: HttpResponseHead; body: string } {
  const r = decodeResponses([ascii(head + body)]);
  const bodies = r.events.flatMap((e) => (e.type === "body" ? [new TextDecoder().decode(e.bytes)] : []));
  return { head: r.heads[0] as HttpResponseHead, body: bodies.join("") };
}

describe("encodeCgiResponseAsHttp", () => {
  it("gives the standard reason when Status has none, and none for a status it does not know", () => {
    expect(asHttp("Status: 200\r\n\r\n")).toBe("HTTP/1.1 200 OK\r\n\r\n");
    expect(asHttp("Content-Type: a/b\r\n\r\n")).toBe("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\n\r\n");
    expect(asHttp("Status: 404\r\n\r\n", {})).toBe("HTTP/1.1 404 Not Found\r\n\r\n");
    expect(asHttp("Location: http://o.test/\r\n\r\n")).toBe(
      "HTTP/1.1 302 Found\r\nLocation: http://o.test/\r\n\r\n",
    );
    expect(asHttp("Status: 200 Fine\r\n\r\n")).toBe("HTTP/1.1 200 Fine\r\n\r\n");
    expect(asHttp("Status: 299\r\n\r\n")).toBe("HTTP/1.1 299 \r\n\r\n");
  });

  const app =
    "Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close, X-Internal\r\n" +
    "X-Internal: secret\r\nKeep-Alive: timeout=1\r\nTransfer-Encoding: gzip\r\nTE: x\r\nTrailer: y\r\n" +
    "Upgrade: z\r\nProxy-Connection: q\r\nX-Kept: 1\r\n\r\n";

  it("without options, sends the fields as the application gave them", () => {
    expect(asHttp(app)).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close, X-Internal\r\n" +
        "X-Internal: secret\r\nKeep-Alive: timeout=1\r\nTransfer-Encoding: gzip\r\nTE: x\r\nTrailer: y\r\n" +
        "Upgrade: z\r\nProxy-Connection: q\r\nX-Kept: 1\r\n\r\n",
    );
  });

  it("frames with Content-Length, dropping the application's hop-by-hop fields and length", () => {
    const head = asHttp(app, { contentLength: 3 });
    expect(head).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Kept: 1\r\nContent-Length: 3\r\n\r\n",
    );
    const read = readBack(`${head}abcHTTP/1.1 204 No Content\r\n\r\n`);
    expect([read.head.body, read.head.contentLength, read.head.keepAlive, read.body]).toEqual([
      "length",
      3,
      true,
      "abc",
    ]);
    // With options and no length of its own, the application's Content-Length stays (Connection naming it aside).
    expect(asHttp(`${app.slice(0, -2)}Connection: Content-Length\r\n\r\n`, { keepAlive: true })).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Kept: 1\r\n\r\n",
    );
  });

  it("frames with chunked, dropping the application's Content-Length, and closes when told", () => {
    const head = asHttp(app, { chunked: true, keepAlive: false });
    expect(head).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Kept: 1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    const read = readBack(head, "3\r\nabc\r\n0\r\n\r\n");
    expect([read.head.body, read.head.keepAlive, read.body]).toEqual(["chunked", false, "abc"]);
    expect(asHttp("Status: 201\r\nContent-Length: 9\r\n\r\n", { chunked: true, keepAlive: true })).toBe(
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
  });

  it("says keep-alive to HTTP/1.0 when the connection stays open, and close when it does not", () => {
    const ten = asHttp("Status: 200\r\nConnection: close\r\n\r\n", {
      version: "HTTP/1.0",
      keepAlive: true,
      contentLength: 2,
    });
    expect(ten).toBe("HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
    expect(readBack(ten, "hi").head.keepAlive).toBe(true);
    const closed = asHttp("Status: 200\r\n\r\n", { version: "HTTP/1.0", keepAlive: false, contentLength: 2 });
    expect(closed).toBe("HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
    expect(readBack(closed, "hi").head.keepAlive).toBe(false);
    expect(asHttp("Status: 200\r\n\r\n", { keepAlive: true, contentLength: 0 })).toBe(
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    );
  });

  it("refuses framing the status or version cannot carry, and both lengths at once", () => {
    const refused: [string, CgiResponseAsHttpOptions][] = [
      ["Status: 200\r\n\r\n", { contentLength: 1, chunked: true }],
      ["Status: 200\r\n\r\n", { chunked: true, version: "HTTP/1.0" }],
      ["Status: 200\r\n\r\n", { contentLength: -1 }],
      ["Status: 200\r\n\r\n", { contentLength: 1.5 }],
      ["Status: 204\r\n\r\n", { chunked: true }],
      ["Status: 204\r\n\r\n", { contentLength: 0 }],
      ["Status: 103\r\nLink: </a>\r\n\r\n", { contentLength: 0 }],
      ["Status: 304\r\n\r\n", { chunked: true }],
    ];
    for (const [raw, options] of refused)
      expect(() => asHttp(raw, options), JSON.stringify(options)).toThrow(TypeError);
    // A 304 may tell the length of what a 200 would have sent (RFC 9110 §8.6).
    expect(asHttp("Status: 304\r\n\r\n", { contentLength: 7 })).toBe(
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
    );
  });
});

describe("cgiResponseBodyLength", () => {
  const headWith = (...headers: [string, string][]): CgiResponseHead => ({
    status: 200,
    reason: "",
    headers,
    location: undefined,
    redirect: undefined,
  });

  it("reads the application's Content-Length: repeats and lists that agree, any case", () => {
    expect(cgiResponseBodyLength(cgiHead("Content-Type: a/b\r\n\r\n"))).toBe(undefined);
    expect(cgiResponseBodyLength(cgiHead("Status: 200\r\nContent-Length: 42\r\n\r\n"))).toBe(42);
    expect(cgiResponseBodyLength(headWith(["content-length", "0"]))).toBe(0);
    expect(
      cgiResponseBodyLength(headWith(["Content-Length", "7"], ["X", "1"], ["CONTENT-LENGTH", "7"])),
    ).toBe(7);
    expect(cgiResponseBodyLength(headWith(["Content-Length", "7, 7"]))).toBe(7);
    expect(cgiResponseBodyLength(headWith(["Content-Length", "9007199254740991"]))).toBe(2 ** 53 - 1);
  });

  it("throws HTTP_BAD_CONTENT_LENGTH at offset 0 for a length that is not digits, or lengths that disagree", () => {
    for (const value of ["", "+5", "-1", "0x5", "1e3", "5 5", "5,", "4.0", "\u0665", "9007199254740992"]) {
      const error = (() => {
        try {
          cgiResponseBodyLength(headWith(["Content-Length", value]));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(value)).toBeInstanceOf(ProtocolError);
      expect(error, JSON.stringify(value)).toMatchObject({ code: "HTTP_BAD_CONTENT_LENGTH", offset: 0 });
    }
    expect(() => cgiResponseBodyLength(headWith(["Content-Length", "5"], ["Content-Length", "6"]))).toThrow(
      expect.objectContaining({ code: "HTTP_BAD_CONTENT_LENGTH", offset: 0 }),
    );
    expect(() => cgiResponseBodyLength(headWith(["Content-Length", "5, 6"]))).toThrow(ProtocolError);
  });
});
