/**
 * Our encoders → the real uWSGI and php-fpm, and our response decoders ← their replies.
 *
 * One table of requests goes to every socket: uwsgi packets, SCGI netstrings, HTTP requests
 * from encodeEnvironRequest and FastCGI records (several request ids, KEEP_CONN,
 * GET_VALUES). Both apps echo the variables they got, each value's bytes in hex, and the
 * body's length and SHA-256 (peers/app.py, peers/app.php): every variable we sent must come
 * back with exactly its bytes. Peers add variables of their own; those are not looked at.
 */
import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { hostname } from "node:os";
import {
  CgiResponseDecoder,
  type CgiResponseHandler,
  Environ,
  type EnvironValue,
  ProtocolError,
  utf8Encode,
} from "@envwire/environ";
import * as fcgi from "@envwire/fastcgi-proto";
import { encodeEnvironRequest, ResponseDecoder as HttpResponseDecoder } from "@envwire/http-proto";
import * as scgi from "@envwire/scgi-proto";
import * as uwsgi from "@envwire/uwsgi-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Peer, PHP_SCRIPT, requirePeers, startAll, startPhpFpm, startUwsgi } from "./peers.js";

/** Every wait on a peer is bounded by this. */
const TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// The requests
// ---------------------------------------------------------------------------------------------

interface Case {
  name: string;
  env: Environ;
  body: Uint8Array;
}

/** The CGI variables both peers need, then `extra`; CONTENT_* when there is a body. */
function request(
  name: string,
  method: string,
  uri: string,
  pathInfo: EnvironValue,
  extra: [string, EnvironValue][] = [],
  body = new Uint8Array(0),
): Case {
  const query = uri.includes("?") ? uri.slice(uri.indexOf("?") + 1) : "";
  const content: [string, string][] = [
    ["CONTENT_LENGTH", String(body.length)],
    ["CONTENT_TYPE", "application/octet-stream"],
  ];
  const env = new Environ([
    ["REQUEST_METHOD", method],
    ["REQUEST_URI", uri],
    ["PATH_INFO", pathInfo],
    ["QUERY_STRING", query],
    ["SERVER_PROTOCOL", "HTTP/1.1"],
    ["SERVER_NAME", "example.test"],
    ["SERVER_PORT", "8080"],
    ["REMOTE_ADDR", "127.0.0.1"],
    ["HTTP_HOST", "example.test:8080"],
    ...(body.length > 0 ? content : []),
    ...extra,
  ]);
  return { name, env, body };
}

const FIELDS = Array.from({ length: 40 }, (_, i): [string, string] => [
  `HTTP_X_FIELD_${String(i).padStart(2, "0")}`,
  `value ${i}; a=b, c="d"`,
]);
const COOKIE = Array.from({ length: 512 }, (_, i) => `k${String(i).padStart(4, "0")}=0123456789`)
  .join("; ")
  .slice(0, 6 * 1024);

const GET = request("GET with a query string", "GET", "/search?q=envwire&n=1&e=%20", "/search");
const POST = request(
  "100 KiB POST body",
  "POST",
  "/upload",
  "/upload",
  [],
  new Uint8Array(randomBytes(100 * 1024)),
);
const HEAD = request("HEAD", "HEAD", "/head", "/head");
const HEADERS = request("40 header fields and an empty one", "GET", "/fields", "/fields", [
  ...FIELDS,
  ["HTTP_X_EMPTY", ""],
]);
const CASES: Case[] = [
  GET,
  // PATH_INFO is REQUEST_URI's path percent-decoded: raw UTF-8 bytes, as nginx passes it.
  request("percent-encoded UTF-8 path", "GET", "/caf%C3%A9/%E2%82%AC?x=%C3%A9", utf8Encode("/café/€")),
  HEADERS,
  request("6 KiB cookie", "GET", "/cookie", "/cookie", [["HTTP_COOKIE", COOKIE]]),
  POST,
  HEAD,
];
const NOT_HEAD = CASES.filter((c) => c !== HEAD);
/** The apps answer /status/<n> with status n and `Location: /moved`. */
const REDIRECT = request("status 302", "GET", "/status/302", "/status/302");

