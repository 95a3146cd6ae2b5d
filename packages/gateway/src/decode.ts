/**
 * `envwire decode`: a dissector for captured bytes (what nginx sent an application, or what
 * an application sent back), one line per unit with its byte offset, `@N`. The codecs do the
 * decoding, so it reads a capture exactly as the gateway would; the first ProtocolError is
 * printed with a hex dump around its byte, and the command then fails.
 *
 * The capture streams through (CaptureInput): each piece is pushed as it is read, and no more
 * is read while the output is full (LineSink). Lines take offsets from the decoders and bytes
 * from a window of the last ones read, never from views into one whole input, so the same
 * capture prints the same lines however it was split.
 *
 *   uwsgi    @0 packet modifier1=0 datasize=96 modifier2=0, its vars, the body
 *   fastcgi  @0 BEGIN_REQUEST id=1 content=8 padding=0 …, each record; params once their stream
 *            ends; STDOUT's CGI head (a capture's direction is told by its first record)
 *   scgi     @0 netstring length=70 …, the headers, the body
 *   http     @0 request 1: GET / HTTP/1.1, the fields, the framing, the Environ, the body
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { CgiResponseDecoder, latin1Decode, ProtocolError } from "@envwire/environ";
import {
  RequestDecoder as FcgiRequestDecoder,
  ResponseDecoder as FcgiResponseDecoder,
  ProtocolStatus,
  RecordReader,
  RecordType,
  Role,
} from "@envwire/fastcgi-proto";
import {
  type HeaderFields,
  type HttpMessageHead,
  RequestDecoder as HttpRequestDecoder,
  ResponseDecoder as HttpResponseDecoder,
  requestToEnviron,
} from "@envwire/http-proto";
import { RequestDecoder as ScgiRequestDecoder } from "@envwire/scgi-proto";
import { RequestDecoder as UwsgiRequestDecoder } from "@envwire/uwsgi-proto";
import type { ByteWindow } from "./byte-window.js";
import { CaptureInput } from "./capture-input.js";
import { count, type Out, printEnviron, Run, reportError, show } from "./decode-format.js";
import { callbackSink, type LineSink } from "./line-sink.js";

const PROTOCOLS = ["uwsgi", "fastcgi", "scgi", "http"] as const;
type DecodedProtocol = (typeof PROTOCOLS)[number];

/**
 * Reads `file` ("-": standard input), decodes it as `proto` ("auto": guessed) and prints it
 * line by line to `out`: a function, or a LineSink whose fullness pauses the reading.
 */
export async function decodeCommand(file: string, proto: string, out: Out | LineSink): Promise<void> {
  checkProto(proto);
  if (file === "-") return decodeStream(process.stdin, proto, out);
  const info = await stat(file);
  return decodeStream(createReadStream(file), proto, out, info.isFile() ? info.size : undefined);
}

/**
 * decodeCommand on a capture that arrives in chunks (`size`: its length, when known). Each
 * piece is pushed to the decoder as it comes; while `out` is full, no more is read.
 */
export async function decodeStream(
  source: AsyncIterable<Uint8Array>,
  proto: string,
  out: Out | LineSink,
  size?: number,
): Promise<void> {
  checkProto(proto);
  const sink = typeof out === "function" ? callbackSink(out) : out;
  let full = false;
  const print = (line: string) => {
    if (!sink.write(line)) full = true;
  };
  const input = new CaptureInput(source, size);
  try {
    const first = await firstBytes(input, proto);
    const picked =
      proto === "auto"
        ? guessProtocol(first, input.size)
        : { proto: proto as DecodedProtocol, why: `--proto ${proto}` };
    print(`${picked.proto}${input.size === undefined ? "" : `, ${input.size} bytes`} (${picked.why})`);
    const dissector = DISSECTORS[picked.proto](input.window, print, first);
    try {
      for (let piece = await input.next(); piece !== undefined; piece = await input.next()) {
        dissector.push(piece);
        if (full) {
          full = false;
          await sink.drained();
        }
      }
      dissector.end();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      // The bytes after the error's, for its hex dump, and the lines that waited on them.
      await input.readTo(e.offset + 17);
      dissector.flush();
      reportError(input.window, input.ended, e, print);
      await sink.drained();
      const where = e.offset >= 0 ? ` at byte ${e.offset}` : "";
      throw new Error(`the input is not valid ${picked.proto} (${e.code}${where})`, { cause: e });
    }
    print(`@${input.window.end} end of input`);
    await sink.drained();
  } finally {
    await input.close();
  }
}

