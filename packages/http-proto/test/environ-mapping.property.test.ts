/**
 * requestToEnviron against a reference written straight from its rules, on generated
 * requests: repeats, case variants, "_" names, Content-Type/-Length, Host with and without
 * a port, escaped paths, fragments, names nginx ignores ("X.User"), hop-by-hop fields and what
 * Connection names, every set of options. The Environ is lazy, so it is read
 * only after later requests have been mapped too (they re-mark the shared name table), and
 * through every accessor.
 */
import { Environ, headerToCgiName, latin1Decode } from "@envwire/environ";
import {
  ByteWriter,
  nameByteLength,
  nameEquals,
  valueByteLength,
  writeNameAt,
  writeValueAt,
} from "@envwire/environ/codec";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ascii, cutsFor, splitAt } from "../../../test/support/chunks.js";
import {
  type HttpRequestHead,
  percentDecode,
  RequestDecoder,
  type RequestEnvironOptions,
  requestToEnviron,
} from "../src/index.js";
import { decodeRequests } from "./recorder.js";

const fieldName = fc.constantFrom(
  "Accept",
  "ACCEPT",
  "accept",
  "Cookie",
  "cookie",
  "Content-Type",
  "content-type",
  "X-A",
  "X_A",
  "x_a",
  "X-Trace-Id",
  "X_Trace-Id",
  "Via",
  "Sec-Fetch-Mode",
  "Q-Random-Name-1",
  "q-random-name-2",
  "Keep-Alive",
  "Keep_Alive",
  "TE",
  "Trailer",
  "Proxy-Connection",
  "Expect",
  "Upgrade",
  "X.Remote.User",
  "x~a",
);
/** What Connection may name: fields of the list above, and Host and Content-Type, which stay. */
const connectionOption = fc.constantFrom(
  "close",
  "keep-alive",
  "X-A",
  "x_a",
  "via",
  "Cookie",
  "Q-Random-Name-1",
  "Host",
  "Content-Type",
  "Accept",
);
const fieldValue = fc
  .string({ unit: fc.constantFrom(..."ab1 ;=,\u00e9\u00ff/".split("")), maxLength: 8 })
  .map((s) => s.trim());
const request = fc
  .record({
    form: fc.constantFrom("origin", "origin", "absolute", "asterisk", "authority"),
    method: fc.constantFrom("GET", "POST", "PATCH"),
    path: fc
      .string({ unit: fc.constantFrom(..."ab/%2F%41-.~:@".split("")), maxLength: 12 })
      .map((s) => `/${s}`),
    query: fc.option(fc.string({ unit: fc.constantFrom(..."a=1&?/%".split("")), maxLength: 8 }), {
      nil: undefined,
    }),
    /** A fragment ("#" and what follows): no part of the path or query. */
    fragment: fc.option(fc.string({ unit: fc.constantFrom(..."a#?/%.".split("")), maxLength: 6 }), {
      nil: undefined,
    }),
    /** The target's authority, for absolute-form (and, with a port and no userinfo, CONNECT). */
    authority: fc.constantFrom("o.test", "o.test:81", "u:p@o.test:82", "[::2]:83", "[::2]"),
    host: fc.option(fc.constantFrom("h.test", "h.test:8080", "[::1]:81", "[::1]", "H.Test:9"), {
      nil: undefined,
    }),
    fields: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: fc.tuple(fieldName, fieldValue) },
        fc.tuple(
          fc.constantFrom("Connection", "connection"),
          fc.array(connectionOption, { maxLength: 3 }).map((options) => options.join(" ,")),
        ),
      ),
      { maxLength: 8 },
    ),
    length: fc.option(fc.nat(20), { nil: undefined }),
    version: fc.constantFrom("HTTP/1.0", "HTTP/1.1"),
  })
  // (HTTP/1.1 requires Host: only HTTP/1.0 requests go without.)
  .map((r) => (r.version === "HTTP/1.1" && r.host === undefined ? { ...r, host: "h.test" } : r))
  .map((r) => {
    if (r.form === "asterisk") return { ...r, method: "OPTIONS" };
    if (r.form !== "authority") return r;
    const authority = /:\d+$/.test(r.authority) && !r.authority.includes("@") ? r.authority : "o.test:443";
    return { ...r, method: "CONNECT", authority, length: undefined };
  });