/** php-fpm runs the script SCRIPT_FILENAME names. */
function forPhp(c: Case): Case {
  const env = new Environ([...c.env]);
  env.append("SCRIPT_FILENAME", PHP_SCRIPT).append("SCRIPT_NAME", "/app.php");
  return { ...c, env };
}

// ---------------------------------------------------------------------------------------------
// The peers
// ---------------------------------------------------------------------------------------------

let uwsgiPeer: Peer;
let phpPeer: Peer;

beforeAll(async () => {
  requirePeers();
  [uwsgiPeer, phpPeer] = await startAll(startUwsgi, startPhpFpm);
}, 60_000);

afterAll(async () => {
  await Promise.all([uwsgiPeer?.stop(), phpPeer?.stop()]);
});

/** The end of a peer's log, for a failure's message. */
function logOf(peer: Peer): string {
  return `\n--- peer log ---\n${peer.log().slice(-3000)}`;
}

// ---------------------------------------------------------------------------------------------
// The wire
// ---------------------------------------------------------------------------------------------

/** What reads one connection's replies. */
interface Reader {
  push(chunk: Uint8Array): void;
  /** The reply we wait for is complete (false: read until the peer closes). */
  done(): boolean;
  /** The peer closed the connection. */
  end(): void;
}

/** One loopback connection: `send` writes, then waits until the reader is done or the peer closes. */
interface Link {
  send(bytes: readonly Uint8Array[]): Promise<{ peerClosed: boolean }>;
  close(): Promise<void>;
}

async function open(peer: Peer, port: number, reader: Reader): Promise<Link> {
  const socket = connect(port, "127.0.0.1");
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  let failure: unknown;
  let peerClosed = false;
  let wake = () => {};
  const attempt = (step: () => void) => {
    try {
      step();
    } catch (e) {
      failure ??= e;
    }
    wake();
  };
  socket.on("connect", () => wake());
  socket.on("data", (chunk) => attempt(() => reader.push(chunk)));
  socket.on("end", () =>
    attempt(() => {
      peerClosed = true;
      if (!reader.done()) reader.end();
    }),
  );
  socket.on("error", (e) => attempt(() => (failure ??= e)));
  const wait = (what: string, ready: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        wake = () => {};
        reject(new Error(`${what}: nothing in ${TIMEOUT_MS} ms${logOf(peer)}`));
      }, TIMEOUT_MS);
      wake = () => {
        if (failure === undefined && !ready()) return;
        clearTimeout(timer);
        wake = () => {};
        if (failure === undefined) resolve();
        else reject(new Error(`${String(failure)}${logOf(peer)}`, { cause: failure }));
      };
      wake();
    });
  try {
    await wait("connect", () => !socket.connecting);
  } catch (e) {
    socket.destroy();
    throw e;
  }
  return {
    async send(bytes) {
      for (const piece of bytes) socket.write(piece);
      await wait("reply", () => peerClosed || reader.done());
      return { peerClosed };
    },
    async close() {
      socket.destroy();
      await closed;
    },
  };
}