function checkProto(proto: string): void {
  if (proto !== "auto" && !(PROTOCOLS as readonly string[]).includes(proto)) {
    throw new TypeError(`--proto must be auto, ${PROTOCOLS.join(", ")}, not ${JSON.stringify(proto)}`);
  }
}

/**
 * One protocol's decoder with the lines it prints. A line that names bytes still to come (a
 * packet's header before its vars) waits: flush() prints what it can before an error's report.
 */
interface Dissector {
  push(piece: Uint8Array): void;
  /** The capture ended: throws ProtocolError when it cut something short. */
  end(): void;
  flush(): void;
}

/** Makes a protocol's Dissector; `first` is the capture's first bytes (see firstBytes). */
type DissectorOf = (window: ByteWindow, out: Out, first: Uint8Array) => Dissector;

const DISSECTORS: Record<DecodedProtocol, DissectorOf> = {
  uwsgi: uwsgiDissector,
  fastcgi: fastcgiDissector,
  scgi: scgiDissector,
  http: httpDissector,
};

// --- Which protocol ---

const TOKEN_THEN_SPACE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;

/**
 * The bytes the guess reads (and HTTP, to tell responses from requests): the first 64; for
 * what looks like uwsgi, its whole vars block too when the capture's length is not known, to
 * see that the datasize fits.
 */
async function firstBytes(input: CaptureInput, proto: string): Promise<Uint8Array> {
  const first = await input.first(64);
  if (proto !== "auto" || input.size !== undefined || first[0] !== 0 || first.length < 4) return first;
  return input.first(Math.max(64, 4 + (first[1]! | (first[2]! << 8))));
}

/**
 * The protocol the first bytes say, and why; throws an Error when they say none. `size`: the
 * capture's length, when known.
 */
function guessProtocol(input: Uint8Array, size: number | undefined): { proto: DecodedProtocol; why: string } {
  if (input.length === 0) throw new Error("the input is empty");
  const b0 = input[0]!;
  const b1 = input[1] ?? -1;
  if (b0 === 1 && b1 >= 1 && b1 <= 11) {
    return {
      proto: "fastcgi",
      why: `guessed: byte 0 is version 1, byte 1 is record type ${b1} (${typeName(b1)})`,
    };
  }
  const start = latin1Decode(input, 0, Math.min(input.length, 64));
  let hint = "";
  if (b0 === 0 && input.length >= 4) {
    const datasize = input[1]! | (input[2]! << 8);
    if (datasize <= (size ?? input.length) - 4) {
      const after = size === undefined ? "" : `${size - 4} `;
      return {
        proto: "uwsgi",
        why: `guessed: byte 0 is modifier1 0 and datasize ${datasize} fits the ${after}bytes after the header`,
      };
    }
    hint = ` (byte 0 is 0, as in uwsgi, but datasize ${datasize} is more than the input holds)`;
  }
  const length = /^[0-9]+:/.exec(start);
  if (length !== null)
    return { proto: "scgi", why: `guessed: starts with "${length[0]}", a netstring length` };
  const text = start.replace(/^(\r\n)+/, "");
  if (text.startsWith("HTTP/")) return { proto: "http", why: 'guessed: starts with "HTTP/", a response' };
  const method = TOKEN_THEN_SPACE.exec(text);
  if (method !== null) {
    return { proto: "http", why: `guessed: starts with the method token "${method[0].slice(0, -1)}"` };
  }
  throw new Error(`cannot tell the protocol from "${show(input, 24)}"${hint}: give --proto`);
}

// --- uwsgi ---

