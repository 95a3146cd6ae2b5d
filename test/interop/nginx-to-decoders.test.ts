/**
 * nginx → our request decoders: nginx 1.22 (Debian 12) passes each request on with
 * uwsgi_pass, fastcgi_pass (kept connections: keepalive and fastcgi_keep_conn), scgi_pass and
 * proxy_pass (HTTP/1.1, keepalive) to a server on our decoders (backends.ts). What the decoder
 * saw must be exactly what nginx sends: the variables Debian's params files name, with the
 * values nginx's documentation gives them, then the client's header fields as HTTP_*; the
 * body byte for byte. Our encoders' answer must reach the client intact.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANSWER, type Backend, type Protocol, sha256, startBackend } from "./backends.js";
import { exchange } from "./client.js";
import { NGINX, type Peer, requirePeers, startNginx } from "./peers.js";

const SERVER_NAME = "envwire.test";
const ROOT = "/srv/envwire";

interface Request {
  name: string;
  method: string;
  /** The request-target, as latin-1 (a raw byte 0xC3 is "\u00c3"). */
  target: string;
  headers: [string, string][];
  body?: Uint8Array;
  /** Send the body chunked (nginx reads it whole and passes it on with its length). */
  chunked?: boolean;
}

const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * seed + (i >> 8)) & 0xff);
const host: [string, string] = ["Host", SERVER_NAME];

const REQUESTS: Request[] = [
  {
    name: "GET with a query string",
    method: "GET",
    target: "/hello/world?x=1&y=%20z",
    headers: [host, ["Accept", "*/*"]],
  },
  {
    name: "a path of percent-encoded UTF-8",
    method: "GET",
    target: "/caf%C3%A9/%E2%82%AC?q=%C3%A9",
    headers: [host],
  },
  { name: "a path of raw UTF-8 bytes", method: "GET", target: "/caf\u00c3\u00a9", headers: [host] },
  {
    name: "many header fields, a repeated one, one with an underscore and an empty one",
    method: "GET",
    target: "/fields",
    headers: [
      host,
      ...Array.from({ length: 40 }, (_, i): [string, string] => [`X-Field-${i}`, `value ${i}`]),
      ["X-Dup", "a"],
      ["X-Dup", "b"],
      ["X_Under", "dropped"],
      ["X-Empty", ""],
    ],
  },
  {
    name: "a 100 KiB POST with Content-Length",
    method: "POST",
    target: "/upload",
    headers: [host, ["Content-Type", "application/octet-stream"]],
    body: bytes(100 * 1024, 7),
  },
  {
    name: "a chunked POST",
    method: "POST",
    target: "/chunked",
    headers: [host, ["Content-Type", "text/plain"]],
    body: bytes(50_000, 13),
    chunked: true,
  },
  {
    name: "a 6 KiB Cookie",
    method: "GET",
    target: "/cookie",
    headers: [host, ["Cookie", `a=${"c".repeat(6 * 1024)}`]],
  },
  { name: "HEAD", method: "HEAD", target: "/head", headers: [host] },
  { name: "an answer with Status and Location", method: "GET", target: "/status/302", headers: [host] },
];

/** The request's header fields as sent: its own, then how its body is framed. */
function fieldsSent(request: Request): [string, string][] {
  if (request.body === undefined) return request.headers;
  const framing: [string, string] = request.chunked
    ? ["Transfer-Encoding", "chunked"]
    : ["Content-Length", String(request.body.length)];
  return [...request.headers, framing];
}

function encode(request: Request): Uint8Array {
  const fields = fieldsSent(request);
  const head = Buffer.from(
    `${request.method} ${request.target} HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`,
    "latin1",
  );
  if (request.body === undefined) return head;
  if (!request.chunked) return Buffer.concat([head, Buffer.from(request.body)]);
  const chunks: Buffer[] = [head];
  for (let i = 0; i < request.body.length; i += 7000) {
    const piece = request.body.subarray(i, i + 7000);
    chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), Buffer.from(piece), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(chunks);
}

/** %XX sequences decoded to the bytes they stand for (latin-1 in, latin-1 out), as nginx's $uri. */
const percentDecoded = (s: string) =>
  s.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** nginx -v writes its version to stderr. */
