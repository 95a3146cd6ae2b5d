/**
 * A second opinion: the same bytes through http-proto's decoders and through llhttp (Node's
 * own parser, see llhttp.ts), compared message by message. Both must accept or both reject;
 * where both accept, each message's start line, header fields (after OWS trimming, which
 * both do), body, trailers and upgrade must agree, and so must the message count and the
 * tunnel's bytes.
 *
 * Where they differ on purpose, the difference is an entry of KNOWN, with the RFC reason
 * (fuzz/README.md has the same table): a disagreement an entry explains is an outcome of its
 * own ("known:<id>"), not a finding. Each entry is as narrow as its reason: it looks at the
 * error code and at the message it is about, so that another difference in the same input
 * is still found.
 */
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";
import { ProtocolError } from "@envwire/environ";
import { type HttpDecoderOptions, RequestDecoder, ResponseDecoder } from "@envwire/http-proto";
import { concat } from "../test/support/chunks.js";
import { llhttpTranscript, type Message, NO_LIMIT, type Transcript } from "./llhttp.js";

export type Kind = "request" | "response";

const OPTIONS: HttpDecoderOptions = {
  maxHeadSize: NO_LIMIT,
  maxStartLineLength: NO_LIMIT,
  maxHeaders: NO_LIMIT,
  maxTrailerSize: NO_LIMIT,
};

/** http-proto's decoder over `data`, written down as llhttpTranscript writes llhttp's. */
export function envwireTranscript(kind: Kind, data: Uint8Array): Transcript {
  const messages: Message[] = [];
  const bodies: Uint8Array[] = [];
  const tunnel: Uint8Array[] = [];
  const handler = {
    onHead(head: {
      headers: Iterable<[string, string]>;
      version: string;
      upgrade: boolean;
      method?: string;
      target?: string;
      status?: number;
      reason?: string;
    }) {
      messages.push({
        start:
          kind === "request"
            ? [head.method!, head.target!, head.version]
            : [String(head.status), head.reason!, head.version],
        headers: [...head.headers],
        body: new Uint8Array(0),
        trailers: [],
        upgrade: head.upgrade,
        complete: false,
      });
      bodies.length = 0;
    },
    onBody: (chunk: Uint8Array) => bodies.push(chunk.slice()),
    onTrailers: (fields: Iterable<[string, string]>) => {
      messages.at(-1)!.trailers = [...fields];
    },
    onEnd: () => {
      messages.at(-1)!.body = concat(bodies);
      messages.at(-1)!.complete = true;
    },
    onTunnel: (bytes: Uint8Array) => tunnel.push(bytes.slice()),
  };
  const decoder =
    kind === "request"
      ? new RequestDecoder(handler as never, OPTIONS)
      : new ResponseDecoder(handler as never, OPTIONS);
  try {
    decoder.push(data);
    decoder.end();
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    const last = messages.at(-1);
    if (last !== undefined && !last.complete) last.body = concat(bodies);
    return {
      messages,
      verdict: { code: e.code, offset: e.offset, reason: e.message },
      tunnel: new Uint8Array(0),
    };
  }
  return { messages, verdict: "ok", tunnel: concat(tunnel) };
}

/** Where two transcripts first part ways. */
export interface Disagreement {
  data: Uint8Array;
  /** The message they part at. */
  index: number;
  /** What differs: "verdict" (one rejects message `index`, the other accepts it), a field, "count" or "tunnel". */
  what: string;
  ours: Transcript;
  theirs: Transcript;
}

/** The message a transcript's parser rejected (the one it stopped in), or Infinity when it accepted all. */
function rejectedAt(t: Transcript): number {
  if (t.verdict === "ok") return Number.POSITIVE_INFINITY;
  const last = t.messages.at(-1);
  return last !== undefined && !last.complete ? t.messages.length - 1 : t.messages.length;
}

export function compare(data: Uint8Array, ours: Transcript, theirs: Transcript): Disagreement | undefined {
  const oursAt = rejectedAt(ours);
  const theirsAt = rejectedAt(theirs);
  const shared = Math.min(oursAt, theirsAt, ours.messages.length, theirs.messages.length);
  for (let i = 0; i < shared; i++) {
    const a = ours.messages[i]!;
    const b = theirs.messages[i]!;
    for (const field of ["start", "headers", "upgrade", "body", "trailers"] as const) {
      if (!isDeepStrictEqual(a[field], b[field])) return { data, index: i, what: field, ours, theirs };
    }
  }
  if (oursAt !== theirsAt) return { data, index: Math.min(oursAt, theirsAt), what: "verdict", ours, theirs };
  if (oursAt === Number.POSITIVE_INFINITY) {
    if (ours.messages.length !== theirs.messages.length)
      return { data, index: shared, what: "count", ours, theirs };
    if (!isDeepStrictEqual(ours.tunnel, theirs.tunnel))
      return { data, index: shared, what: "tunnel", ours, theirs };
  }
  return undefined;
}