/** Packets one after another: header, vars, body (the uwsgi RequestDecoder). */
function uwsgiDissector(window: ByteWindow, out: Out): Dissector {
  let requests = 0;
  /** Where the current packet starts, and whether its header line is still to print. */
  let packet = 0;
  let headerDue = true;
  const header = () => {
    const h = window.slice(packet, packet + 4);
    if (!headerDue || h.length < 4) return; // (cut short: the decoder says so at end())
    headerDue = false;
    out(`@${packet} packet modifier1=${h[0]} datasize=${h[1]! | (h[2]! << 8)} modifier2=${h[3]}`);
  };
  const next = () => {
    packet = decoder.offset;
    headerDue = true;
  };
  const body = new Run("body", out);
  const decoder: UwsgiRequestDecoder = new UwsgiRequestDecoder({
    onHead({ env, contentLength }) {
      header();
      requests++;
      // An entry is key_size (u16) key val_size (u16) value, from just after the header.
      printEnviron(env, out, { at: packet + 4, framing: 4 });
      out(
        `  the Environ of request ${requests}: ${count(env.size, "var")}; body ${contentLength} bytes (CONTENT_LENGTH)`,
      );
    },
    onBody: (chunk) => body.add(decoder.offset - chunk.length, chunk),
    onEnd() {
      body.flush();
      out(`  request ${requests} ends at byte ${decoder.offset}`);
      next();
    },
    onPacket({ payload }) {
      header();
      out(`  not a request: payload ${payload.length} bytes "${show(payload, 60)}"`);
      next();
    },
  });
  return headedDissector(decoder, header, body);
}

/**
 * uwsgi's and SCGI's Dissector: their decoder, after the line of the packet or netstring now
 * begun (`header`, printed once its first bytes are in), and its body run.
 */
function headedDissector(
  decoder: { push(piece: Uint8Array): void; end(): void },
  header: () => void,
  body: Run,
): Dissector {
  return {
    push: (piece) => decoder.push(piece),
    end() {
      header();
      decoder.end();
    },
    flush() {
      header();
      body.flush();
    },
  };
}

// --- SCGI ---

/** Netstrings of NUL-separated headers, each followed by its body (the SCGI RequestDecoder). */
function scgiDissector(window: ByteWindow, out: Out): Dissector {
  let requests = 0;
  /** Where the current netstring starts, its header block (once its line is printed). */
  let netstring = 0;
  let block = -1;
  const header = () => {
    if (block >= 0) return;
    const start = window.slice(netstring, netstring + 12);
    const digits = /^(0|[1-9][0-9]*):/.exec(latin1Decode(start, 0, start.length));
    if (digits === null) return; // (the decoder says what is wrong)
    const length = Number(digits[0].slice(0, -1));
    block = netstring + digits[0].length;
    out(
      `@${netstring} netstring length=${length}: headers @${block}..${block + length}, "," @${block + length}`,
    );
  };
  const body = new Run("body", out);
  const decoder: ScgiRequestDecoder = new ScgiRequestDecoder({
    onHead({ env, contentLength }) {
      header();
      requests++;
      // An entry is name NUL value NUL.
      printEnviron(env, out, { at: block, framing: 2 });
      out(
        `  the Environ of request ${requests}: ${count(env.size, "header")}; body ${contentLength} bytes (CONTENT_LENGTH)`,
      );
    },
    onBody: (chunk) => body.add(decoder.offset - chunk.length, chunk),
    onEnd() {
      body.flush();
      out(`  request ${requests} ends at byte ${decoder.offset}`);
      netstring = decoder.offset;
      block = -1;
    },
  });
  return headedDissector(decoder, header, body);
}

// --- HTTP ---