const nginxVersion = () =>
  /nginx\/(\S+)/.exec(spawnSync(NGINX, ["-v"], { encoding: "latin1" }).stderr)?.[1] ?? "";

/** The variables a Debian params file names, in order: [name, value template, only if not empty]. */
function paramsFile(protocol: "uwsgi" | "fastcgi" | "scgi"): [string, string, boolean][] {
  const out: [string, string, boolean][] = [];
  for (const line of readFileSync(`/etc/nginx/${protocol}_params`, "latin1").split("\n")) {
    const m = /^\s*\w+_param\s+(\S+)\s+(\S+)(\s+if_not_empty)?\s*;/.exec(line);
    if (m) out.push([m[1]!, m[2]!, m[3] !== undefined]);
  }
  return out;
}

/** What nginx sends for `request`: its params file's variables, then the client's fields as HTTP_*. */
function expectedVars(
  protocol: "uwsgi" | "fastcgi" | "scgi",
  request: Request,
  nginxPort: number,
  clientPort: number,
): [string, string][] {
  const [path, query] = splitTarget(request.target);
  const field = (name: string) => request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const uri = percentDecoded(path);
  const variables: Record<string, string> = {
    query_string: query ?? "",
    request_method: request.method,
    content_type: field("content-type") ?? "",
    // A chunked body is read whole first; nginx then gives its length (ngx_http_variable_content_length).
    content_length: request.body !== undefined ? String(request.body.length) : "",
    request_uri: request.target,
    document_uri: uri,
    fastcgi_script_name: uri,
    document_root: ROOT,
    server_protocol: "HTTP/1.1",
    scheme: "http",
    https: "",
    remote_addr: "127.0.0.1",
    remote_port: String(clientPort),
    remote_user: "",
    server_addr: "127.0.0.1",
    server_port: String(nginxPort),
    server_name: SERVER_NAME,
    host: (field("host") ?? "").replace(/:\d+$/, "").toLowerCase(),
    nginx_version: nginxVersion(),
  };
  const vars: [string, string][] = [];
  // nginx's scgi module sends CONTENT_LENGTH itself, first, as SCGI requires.
  if (protocol === "scgi") vars.push(["CONTENT_LENGTH", String(request.body?.length ?? 0)]);
  for (const [name, template, ifNotEmpty] of paramsFile(protocol)) {
    const value = template.replace(/\$(\w+)/g, (_, v: string) => {
      if (!(v in variables)) throw new Error(`no value for $${v}`);
      return variables[v]!;
    });
    if (!(ifNotEmpty && value === "")) vars.push([name, value]);
  }
  const named = new Set(vars.map(([n]) => n));
  // Every field the client sent, the framing ones included: nginx passes Content-Length and
  // Transfer-Encoding on as HTTP_CONTENT_LENGTH and HTTP_TRANSFER_ENCODING too, though it has
  // read a chunked body whole and gives its length in CONTENT_LENGTH.
  for (const [name, value] of fieldsSent(request)) {
    const cgi = `HTTP_${name.toUpperCase().replaceAll("-", "_")}`;
    // A field a param already sets is not sent again (HTTP_HOST); a name with "_" is an
    // invalid header to nginx (underscores_in_headers off), dropped on the way in.
    if (named.has(cgi) || name.includes("_")) continue;
    vars.push([cgi, value]);
  }
  return vars;
}

function splitTarget(target: string): [string, string | undefined] {
  const q = target.indexOf("?");
  return q < 0 ? [target, undefined] : [target.slice(0, q), target.slice(q + 1)];
}

const PROTOCOLS: Protocol[] = ["uwsgi", "fastcgi", "scgi", "http"];

/** The location that passes requests on to `backend` over `protocol`. */
function serverBlock(protocol: Protocol, backend: number) {
  const upstream = `ours_${protocol}`;
  const pass: Record<Protocol, string> = {
    uwsgi: `uwsgi_pass ${upstream}; include /etc/nginx/uwsgi_params;`,
    fastcgi: `fastcgi_pass ${upstream}; fastcgi_keep_conn on; include /etc/nginx/fastcgi_params;`,
    scgi: `scgi_pass ${upstream}; include /etc/nginx/scgi_params;`,
    http: `proxy_pass http://${upstream}; proxy_http_version 1.1; proxy_set_header Connection "";`,
  };
  return (port: number) =>
    `upstream ${upstream} { server 127.0.0.1:${backend}; keepalive 4; }\n` +
    `server { listen 127.0.0.1:${port}; server_name ${SERVER_NAME}; root ${ROOT};\n` +
    `  location / { ${pass[protocol]} } }`;
}