/** A difference on purpose: its id, why (the RFC), and the disagreements it explains. */
export interface KnownDifference {
  id: string;
  kinds: readonly Kind[];
  why: string;
  explains(d: Disagreement): boolean;
}

const codeOf = (t: Transcript): string => (t.verdict === "ok" ? "" : t.verdict.code);
/** We rejected message d.index with `code`, and llhttp went past it. */
const weRejected = (d: Disagreement, code: string) =>
  d.what === "verdict" && codeOf(d.ours) === code && rejectedAt(d.ours) === d.index;
/** llhttp rejected message d.index with `code`, and we went past it: our message d.index. */
const theyRejected = (d: Disagreement, code: string): Message | undefined =>
  d.what === "verdict" && codeOf(d.theirs) === code && rejectedAt(d.theirs) === d.index
    ? d.ours.messages[d.index]
    : undefined;

/** Methods llhttp knows (it refuses others); RFC 9110 §9.1 lets a method be any token. */
const LLHTTP_METHODS: ReadonlySet<string> = new Set(
  (createRequire(import.meta.url)("_http_common") as { methods: string[] }).methods,
);
const header = (m: Message | undefined, name: string) =>
  m?.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v) ?? [];
const TOKEN_LIST =
  /^[ \t]*(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*;[^,]*)?)?(?:[ \t]*,[ \t]*(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*;[^,]*)?)?)*[ \t]*$/;
/** A control byte other than HTAB, or DEL. */
const hasControl = (s: string) => [...s].some((c) => (c < " " && c !== "\t") || c === "\u007f");