/** Requests, or responses (a capture that starts with "HTTP/"), pipelined one after another. */
function httpDissector(window: ByteWindow, out: Out, first: Uint8Array): Dissector {
  const responses = latin1Decode(first, 0, first.length)
    .replace(/^(\r\n)+/, "")
    .startsWith("HTTP/");
  const kind = responses ? "response" : "request";
  let messages = 0;
  let bodyBytes = 0;
  /** Where the current message starts: the end of the one before. */
  let start = 0;
  const body = new Run("body", out);
  const tunnel = new Run("tunnel", out);
  const head = (line: string, h: HttpMessageHead) => {
    messages++;
    bodyBytes = 0;
    // The start line and a line per field come before the empty line the head ends with.
    const lines = lineStarts(window, decoder.offset, h.headers.size + 1, start);
    out(`@${lines?.[0] ?? start} ${kind} ${messages}: ${line}`);
    printFields(h.headers, lines?.slice(1), out);
    out(`  body: ${framing(h)}, ${h.keepAlive ? "keep-alive" : "connection closes after it"}`);
  };
  const handler = {
    onBody(chunk: Uint8Array) {
      bodyBytes += chunk.length;
      body.add(decoder.offset - chunk.length, chunk);
    },
    onTrailers(fields: HeaderFields) {
      body.flush();
      out(`  trailers (${fields.size}):`);
      printFields(fields, lineStarts(window, decoder.offset, fields.size, start), out);
    },
    onEnd() {
      body.flush();
      out(`  ${kind} ${messages} ends at byte ${decoder.offset}: body ${bodyBytes} bytes`);
      start = decoder.offset;
    },
    onTunnel: (data: Uint8Array) => tunnel.add(decoder.offset - data.length, data),
  };
  const decoder: HttpRequestDecoder | HttpResponseDecoder = responses
    ? new HttpResponseDecoder({
        ...handler,
        onHead: (h) => head(`${h.version} ${h.status} ${show(h.reason, 60)}`, h),
      })
    : new HttpRequestDecoder({
        ...handler,
        onHead(h) {
          head(`${h.method} ${show(h.target, 120)} ${h.version}`, h);
          const env = requestToEnviron(h);
          out(`  the Environ (requestToEnviron): ${count(env.size, "var")}`);
          printEnviron(env, out);
        },
      });
  return {
    push: (piece) => decoder.push(piece),
    end() {
      decoder.end();
      tunnel.flush();
    },
    flush() {
      body.flush();
      tunnel.flush();
    },
  };
}

/**
 * Where each of the `n` lines before the empty line that ends at `end` starts, oldest first;
 * bytes before `from` are another message's. Undefined when the window no longer holds them.
 */
function lineStarts(window: ByteWindow, end: number, n: number, from: number): number[] | undefined {
  const starts: number[] = new Array(n);
  let lf = window.lastIndexOf(0x0a, end - 1, from); // (the LF of the line before the empty one)
  for (let k = n - 1; k >= 0 && lf !== undefined; k--) {
    const before = lf < 0 ? undefined : window.lastIndexOf(0x0a, lf, from);
    if (before === undefined) return undefined;
    starts[k] = before < 0 ? from : before + 1; // (no LF before a start line: the message's start)
    lf = before;
  }
  return lf === undefined ? undefined : starts;
}

function framing(h: HttpMessageHead): string {
  const codings = h.transferCodings.length > 0 ? ` (codings ${h.transferCodings.join(", ")})` : "";
  switch (h.body) {
    case "length":
      return `Content-Length ${h.contentLength}`;
    case "chunked":
      return `chunked${codings}`;
    case "close":
      return `until the connection closes${codings}`;
    default:
      return h.upgrade ? "none, then a tunnel" : "none";
  }
}

/** `  @N Name: value` per field; N is where its line starts (`starts`, when known). */
function printFields(fields: HeaderFields, starts: readonly number[] | undefined, out: Out): void {
  for (let i = 0; i < fields.size; i++) {
    const at = starts === undefined ? "" : `@${starts[i]} `;
    out(`  ${at}${show(fields.nameAt(i), 60)}: ${show(fields.valueBytesAt(i))}`);
  }
}

// --- FastCGI ---

/** Which way a record type goes: true for web server → application. */
const TO_APPLICATION: ReadonlySet<number> = new Set([
  RecordType.BEGIN_REQUEST,
  RecordType.ABORT_REQUEST,
  RecordType.PARAMS,
  RecordType.STDIN,
  RecordType.DATA,
  RecordType.GET_VALUES,
]);