describe("nginx → our request decoders", () => {
  let nginx: Peer;
  const backends = {} as Record<Protocol, Backend>;

  beforeAll(async () => {
    requirePeers();
    for (const protocol of PROTOCOLS) backends[protocol] = await startBackend(protocol);
    nginx = await startNginx(
      Object.fromEntries(PROTOCOLS.map((p) => [p, serverBlock(p, backends[p].port)])) as Record<
        string,
        (port: number) => string
      >,
    );
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    for (const backend of Object.values(backends)) await backend.close();
  });

  // nginx keeps upstream connections for FastCGI (fastcgi_keep_conn) and HTTP/1.1 (keepalive):
  // requests after the first come on a connection our decoder has already read one from.
  for (const protocol of ["fastcgi", "http"] as const) {
    it(`${protocol}: several requests on one kept upstream connection`, async () => {
      const backend = backends[protocol];
      const before = backend.seen.length;
      // (Not HEAD: nginx does not read the rest of a FastCGI answer to HEAD, and so closes that connection.)
      const sent = [REQUESTS[0]!, REQUESTS[4]!, REQUESTS[5]!, REQUESTS[8]!];
      const { answers } = await exchange(
        nginx.ports[protocol]!,
        sent.map((r) => ({ method: r.method, bytes: encode(r) })),
      );
      expect(backend.errors).toEqual([]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 302]);
      const seen = backend.seen.slice(before);
      expect(seen.map((s) => s.bodyLength)).toEqual(sent.map((r) => r.body?.length ?? 0));
      expect(new Set(seen.map((s) => s.connection)).size).toBe(1);
    });
  }

  for (const protocol of PROTOCOLS) {
    describe(protocol, () => {
      for (const request of REQUESTS) {
        it(request.name, async () => {
          const backend = backends[protocol];
          const before = backend.seen.length;
          const { answers, localPort } = await exchange(nginx.ports[protocol]!, [
            { method: request.method, bytes: encode(request) },
          ]);
          const why = () => `nginx log:\n${nginx.log().slice(-2000)}`;
          expect(backend.errors, why()).toEqual([]);
          expect(backend.seen.length - before, why()).toBe(1);
          const seen = backend.seen.at(-1)!;
          expect([seen.bodyLength, seen.bodySha256]).toEqual([
            request.body?.length ?? 0,
            sha256(request.body ?? new Uint8Array(0)),
          ]);
          if (protocol === "http") {
            expect([seen.method, seen.target]).toEqual([request.method, request.target]);
            expect(seen.fields).toEqual(expectedFields(request));
          } else {
            expect(seen.vars).toEqual(expectedVars(protocol, request, nginx.ports[protocol]!, localPort));
          }
          const answer = answers[0]!;
          const status = request.target.startsWith("/status/") ? 302 : 200;
          expect(answer.status).toBe(status);
          const headers = new Map(answer.headers.map(([n, v]) => [n.toLowerCase(), v]));
          expect(headers.get("x-envwire")).toBe("answered");
          if (status === 302) expect(headers.get("location")).toBe("/moved");
          const expected = request.method === "HEAD" ? new Uint8Array(0) : ANSWER;
          expect([answer.bodyLength, answer.bodySha256]).toEqual([expected.length, sha256(expected)]);
        });
      }
    });
  }
});

/** The header fields nginx's proxy_pass sends for `request` (HTTP/1.1, Connection cleared). */
function expectedFields(request: Request): [string, string][] {
  const fields: [string, string][] = [["Host", "ours_http"]];
  if (request.body !== undefined) fields.push(["Content-Length", String(request.body.length)]);
  for (const [name, value] of request.headers) {
    if (name.toLowerCase() === "host" || name.includes("_")) continue;
    fields.push([name, value]);
  }
  return fields;
}
