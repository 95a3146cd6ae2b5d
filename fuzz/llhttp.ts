/**
 * Node's own HTTP parser (llhttp, through HTTPParser from node:_http_common, as Node's http
 * module drives it: strict, no lenient flags) run over a byte stream, with what it reported
 * written down as a Transcript the differential targets compare with http-proto's. Dev and
 * test only: an internal module of Node's, never a dependency of the packages.
 */
import { createRequire } from "node:module";
import { concat } from "../test/support/chunks.js";

/** One message as a parser reported it. */
export interface Message {
  /** method, target, version; or status, reason, version. */
  start: string[];
  headers: [string, string][];
  body: Uint8Array;
  trailers: [string, string][];
  upgrade: boolean;
  /** The parser reached the message's end (not only its head). */
  complete: boolean;
}

export interface Transcript {
  messages: Message[];
  /** "ok", or the error that stopped the parser (its code, and where it stood). */
  verdict: "ok" | { code: string; offset: number; reason: string };
  /** Bytes after an upgrade, handed on untouched. */
  tunnel: Uint8Array;
}

interface ParserError extends Error {
  code: string;
  reason: string;
  bytesParsed: number;
}

interface HTTPParserClass {
  new (): HTTPParser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

interface HTTPParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Uint8Array): number | ParserError;
  finish(): undefined | ParserError;
  [callback: number]: (...args: never[]) => unknown;
}

const { HTTPParser, methods } = createRequire(import.meta.url)("_http_common") as {
  HTTPParser: HTTPParserClass;
  methods: string[];
};

/** Far above any fuzz input (64 KiB at most): the size limits are the -limits targets' business. */
export const NO_LIMIT = 1 << 24;

const pairs = (flat: string[]): [string, string][] => {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
};

/** Runs llhttp over `data` as requests or responses (each response taken as one to a GET). */
export function llhttpTranscript(kind: "request" | "response", data: Uint8Array): Transcript {
  const parser = new HTTPParser();
  parser.initialize(kind === "request" ? HTTPParser.REQUEST : HTTPParser.RESPONSE, {}, NO_LIMIT, 0);
  const messages: Message[] = [];
  const bodies: Uint8Array[] = [];
  // Node's parser flushes header lines ahead of on_headers_complete (many of them, or once a
  // message has been parsed), and trailers likewise: gathered here as Node's http module does.
  let pending: string[] = [];
  let pendingUrl = "";
  parser[HTTPParser.kOnHeaders] = ((headers: string[], url: string) => {
    pending = pending.concat(headers);
    pendingUrl += url;
  }) as never;
  parser[HTTPParser.kOnHeadersComplete] = ((
    major: number,
    minor: number,
    headers: string[] | undefined,
    method: number | undefined,
    url: string | undefined,
    status: number | undefined,
    reason: string | undefined,
    upgrade: boolean,
  ) => {
    const version = `HTTP/${major}.${minor}`;
    const start =
      kind === "request"
        ? [methods[method!]!, url ?? pendingUrl, version]
        : [String(status), reason ?? "", version];
    messages.push({
      start,
      headers: pairs(headers ?? pending),
      body: new Uint8Array(0),
      trailers: [],
      upgrade,
      complete: false,
    });
    pending = [];
    pendingUrl = "";
    bodies.length = 0;
    // As Node's http client does: an interim 1xx response has no body (1 = skip it).
    return kind === "response" && status! >= 100 && status! < 200 && status !== 101 ? 1 : 0;
  }) as never;
  parser[HTTPParser.kOnBody] = ((chunk: Uint8Array) => {
    bodies.push(Uint8Array.from(chunk));
  }) as never;
  parser[HTTPParser.kOnMessageComplete] = (() => {
    const message = messages.at(-1)!;
    message.body = concat(bodies);
    message.trailers = pairs(pending);
    message.complete = true;
    pending = [];
  }) as never;

  const stopped = (e: ParserError): Transcript => {
    const last = messages.at(-1);
    if (last !== undefined && !last.complete) last.body = concat(bodies);
    return {
      messages,
      verdict: { code: e.code, offset: e.bytesParsed, reason: e.reason },
      tunnel: new Uint8Array(0),
    };
  };
  // (execute() of no bytes returns undefined)
  const parsed = data.length === 0 ? 0 : parser.execute(data);
  if (parsed instanceof Error) return stopped(parsed);
  if (messages.at(-1)?.upgrade && messages.at(-1)?.complete) {
    return { messages, verdict: "ok", tunnel: data.slice(parsed) };
  }
  const ended = parser.finish();
  if (ended instanceof Error) return stopped(ended);
  // (After an upgrade request with a chunked body, llhttp's finish() lets a body cut short pass.)
  if (messages.at(-1)?.complete === false) {
    const reason = "the stream ended inside a message";
    return stopped(
      Object.assign(new Error(reason), { code: "EOF_INSIDE_MESSAGE", reason, bytesParsed: parsed }),
    );
  }
  return { messages, verdict: "ok", tunnel: new Uint8Array(0) };
}