/** One direction's decoder, fed each record whole (its padding after); `beforeRecord` sees its header first. */
interface FcgiSide {
  beforeRecord(requestId: number, at: number): void;
  push(record: Uint8Array): void;
  end(): void;
}

/**
 * Every record, by the RecordReader: its line once its content is in (the window holds the
 * record), when it is also pushed, whole, to the decoder of the capture's direction (told by
 * its first record), which says what the records mean: params at their stream's end, STDOUT's
 * CGI head, END_REQUEST. A record's padding follows it there when the next record begins.
 */
function fastcgiDissector(window: ByteWindow, out: Out): Dissector {
  let side: FcgiSide | undefined;
  /** The record whose content is coming in. */
  let record: { type: number; id: number; contentLength: number; at: number } | undefined;
  /** The padding of the record before, not yet pushed to the side: [from, to). */
  const padding = { from: 0, to: 0 };
  const pushPadding = () => {
    if (padding.to > padding.from) side!.push(window.slice(padding.from, padding.to));
    padding.from = padding.to;
  };
  /** The record's line, with the content that is in (all of it, unless the capture ends first). */
  const line = (r: NonNullable<typeof record>): Uint8Array => {
    const bytes = window.slice(r.at, r.at + 8 + r.contentLength);
    out(
      `@${r.at} ${typeName(r.type)} id=${r.id} content=${r.contentLength} padding=${bytes[6]}${recordDetail(r.type, bytes.subarray(8))}`,
    );
    return bytes;
  };
  const reader = new RecordReader({
    onRecord(type, id, contentLength, at) {
      if (side === undefined) {
        const toApp = TO_APPLICATION.has(type) || type < 1 || type > 11;
        const direction = toApp ? "web server → application" : "application → web server";
        out(`direction: ${direction} (the first record is ${typeName(type)})`);
        side = toApp ? fastcgiRequestSide(out) : fastcgiResponseSide(out);
      }
      pushPadding();
      record = { type, id, contentLength, at };
      return false;
    },
    onContent() {},
    onRecordEnd() {
      const r = record!;
      record = undefined;
      const bytes = line(r);
      side!.beforeRecord(r.id, r.at);
      side!.push(bytes);
      padding.from = r.at + bytes.length;
      padding.to = padding.from + bytes[6]!;
    },
  });
  return {
    push: (piece) => reader.push(piece),
    end() {
      reader.end();
      if (side === undefined) return;
      pushPadding();
      side.end();
    },
    flush() {
      if (record !== undefined) line(record);
      record = undefined;
    },
  };
}

/** What a record's content says, for its line: roles, statuses, a stream's first bytes. */
function recordDetail(type: number, content: Uint8Array): string {
  const c = content;
  switch (type) {
    case RecordType.BEGIN_REQUEST: {
      if (c.length < 8) return "";
      const role = (c[0]! << 8) | c[1]!;
      return ` role=${nameOf(Role, role)} flags=${c[2]}${c[2]! & 1 ? " (KEEP_CONN)" : ""}`;
    }
    case RecordType.END_REQUEST: {
      if (c.length < 8) return "";
      const appStatus = ((c[0]! << 24) | (c[1]! << 16) | (c[2]! << 8) | c[3]!) >>> 0;
      return ` appStatus=${appStatus} protocolStatus=${nameOf(ProtocolStatus, c[4]!)}`;
    }
    case RecordType.UNKNOWN_TYPE:
      return c.length > 0 ? ` type=${c[0]}` : "";
    case RecordType.PARAMS:
    case RecordType.STDIN:
    case RecordType.STDOUT:
    case RecordType.STDERR:
    case RecordType.DATA:
      if (c.length === 0) return " (end of stream)";
      return type === RecordType.PARAMS ? "" : ` "${show(c, 40)}"`;
    default:
      return c.length > 0 ? ` "${show(c, 40)}"` : "";
  }
}