type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;
const options = fc.record(
  {
    serverName: fc.constantFrom("gw.test", ""),
    serverPort: fc.oneof(fc.constant(8443), fc.constant("9000")),
    remoteAddr: fc.constantFrom("127.0.0.1", "::1"),
    remotePort: fc.oneof(fc.constant(40000), fc.constant("40001")),
    https: fc.boolean(),
    keepUnderscoreHeaders: fc.boolean(),
    keepOddHeaders: fc.boolean(),
    dropHopByHop: fc.boolean(),
  },
  { requiredKeys: [] },
);

/**
 * An absolute-form target's scheme, authority and path: the path "/" is sent as none at all
 * (PATH_INFO is "/"), unless a fragment would then follow the authority (an error: see
 * malformed.test.ts).
 */
function absolutePrefix(r: Request): string {
  const bare = r.path === "/" && !(r.query === undefined && r.fragment !== undefined);
  return `http://${r.authority}${bare ? "" : r.path}`;
}

function targetOf(r: Request): string {
  const rest =
    (r.query === undefined ? "" : `?${r.query}`) + (r.fragment === undefined ? "" : `#${r.fragment}`);
  if (r.form === "asterisk") return "*";
  if (r.form === "authority") return r.authority;
  if (r.form === "absolute") return absolutePrefix(r) + rest;
  return r.path + rest;
}

/** REQUEST_URI: the target as sent, but an absolute-form one's scheme and authority (nginx's $request_uri). */
function uriOf(r: Request): string {
  const target = targetOf(r);
  return r.form === "absolute" ? r.path + target.slice(absolutePrefix(r).length) : target;
}

function wire(r: Request): string {
  const lines = [`${r.method} ${targetOf(r)} ${r.version}`];
  if (r.host !== undefined) lines.push(`Host: ${r.host}`);
  for (const [name, value] of r.fields) lines.push(`${name}: ${value}`);
  if (r.length !== undefined) lines.push(`Content-Length: ${r.length}`);
  return `${lines.join("\r\n")}\r\n\r\n${"x".repeat(r.length ?? 0)}`;
}

const HOP_BY_HOP = [
  "HTTP_CONNECTION",
  "HTTP_KEEP_ALIVE",
  "HTTP_PROXY_CONNECTION",
  "HTTP_TE",
  "HTTP_TRAILER",
  "HTTP_TRANSFER_ENCODING",
  "HTTP_UPGRADE",
  "HTTP_EXPECT",
];

/** What requestToEnviron must give, by its rules, written the plain way. */
function expected(r: Request, o: RequestEnvironOptions): [string, string][] {
  const hasPath = r.form === "origin" || r.form === "absolute";
  const out: [string, string][] = [
    ["REQUEST_METHOD", r.method],
    ["REQUEST_URI", uriOf(r)],
    ["PATH_INFO", hasPath ? latin1Decode(percentDecode(r.path)) : ""],
    ["QUERY_STRING", hasPath ? (r.query ?? "") : ""],
    ["SERVER_PROTOCOL", r.version],
  ];
  const named = new Set(
    r.fields
      .filter(([name]) => name.toLowerCase() === "connection")
      .flatMap(([, value]) => value.split(",").map((option) => headerToCgiName(option.trim())))
      .filter((cgi) => cgi.startsWith("HTTP_") && cgi !== "HTTP_HOST"), // (Host and the content fields stay)
  );
  const hopByHop = (name: string) => {
    const cgi = headerToCgiName(name);
    return HOP_BY_HOP.includes(cgi) || named.has(cgi);
  };
  const kept = r.fields
    .filter(([name]) => o.keepUnderscoreHeaders || !name.includes("_"))
    .filter(([name]) => o.keepOddHeaders || /^[A-Za-z0-9_-]+$/.test(name))
    .filter(([name]) => !(o.dropHopByHop && hopByHop(name)));
  const types = kept.filter(([name]) => name.toLowerCase() === "content-type").map(([, v]) => v);
  if (types.length > 0) out.push(["CONTENT_TYPE", types.join(", ")]);
  if (r.length !== undefined) out.push(["CONTENT_LENGTH", String(r.length)]);
  const fromTarget = r.form === "absolute" || r.form === "authority";
  const authority = (fromTarget ? r.authority : r.host)?.replace(/^.*@/, "");
  const port = authority?.match(/:(\d+)$/)?.[1];
  const host = port === undefined ? authority : authority!.slice(0, -port.length - 1);
  out.push(["SERVER_NAME", o.serverName ?? host ?? ""]);
  out.push(["SERVER_PORT", String(o.serverPort ?? port ?? (o.https ? "443" : "80"))]);
  if (o.remoteAddr !== undefined) out.push(["REMOTE_ADDR", o.remoteAddr]);
  if (o.remotePort !== undefined) out.push(["REMOTE_PORT", String(o.remotePort)]);
  if (o.https) out.push(["HTTPS", "on"]);
  const http = new Map<string, string>();
  if (r.host !== undefined) http.set("HTTP_HOST", r.host);
  for (const [name, value] of kept) {
    const cgi = headerToCgiName(name);
    if (cgi === "CONTENT_TYPE") continue;
    const before = http.get(cgi);
    http.set(cgi, before === undefined ? value : before + (cgi === "HTTP_COOKIE" ? "; " : ", ") + value);
  }
  return [...out, ...http];
}