export const KNOWN: readonly KnownDifference[] = [
  {
    id: "missing-host",
    kinds: ["request"],
    why: "RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host; llhttp leaves that to the server",
    explains: (d) => weRejected(d, "HTTP_MISSING_HOST"),
  },
  {
    id: "duplicate-host",
    kinds: ["request"],
    why: "RFC 9112 §3.2: a server MUST answer 400 to a request with more than one Host; llhttp leaves that to the server",
    explains: (d) => weRejected(d, "HTTP_DUPLICATE_HOST"),
  },
  {
    id: "bad-host",
    kinds: ["request"],
    why: 'RFC 9112 §3.2: a server MUST answer 400 to a Host whose value is not uri-host [":" port] (RFC 9110 §7.2); llhttp leaves that to the server',
    explains: (d) => weRejected(d, "HTTP_BAD_HOST"),
  },
  {
    id: "extension-method",
    kinds: ["request"],
    why: "RFC 9110 §9.1: a method is any token (new ones are registered); llhttp knows a fixed list",
    explains: (d) => {
      const m = theyRejected(d, "HPE_INVALID_METHOD");
      return m !== undefined && !LLHTTP_METHODS.has(m.start[0]!);
    },
  },
  {
    id: "http-0.9",
    kinds: ["request"],
    why: "RFC 9112 §2.3, Appendix C.1: HTTP/1.x has a version in every request line; llhttp still reads HTTP/0.9's simple-request",
    explains: (d) =>
      d.what === "verdict" &&
      rejectedAt(d.ours) === d.index &&
      d.theirs.messages[d.index]?.start[2] === "HTTP/0.9",
  },
  {
    id: "data-after-close",
    kinds: ["request", "response"],
    why:
      "RFC 9112 §9.6: after a message with close (or HTTP/1.0 without keep-alive) the connection closes; " +
      "llhttp refuses the bytes after it, we read on and leave closing to the caller (head.keepAlive is false)",
    explains: (d) =>
      theyRejected(d, "HPE_CLOSED_CONNECTION") !== undefined ||
      (codeOf(d.theirs) === "HPE_CLOSED_CONNECTION" && d.what === "verdict" && rejectedAt(d.ours) > d.index),
  },
  {
    id: "te-in-http-1.0",
    kinds: ["request"],
    why: "RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message makes its framing faulty; llhttp reads it as chunked",
    explains: (d) =>
      weRejected(d, "HTTP_BAD_TRANSFER_ENCODING") &&
      d.theirs.messages[d.index]?.start[2] === "HTTP/1.0" &&
      header(d.theirs.messages[d.index], "transfer-encoding").length > 0,
  },
  {
    id: "request-final-coding",
    kinds: ["request"],
    why:
      "RFC 9112 §6.3 (4): a request whose Transfer-Encoding does not end in chunked gets a 400, upgrade or not; " +
      "llhttp lets it pass when the request asks for an upgrade",
    explains: (d) => {
      const codings = header(d.theirs.messages[d.index], "transfer-encoding").join(",").split(",");
      return (
        weRejected(d, "HTTP_BAD_TRANSFER_ENCODING") && !/^[ \t]*chunked[ \t]*$/i.test(codings.at(-1) ?? "")
      );
    },
  },
  {
    id: "content-length-ows",
    kinds: ["request", "response"],
    why: 'RFC 9112 §5: a field line is name ":" OWS value OWS, OWS being SP or HTAB; llhttp refuses an HTAB around a Content-Length',
    explains: (d) =>
      theyRejected(d, "HPE_INVALID_CONTENT_LENGTH") !== undefined &&
      /\ncontent-length:[^\r\n]*\t/i.test(Buffer.from(d.data).toString("latin1")),
  },
  {
    id: "content-length-range",
    kinds: ["request", "response"],
    why: "Content-Length is 1*DIGIT (RFC 9110 §8.6): we refuse one past 2^53 − 1, the lengths a JavaScript number holds exactly",
    explains: (d) =>
      weRejected(d, "HTTP_BAD_CONTENT_LENGTH") &&
      header(d.theirs.messages[d.index], "content-length").some((v) => /[0-9]{16}/.test(v)),
  },
  {
    id: "te-trailing-whitespace",
    kinds: ["request", "response"],
    why:
      'RFC 9112 §5: the whitespace after a field value is not part of it, so "chunked " is chunked; llhttp reads a ' +
      "Transfer-Encoding that ends in whitespace as some other coding",
    explains: (d) =>
      /\ntransfer-encoding:[^\r\n]*chunked[ \t]+\r?\n/i.test(Buffer.from(d.data).toString("latin1")),
  },
  {
    id: "te-empty-elements",
    kinds: ["request", "response"],
    why: 'RFC 9110 §5.6.1: a recipient ignores empty list elements, so "chunked," ends in chunked; llhttp refuses it',
    explains: (d) => {
      const m = theyRejected(d, "HPE_INVALID_TRANSFER_ENCODING");
      return m !== undefined && header(m, "transfer-encoding").some((v) => /,[ \t]*(,|$)|^[ \t]*,/.test(v));
    },
  },
  {
    id: "chunked-twice",
    kinds: ["request", "response"],
    why: "RFC 9112 §6.1: a sender MUST NOT apply chunked more than once; we refuse such a message, llhttp reads one chunked layer",
    explains: (d) =>
      weRejected(d, "HTTP_BAD_TRANSFER_ENCODING") &&
      header(d.theirs.messages[d.index], "transfer-encoding").join(",").toLowerCase().split("chunked")
        .length > 2,
  },
  {
    id: "empty-transfer-encoding",
    kinds: ["request", "response"],
    why:
      "RFC 9112 §6.1, §6.3: a Transfer-Encoding field, even an empty one, is there: in a request it must end in chunked, " +
      "and beside Content-Length it is an error; llhttp takes an empty Transfer-Encoding as none",
    explains: (d) => {
      const te = header(d.theirs.messages[d.index], "transfer-encoding");
      return (
        (weRejected(d, "HTTP_BAD_TRANSFER_ENCODING") || weRejected(d, "HTTP_CONFLICTING_FRAMING")) &&
        te.length > 0 &&
        te.every((v) => /^[ \t,]*$/.test(v))
      );
    },
  },
  {
    id: "transfer-coding-syntax",
    kinds: ["request", "response"],
    why: "RFC 9112 §6.1: Transfer-Encoding is a list of tokens (with parameters); llhttp reads a value off that grammar as some coding other than chunked",
    explains: (d) =>
      weRejected(d, "HTTP_BAD_TRANSFER_ENCODING") &&
      header(d.theirs.messages[d.index], "transfer-encoding").some((v) => !TOKEN_LIST.test(v)),
  },
  {
    id: "content-length-repeats",
    kinds: ["request", "response"],
    why:
      "RFC 9110 §8.6: a recipient may take repeated or listed identical Content-Length values as that one value; " +
      "llhttp refuses any repeat or list",
    explains: (d) => {
      const m =
        theyRejected(d, "HPE_INVALID_CONTENT_LENGTH") ?? theyRejected(d, "HPE_UNEXPECTED_CONTENT_LENGTH");
      const values = header(m, "content-length");
      return values.length > 1 || values.some((v) => v.includes(","));
    },
  },
  {
    id: "status-range",
    kinds: ["response"],
    why: "RFC 9110 §15: a status code is 100 to 599 (we take 100 to 999); llhttp takes any three digits",
    explains: (d) => weRejected(d, "HTTP_BAD_STATUS") && Number(d.theirs.messages[d.index]?.start[0]) < 100,
  },
  {
    id: "reason-controls",
    kinds: ["response"],
    why: "RFC 9112 §4: a reason phrase is HTAB, SP, VCHAR and obs-text; llhttp takes control bytes too",
    explains: (d) =>
      weRejected(d, "HTTP_BAD_START_LINE") && hasControl(d.theirs.messages[d.index]?.start[1] ?? ""),
  },
  {
    id: "other-versions",
    kinds: ["request", "response"],
    why: "RFC 9112 §2.3: this is an HTTP/1.x parser (1.0 and 1.1); llhttp reads a start line of any HTTP/x.y (HTTP/2.0 over this framing cannot be)",
    explains: (d) =>
      weRejected(d, "HTTP_BAD_VERSION") &&
      !/^HTTP\/1\.[01]$/.test(d.theirs.messages[d.index]?.start[2] ?? ""),
  },
  {
    id: "one-space",
    kinds: ["request"],
    why:
      "RFC 9112 §3: a request line's parts are one SP apart; we do not take more whitespace (a proxy and a backend " +
      "that split such a line differently disagree on the target), llhttp does",
    explains: (d) => {
      const at = weRejected(d, "HTTP_BAD_START_LINE") && d.ours.verdict !== "ok" ? d.ours.verdict.offset : -1;
      return (
        at >= 0 && (d.data[at] === 0x20 || d.data[at] === 0x09) && d.theirs.messages[d.index] !== undefined
      );
    },
  },
  {
    id: "target-forms",
    kinds: ["request"],
    why:
      "RFC 9112 §3.2: a target is origin-form, absolute-form (its authority RFC 3986's [userinfo@]host[:port], which a " +
      'proxy routes by), authority-form (CONNECT: host:port) or "*" (OPTIONS); llhttp takes other shapes',
    explains: (d) => {
      const start = d.theirs.messages[d.index]?.start;
      return (
        weRejected(d, "HTTP_BAD_TARGET") &&
        start !== undefined &&
        (start[0] === "CONNECT" || !start[1]!.startsWith("/"))
      );
    },
  },
  {
    id: "uri-schemes",
    kinds: ["request"],
    why: 'RFC 3986 §3.1: a scheme is a letter, then letters, digits, "+", "-" and "."; llhttp takes letters only',
    explains: (d) =>
      /^[a-z]*[^a-z:][a-z0-9+.-]*:\/\//i.test(theyRejected(d, "HPE_INVALID_URL")?.start[1] ?? ""),
  },
  {
    id: "chunk-ext-grammar",
    kinds: ["request", "response"],
    why:
      'RFC 9112 §7.1.1: an extension is a token name and, after "=", a token or quoted-string value; llhttp takes ' +
      "an empty value, among others",
    explains: (d) => {
      if (!weRejected(d, "HTTP_BAD_CHUNK") || d.ours.verdict === "ok") return false;
      const text = Buffer.from(d.data).toString("latin1");
      const at = d.ours.verdict.offset;
      return /^[0-9a-f]+[^;\r\n]*;/i.test(text.slice(text.lastIndexOf("\n", at - 1) + 1, at + 1));
    },
  },
  {
    id: "chunked-parameters",
    kinds: ["request", "response"],
    why:
      'RFC 9112 §7.1: chunked takes no parameters, and readers differ on whether "chunked;x=y" is chunked: we refuse it, ' +
      "llhttp reads it as another coding",
    explains: (d) =>
      weRejected(d, "HTTP_BAD_TRANSFER_ENCODING") &&
      header(d.theirs.messages[d.index], "transfer-encoding").some((v) => /chunked[ \t]*;/i.test(v)),
  },
  {
    id: "chunk-ext-whitespace",
    kinds: ["request", "response"],
    why: 'RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ); llhttp refuses whitespace in a chunk line',
    explains: (d) => {
      const m = theyRejected(d, "HPE_INVALID_CHUNK_SIZE") ?? theyRejected(d, "HPE_STRICT");
      return (
        m !== undefined && /\n[0-9a-f]+([ \t]+;|;[^\r\n]*[ \t])/i.test(Buffer.from(d.data).toString("latin1"))
      );
    },
  },
  {
    id: "empty-lines-bound",
    kinds: ["request", "response"],
    why:
      "RFC 9112 §2.2: a recipient ignores at least one empty line before a start line; we skip up to 8, so that " +
      "a peer cannot keep a decoder skipping, and read a 9th as an empty start line; llhttp skips any number",
    explains: (d) => {
      if (!weRejected(d, "HTTP_BAD_START_LINE") || d.ours.verdict === "ok") return false;
      const at = d.ours.verdict.offset;
      const isLineEnd = (b: number | undefined) => b === 0x0d || b === 0x0a;
      let lines = 0;
      for (let i = at - 1; i >= 0 && isLineEnd(d.data[i]); i--) if (d.data[i] === 0x0a) lines++;
      return lines >= 8 && isLineEnd(d.data[at]);
    },
  },
  {
    id: "bare-lf",
    kinds: ["request", "response"],
    why: "RFC 9112 §2.2: lines end in CR LF (bare LF only with allowBareLf); llhttp skips a lone LF before a start line",
    explains: (d) => weRejected(d, "HTTP_BARE_LF"),
  },
  {
    id: "bare-cr",
    kinds: ["request", "response"],
    why: "RFC 9112 §2.2: a bare CR is invalid (we refuse it rather than read it as SP); llhttp skips one in some places",
    explains: (d) => weRejected(d, "HTTP_BARE_CR"),
  },
  {
    id: "framing-fields-in-trailers",
    kinds: ["request", "response"],
    why:
      "RFC 9110 §6.5.1-2: trailer fields are handed on apart (onTrailers), never merged or used for framing; " +
      "llhttp refuses a Transfer-Encoding or Content-Length among them",
    explains: (d) => {
      const m =
        theyRejected(d, "HPE_INVALID_TRANSFER_ENCODING") ??
        theyRejected(d, "HPE_UNEXPECTED_CONTENT_LENGTH") ??
        theyRejected(d, "HPE_INVALID_CONTENT_LENGTH") ??
        // (after an upgrade request, llhttp stops there without an error)
        theyRejected(d, "EOF_INSIDE_MESSAGE");
      return m?.trailers.some(([n]) => /^(transfer-encoding|content-length)$/i.test(n)) === true;
    },
  },
  {
    id: "101-is-a-switch",
    kinds: ["response"],
    why:
      "RFC 9110 §15.2.2: after a 101 the connection speaks another protocol; we hand every later byte on as a tunnel, " +
      "llhttp does so only when the 101 has Connection: upgrade and Upgrade (which it MUST have) and else reads on as HTTP",
    explains: (d) => d.what === "upgrade" && d.ours.messages[d.index]?.start[0] === "101",
  },
];