/** Connects, writes `bytes`, reads until `reader` is done or the peer closes, and closes. */
async function exchange(peer: Peer, port: number, bytes: readonly Uint8Array[], reader: Reader) {
  const link = await open(peer, port, reader);
  try {
    return await link.send(bytes);
  } finally {
    await link.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  location: string | undefined;
  contentType: string | undefined;
  body: Uint8Array[];
}

const newReply = (): Reply => ({ status: 0, location: undefined, contentType: undefined, body: [] });

/** A raw HTTP response (uWSGI's uwsgi and HTTP sockets), read by http-proto. */
function httpReader(method: string): Reader & { reply: Reply } {
  const reply = newReply();
  let complete = false;
  const decoder = new HttpResponseDecoder({
    onHead(head) {
      reply.status = head.status;
      reply.location = head.headers.get("location");
      reply.contentType = head.headers.get("content-type");
    },
    onBody: (chunk) => reply.body.push(chunk.slice()),
    onEnd: () => (complete = true),
  });
  decoder.expectResponseTo(method);
  return { reply, push: (c) => decoder.push(c), done: () => complete, end: () => decoder.end() };
}

/** Every byte until the peer closes, undecoded. */
function rawReader(): Reader & { bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  return { push: (c) => chunks.push(c), done: () => false, end() {}, bytes: () => Buffer.concat(chunks) };
}

/** A CGI response (SCGI's reply, FastCGI's STDOUT) into `reply`. */
function cgiHandler(reply: Reply): CgiResponseHandler {
  return {
    onHead(head) {
      reply.status = head.status;
      reply.location = head.location;
      reply.contentType = head.headers.find(([name]) => name.toLowerCase() === "content-type")?.[1];
    },
    onBody: (chunk) => reply.body.push(chunk.slice()),
  };
}

/** SCGI's reply: a CGI response that runs until the peer closes. */
function scgiReader(): Reader & { reply: Reply } {
  const reply = newReply();
  const decoder = new scgi.ResponseDecoder(cgiHandler(reply));
  return { reply, push: (c) => decoder.push(c), done: () => false, end: () => decoder.end() };
}

/** One FastCGI request's reply. */
interface FcgiReply extends Reply {
  /** "STDOUT end" and "END_REQUEST", in the order they came. */
  events: string[];
  stderr: string;
  end: fcgi.FcgiEndRequest | undefined;
}

/** The web server's side of a FastCGI connection: the requests it began, their replies by id. */
class FcgiClient implements Reader {
  readonly replies = new Map<number, FcgiReply>();
  values: Environ | undefined;
  /** What `done` waits for; by default nothing: read until the peer closes. */
  until: () => boolean = () => false;
  readonly #cgi = new Map<number, CgiResponseDecoder>();
  readonly #decoder = new fcgi.ResponseDecoder({
    onStdout: (id, chunk) => this.#cgi.get(id)!.push(chunk),
    onStdoutEnd: (id) => this.replies.get(id)!.events.push("STDOUT end"),
    onStderr: (id, chunk) => (this.replies.get(id)!.stderr += Buffer.from(chunk).toString("latin1")),
    onEndRequest: (end) => {
      const reply = this.replies.get(end.requestId)!;
      reply.events.push("END_REQUEST");
      reply.end = end;
      // php-fpm sends no empty STDOUT record: END_REQUEST is what ends the response.
      this.#cgi.get(end.requestId)!.end();
    },
    onGetValuesResult: (values) => (this.values = values),
  });

  /** Request `id`'s records: BEGIN_REQUEST, PARAMS, and the body in 16 KiB STDIN records. */
  begin(id: number, c: Case, keepConn = false): Uint8Array[] {
    const reply: FcgiReply = { ...newReply(), events: [], stderr: "", end: undefined };
    this.replies.set(id, reply);
    this.#cgi.set(id, new CgiResponseDecoder(cgiHandler(reply)));
    this.#decoder.expect(id);
    return [
      fcgi.encodeBeginRequest(id, fcgi.Role.RESPONDER, keepConn),
      fcgi.encodeParams(id, c.env),
      ...fcgi.encodeStream(fcgi.RecordType.STDIN, id, c.body, { recordSize: 16 * 1024 }),
      fcgi.encodeStreamEnd(fcgi.RecordType.STDIN, id),
    ];
  }

  push(chunk: Uint8Array): void {
    this.#decoder.push(chunk);
  }
  done(): boolean {
    return this.until();
  }
  end(): void {
    this.#decoder.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

interface Echo {
  environ: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
}

const hex = (bytes: Uint8Array | string) => Buffer.from(bytes as Uint8Array).toString("hex");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function echoOf(reply: Reply, peer: Peer): Echo {
  const text = Buffer.concat(reply.body).toString("latin1");
  try {
    return JSON.parse(text) as Echo;
  } catch {
    throw new Error(`not the app's JSON (status ${reply.status}): ${text.slice(0, 300)}${logOf(peer)}`);
  }
}

/** A 200 with JSON whose variables hold exactly the bytes `c` sent (but `skip`), and the body. */
function expectEcho(reply: Reply, c: Case, peer: Peer, skip: readonly string[] = []): Echo {
  expect({ status: reply.status, type: reply.contentType }, logOf(peer)).toEqual({
    status: 200,
    type: "application/json",
  });
  const echo = echoOf(reply, peer);
  const sent: Record<string, string> = {};
  const got: Record<string, string | undefined> = {};
  for (let i = 0; i < c.env.size; i++) {
    const name = c.env.nameAt(i);
    if (skip.includes(name)) continue;
    sent[name] = hex(c.env.bytesAt(i));
    got[name] = echo.environ[name];
  }
  expect(got, `variables${logOf(peer)}`).toEqual(sent);
  expect({ length: echo.bodyLength, sha256: echo.bodySha256 }, `body${logOf(peer)}`).toEqual({
    length: c.body.length,
    sha256: sha256(c.body),
  });
  return echo;
}

function expectRedirect(reply: Reply, peer: Peer): void {
  expect({ status: reply.status, location: reply.location }, logOf(peer)).toEqual({
    status: 302,
    location: "/moved",
  });
}

/**
 * uWSGI writes the WSGI app's body even in a raw HTTP reply to HEAD (RFC 9110 §9.3.2: the
 * server MUST NOT). Read as a response to HEAD, the message ends with its head, as it should;
 * the stray body can then only be taken for the start of a next response, which http-proto
 * refuses. The stray body is the app's echo: it shows that HEAD arrived intact.
 */
function expectHeadReplyWithBody(raw: Uint8Array, peer: Peer, expectEchoOf = expectEcho): void {
  const reply = newReply();
  const seen: string[] = [];
  let contentLength = -1;
  const decoder = new HttpResponseDecoder({
    onHead(head) {
      seen.push(`head ${head.status}`);
      contentLength = Number(head.headers.get("content-length"));
      reply.status = head.status;
      reply.contentType = head.headers.get("content-type");
    },
    onBody: () => seen.push("body"),
    onEnd: () => seen.push("end"),
  });
  decoder.expectResponseTo("HEAD");
  const error = catchError(() => decoder.push(raw));
  expect(seen, logOf(peer)).toEqual(["head 200", "end"]);
  // The stray body is read as the next response's start: it fails at its first byte, in the push.
  expect(error).toBeInstanceOf(ProtocolError);
  expect([(error as ProtocolError).code, (error as ProtocolError).offset]).toEqual([
    "HTTP_BAD_START_LINE",
    raw.length - contentLength,
  ]);
  reply.body.push(raw.subarray(raw.length - contentLength));
  expectEchoOf(reply, HEAD, peer);
}

function catchError(f: () => void): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// uWSGI: uwsgi packets, SCGI netstrings, HTTP requests
// ---------------------------------------------------------------------------------------------

describe("uwsgi packets → uWSGI's --uwsgi-socket; its raw HTTP reply ← http-proto", () => {
  const wire = (c: Case) => [uwsgi.encodeRequest(c.env), c.body];

  async function ask(c: Case) {
    const reader = httpReader(c.env.get("REQUEST_METHOD")!);
    await exchange(uwsgiPeer, uwsgiPeer.ports.uwsgi!, wire(c), reader);
    return reader.reply;
  }

  for (const c of NOT_HEAD) {
    it(c.name, async () => {
      expectEcho(await ask(c), c, uwsgiPeer);
    });
  }

  it("HEAD: uWSGI sends a body anyway", async () => {
    const reader = rawReader();
    await exchange(uwsgiPeer, uwsgiPeer.ports.uwsgi!, wire(HEAD), reader);
    expectHeadReplyWithBody(reader.bytes(), uwsgiPeer);
  });

  it("status 302 with a Location", async () => {
    expectRedirect(await ask(REDIRECT), uwsgiPeer);
  });
});

describe("SCGI netstrings → uWSGI's --scgi-socket; its CGI reply ← scgi-proto", () => {
  async function ask(c: Case) {
    const reader = scgiReader();
    await exchange(uwsgiPeer, uwsgiPeer.ports.scgi!, [scgi.encodeRequest(c.env), c.body], reader);
    return reader.reply;
  }

  // HEAD included: a CGI response has no notion of HEAD; uWSGI sends the body, which RFC 3875
  // §4.3.3 says the server must discard. Here it is the echo.
  for (const c of CASES) {
    it(c.name, async () => {
      const echo = expectEcho(await ask(c), c, uwsgiPeer);
      // Our encoder adds what SCGI requires: CONTENT_LENGTH ("0" without a body) and SCGI=1.
      expect([echo.environ.CONTENT_LENGTH, echo.environ.SCGI]).toEqual([
        hex(String(c.body.length)),
        hex("1"),
      ]);
    });
  }

  it("status 302 with a Location", async () => {
    expectRedirect(await ask(REDIRECT), uwsgiPeer);
  });
});

describe("encodeEnvironRequest → uWSGI's --http-socket; its HTTP reply ← http-proto", () => {
  const wire = (c: Case) => [encodeEnvironRequest(c.env), c.body];

  async function ask(c: Case) {
    const reader = httpReader(c.env.get("REQUEST_METHOD")!);
    await exchange(uwsgiPeer, uwsgiPeer.ports.http!, wire(c), reader);
    return reader.reply;
  }

  // HTTP carries no SERVER_NAME nor SERVER_PORT: uWSGI sets its host name and the socket's
  // port. (REMOTE_ADDR is the connection's, 127.0.0.1, as we say.)
  function expectHttpEcho(reply: Reply, c: Case): Echo {
    const echo = expectEcho(reply, c, uwsgiPeer, ["SERVER_NAME", "SERVER_PORT"]);
    expect([echo.environ.SERVER_NAME, echo.environ.SERVER_PORT]).toEqual([
      hex(hostname()),
      hex(String(uwsgiPeer.ports.http)),
    ]);
    return echo;
  }

  for (const c of NOT_HEAD) {
    it(c.name, async () => {
      expectHttpEcho(await ask(c), c);
    });
  }

  it("HEAD: uWSGI sends a body anyway", async () => {
    const reader = rawReader();
    await exchange(uwsgiPeer, uwsgiPeer.ports.http!, wire(HEAD), reader);
    expectHeadReplyWithBody(reader.bytes(), uwsgiPeer, expectHttpEcho);
  });

  it("status 302 with a Location", async () => {
    expectRedirect(await ask(REDIRECT), uwsgiPeer);
  });
});

// ---------------------------------------------------------------------------------------------
// FastCGI: uWSGI and php-fpm
// ---------------------------------------------------------------------------------------------

interface FcgiPeer {
  name: string;
  peer: () => Peer;
  prepare: (c: Case) => Case;
}

const UWSGI_FCGI: FcgiPeer = { name: "uWSGI's --fastcgi-socket", peer: () => uwsgiPeer, prepare: (c) => c };
const PHP_FPM: FcgiPeer = { name: "php-fpm", peer: () => phpPeer, prepare: forPhp };

/** One request on a connection of its own, read until the peer closes. */
async function askFastcgi(p: FcgiPeer, c: Case, id = 1, keepConn = false): Promise<FcgiReply> {
  const peer = p.peer();
  const client = new FcgiClient();
  const wire = client.begin(id, p.prepare(c), keepConn);
  const { peerClosed } = await exchange(peer, peer.ports.fastcgi!, wire, client);
  const reply = client.replies.get(id)!;
  // The apps write nothing to STDERR: anything there is a complaint from the peer.
  expect({ peerClosed, end: reply.end, stderr: reply.stderr }, logOf(peer)).toEqual({
    peerClosed: true,
    end: { requestId: id, appStatus: 0, protocolStatus: fcgi.ProtocolStatus.REQUEST_COMPLETE },
    stderr: "",
  });
  return reply;
}

for (const p of [UWSGI_FCGI, PHP_FPM]) {
  describe(`FastCGI records → ${p.name}; STDOUT, END_REQUEST ← fastcgi-proto`, () => {
    for (const c of NOT_HEAD) {
      it(c.name, async () => {
        const echo = expectEcho(await askFastcgi(p, c), p.prepare(c), p.peer());
        if (p === PHP_FPM) {
          // PHP makes PHP_SELF itself, SCRIPT_NAME + PATH_INFO (sapi_cgi_register_variables in
          // sapi/fpm/fpm/fpm_main.c); the variables we sent it keeps as they are.
          const self = Buffer.concat([Buffer.from("/app.php"), c.env.getBytes("PATH_INFO")!]);
          expect(echo.environ.PHP_SELF).toBe(hex(self));
        }
      });
    }

    it.each([7, 300])("request id %i", async (id) => {
      expectEcho(await askFastcgi(p, POST, id), p.prepare(POST), p.peer());
    });

    it("status 302 with a Location", async () => {
      expectRedirect(await askFastcgi(p, REDIRECT), p.peer());
    });
  });
}

// The issue: "php-fpm 8.2 answers with STDOUT records and END_REQUEST but no empty STDOUT
// record (uWSGI's FastCGI socket sends one)". Read until each peer closes: nothing comes after.
describe("FastCGI: what ends a response", () => {
  it("uWSGI: STDOUT's empty record, then END_REQUEST", async () => {
    expect((await askFastcgi(UWSGI_FCGI, POST)).events, logOf(uwsgiPeer)).toEqual([
      "STDOUT end",
      "END_REQUEST",
    ]);
  });

  it("php-fpm: END_REQUEST, and no empty STDOUT record at all", async () => {
    expect((await askFastcgi(PHP_FPM, POST)).events, logOf(phpPeer)).toEqual(["END_REQUEST"]);
  });
});

describe("FastCGI HEAD: uWSGI sends the body, php-fpm does not", () => {
  it("uWSGI: the body is there (RFC 3875 §4.3.3: the server must discard it)", async () => {
    expectEcho(await askFastcgi(UWSGI_FCGI, HEAD), HEAD, uwsgiPeer);
  });

  it("php-fpm: the head only (PHP drops a HEAD response's body itself)", async () => {
    const reply = await askFastcgi(PHP_FPM, HEAD);
    expect({ status: reply.status, type: reply.contentType, body: reply.body }, logOf(phpPeer)).toEqual({
      status: 200,
      type: "application/json",
      body: [],
    });
  });
});

describe("FastCGI KEEP_CONN", () => {
  it("php-fpm: three requests on one connection, each gets its END_REQUEST and the connection stays open", async () => {
    const client = new FcgiClient();
    const link = await open(phpPeer, phpPeer.ports.fastcgi!, client);
    try {
      // Id 1 again after its END_REQUEST: an id is free once its request ended.
      for (const [id, c] of [
        [1, GET],
        [2, POST],
        [1, HEADERS],
      ] as const) {
        client.until = () => client.replies.get(id)?.end !== undefined;
        const { peerClosed } = await link.send(client.begin(id, forPhp(c), true));
        const reply = client.replies.get(id)!;
        expect({ peerClosed, events: reply.events, end: reply.end }, logOf(phpPeer)).toEqual({
          peerClosed: false,
          events: ["END_REQUEST"],
          end: { requestId: id, appStatus: 0, protocolStatus: fcgi.ProtocolStatus.REQUEST_COMPLETE },
        });
        expectEcho(reply, forPhp(c), phpPeer);
      }
    } finally {
      await link.close();
    }
  });

  // (A second request sent at once is dropped, or our write meets the closed socket.)
  it("uWSGI ignores KEEP_CONN: it closes after the request", async () => {
    expectEcho(await askFastcgi(UWSGI_FCGI, GET, 1, true), GET, uwsgiPeer);
  });
});

describe("FastCGI GET_VALUES → php-fpm; GET_VALUES_RESULT ← fastcgi-proto", () => {
  it("answers FCGI_MPXS_CONNS only, with a decimal value", async () => {
    const client = new FcgiClient();
    client.until = () => client.values !== undefined;
    const names = [fcgi.FCGI_MAX_CONNS, fcgi.FCGI_MAX_REQS, fcgi.FCGI_MPXS_CONNS];
    await exchange(phpPeer, phpPeer.ports.fastcgi!, [fcgi.encodeGetValues(names)], client);
    const values = [...client.values!];
    for (const [, value] of values) expect(value).toMatch(/^\d+$/);
    // php-fpm knows only FCGI_MPXS_CONNS, "0" (main/fastcgi.c, fcgi_init): the function that
    // would set FCGI_MAX_CONNS and FCGI_MAX_REQS from pm.max_children is compiled out (#if 0,
    // fpm_php_set_fcgi_mgmt_vars in sapi/fpm/fpm/fpm_php.c). Unknown names go unanswered, as
    // the spec allows.
    expect(values, logOf(phpPeer)).toEqual([[fcgi.FCGI_MPXS_CONNS, "0"]]);
  });
});