test.prop([fc.array(fc.tuple(request, options), { minLength: 1, maxLength: 4 })], { numRuns: 400 })(
  "requestToEnviron gives what its rules say, read late and through every accessor",
  (cases) => {
    const envs: Environ[] = [];
    for (const [r, o] of cases) {
      const head = decodeRequests([ascii(wire(r))]).heads[0] as HttpRequestHead;
      envs.push(requestToEnviron(head, o));
    }
    cases.forEach(([r, o], n) => {
      const env = envs[n]!;
      const want = expected(r, o);
      expect([...env]).toEqual(want);
      expect(env.size).toBe(want.length);
      let total = 0;
      for (let i = 0; i < env.size; i++) {
        const bytes = env.bytesAt(i);
        expect(latin1Decode(bytes)).toBe(want[i]![1]);
        expect(valueByteLength(env, i)).toBe(bytes.length);
        expect(nameEquals(env, i, want[i]![0])).toBe(true);
        total += nameByteLength(env, i) + valueByteLength(env, i);
      }
      const w = ByteWriter.alloc(total);
      for (let i = 0; i < env.size; i++) {
        writeNameAt(env, i, w);
        writeValueAt(env, i, w);
      }
      w.finish();
      expect(latin1Decode(w.bytes)).toBe(want.map(([name, value]) => name + value).join(""));
      // Made its own (by a change), it holds the same.
      expect([...new Environ(env).append("X", "1")].slice(0, -1)).toEqual(want);
      expect([...env.detach()]).toEqual(want);
    });
  },
);

// Pipelined requests share the text of the chunk they came in (see ChunkText): read while
// the chunk is being decoded, after it, and with a body or a head cut between them.
const pipelined = fc
  .array(fc.tuple(request, options), { minLength: 1, maxLength: 5 })
  .map((cases) => cases.filter(([r]) => r.form !== "authority")) // (CONNECT: a tunnel follows)
  .chain((cases) => {
    const bytes = ascii(cases.map(([r]) => wire(r)).join(""));
    return fc.tuple(fc.constant(cases), fc.constant(bytes), cutsFor(bytes.length));
  });

test.prop([pipelined], { numRuns: 300 })(
  "pipelined requests give what their rules say, read during the push and after it",
  ([cases, bytes, cuts]) => {
    const during: [string, string][][] = [];
    const envs: Environ[] = [];
    const decoder = new RequestDecoder({
      onHead(head) {
        const env = requestToEnviron(head, cases[envs.length]![1]);
        envs.push(env);
        // Every other one read at once, the rest only after the pushes.
        if (envs.length % 2 === 1) during.push([...env]);
      },
      onBody() {},
    });
    for (const chunk of splitAt(bytes, cuts)) decoder.push(chunk);
    const want = cases.map(([r, o]) => expected(r, o));
    expect(during).toEqual(want.filter((_, n) => n % 2 === 0));
    expect(envs.map((env) => [...env])).toEqual(want);
  },
);