/**
 * The Jazzer.js-style `fuzz(data)` of a differential target: throws on a disagreement no
 * KNOWN entry explains; returns the outcome ("agree", "both-reject", "known:<id>").
 */
export function differential(kind: Kind): (data: Uint8Array) => string {
  const known = KNOWN.filter((k) => k.kinds.includes(kind));
  return (data) => {
    const ours = envwireTranscript(kind, data);
    const theirs = llhttpTranscript(kind, data);
    const d = compare(data, ours, theirs);
    if (d === undefined) return ours.verdict === "ok" ? "agree" : "both-reject";
    const entry = known.find((k) => k.explains(d));
    if (entry !== undefined) return `known:${entry.id}`;
    throw new Error(`llhttp and http-proto disagree: ${describe(d)}`);
  };
}

function verdictOf(t: Transcript): string {
  return t.verdict === "ok" ? "accepted" : `${t.verdict.code} at ${t.verdict.offset} (${t.verdict.reason})`;
}

export function describe(d: Disagreement): string {
  const show = (m: Message | undefined) =>
    m === undefined
      ? "none"
      : JSON.stringify({ ...m, body: Buffer.from(m.body).toString("latin1") }, null, 0).slice(0, 400);
  return (
    `${d.what} of message ${d.index}; ours ${verdictOf(d.ours)}, llhttp ${verdictOf(d.theirs)}\n` +
    `  ours:   ${show(d.ours.messages[d.index])}\n  llhttp: ${show(d.theirs.messages[d.index])}`
  );
}