/** What the web server sent: the RequestDecoder, for each request's params (its Environ). */
function fastcgiRequestSide(out: Out): FcgiSide {
  const stdin = new Map<number, number>();
  const decoder = new FcgiRequestDecoder(
    {
      onHead({ requestId, env }) {
        out(`  params of request ${requestId}, its Environ: ${count(env.size, "var")}`);
        printEnviron(env, out);
      },
      onBody: (id, chunk) => stdin.set(id, (stdin.get(id) ?? 0) + chunk.length),
      onEnd: (id) => out(`  request ${id}: input complete, STDIN ${stdin.get(id) ?? 0} bytes`),
      onAbort: (id) => out(`  request ${id}: aborted by the web server`),
      onReply() {}, // (what an application would answer to GET_VALUES)
    },
    { maxConcurrentRequests: 0xffff },
  );
  return { beforeRecord() {}, push: (record) => decoder.push(record), end: () => decoder.end() };
}

interface CgiStdout {
  cgi: CgiResponseDecoder;
  /** Where each STDOUT piece lies, in the CGI stream and in the capture. */
  pieces: { cgiAt: number; inputAt: number; length: number }[];
  taken: number;
  body: number;
}

/**
 * What an application sent back: the ResponseDecoder, each request's STDOUT through a
 * CgiResponseDecoder. A capture holds no BEGIN_REQUEST, so each id is expected when it first
 * comes (again after its END_REQUEST). A CGI error's offset counts STDOUT's bytes alone: it is
 * mapped back to the capture's through the pieces STDOUT came in.
 */
function fastcgiResponseSide(out: Out): FcgiSide {
  const expected = new Map<number, CgiStdout>();
  let recordAt = 0;
  const stdout = (id: number): CgiStdout => {
    const s: CgiStdout = {
      cgi: new CgiResponseDecoder({
        onHead(head) {
          out(
            `  CGI head of request ${id}: status ${head.status}${head.reason ? ` ${show(head.reason, 60)}` : ""}`,
          );
          for (const [name, value] of head.headers) out(`    ${show(name, 60)}: ${show(value)}`);
        },
        onBody: (chunk) => {
          s.body += chunk.length;
        },
      }),
      pieces: [],
      taken: 0,
      body: 0,
    };
    return s;
  };
  /** Runs the CGI decoder's `step`; its error comes out at the capture's offset. */
  const cgi = (s: CgiStdout, step: () => void): void => {
    try {
      step();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      const piece = s.pieces.find((p) => e.offset < p.cgiAt + p.length) ?? s.pieces.at(-1);
      const at =
        piece === undefined ? recordAt : piece.inputAt + Math.min(e.offset - piece.cgiAt, piece.length);
      throw new ProtocolError(e.code, e.reason, at);
    }
  };
  const decoder = new FcgiResponseDecoder({
    onStdout(id, chunk) {
      const s = expected.get(id)!;
      // (records come whole: STDOUT's content is the record's, just after its header)
      s.pieces.push({ cgiAt: s.taken, inputAt: recordAt + 8, length: chunk.length });
      s.taken += chunk.length;
      cgi(s, () => s.cgi.push(chunk));
    },
    onEndRequest({ requestId }) {
      const s = expected.get(requestId)!;
      expected.delete(requestId);
      if (s.taken === 0) return out(`  request ${requestId}: response complete, no STDOUT`);
      cgi(s, () => s.cgi.end());
      out(`  request ${requestId}: response complete, CGI body ${s.body} bytes`);
    },
    onGetValuesResult(values) {
      out(`  GET_VALUES_RESULT: ${count(values.size, "value")}`);
      printEnviron(values, out);
    },
    onUnknownType: (type) => out(`  the application does not know record type ${type}`),
  });
  return {
    beforeRecord(id, at) {
      recordAt = at;
      if (id === 0 || expected.has(id)) return;
      decoder.expect(id);
      expected.set(id, stdout(id));
    },
    push: (record) => decoder.push(record),
    end: () => decoder.end(),
  };
}

function typeName(type: number): string {
  return nameOf(RecordType, type, "TYPE_");
}

function nameOf(names: Readonly<Record<string, number>>, value: number, prefix = ""): string {
  for (const [name, v] of Object.entries(names)) if (v === value) return name;
  return `${prefix}${value}`;
}
