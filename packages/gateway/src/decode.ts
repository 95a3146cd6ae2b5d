/**
 * `envwire decode`: a dissector for captured bytes (what nginx sent an application, or what
 * an application sent back), one line per unit with its byte offset, `@N`. The codecs do the
 * decoding, so it reads a capture exactly as the gateway would; the first ProtocolError is
 * printed with a hex dump around its byte, and the command then fails.
 *
 *   uwsgi    @0 packet modifier1=0 datasize=96 modifier2=0, its vars, the body
 *   fastcgi  @0 BEGIN_REQUEST id=1 content=8 padding=0 …, each record; params once their stream
 *            ends; STDOUT's CGI head (a capture's direction is told by its first record)
 *   scgi     @0 netstring length=70 …, the headers, the body
 *   http     @0 request 1: GET / HTTP/1.1, the fields, the framing, the Environ, the body
 */
import { readFile } from "node:fs/promises";
import { CgiResponseDecoder, type Environ, latin1Decode, ProtocolError } from "@envwire/environ";
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

type Out = (line: string) => void;

const PROTOCOLS = ["uwsgi", "fastcgi", "scgi", "http"] as const;
type DecodedProtocol = (typeof PROTOCOLS)[number];

/** Reads `file` ("-": standard input), decodes it as `proto` ("auto": guessed) and prints it line by line. */
export async function decodeCommand(file: string, proto: string, out: (line: string) => void): Promise<void> {
  if (proto !== "auto" && !(PROTOCOLS as readonly string[]).includes(proto)) {
    throw new TypeError(`--proto must be auto, ${PROTOCOLS.join(", ")}, not ${JSON.stringify(proto)}`);
  }
  const input = await readInput(file);
  const picked =
    proto === "auto" ? guessProtocol(input) : { proto: proto as DecodedProtocol, why: `--proto ${proto}` };
  out(`${picked.proto}, ${input.length} bytes (${picked.why})`);
  try {
    DECODERS[picked.proto](input, out);
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    reportError(input, e, out);
    const where = e.offset >= 0 ? ` at byte ${e.offset}` : "";
    throw new Error(`the input is not valid ${picked.proto} (${e.code}${where})`, { cause: e });
  }
  out(`@${input.length} end of input`);
}

const DECODERS: Record<DecodedProtocol, (input: Uint8Array, out: Out) => void> = {
  uwsgi: decodeUwsgi,
  fastcgi: decodeFastcgi,
  scgi: decodeScgi,
  http: decodeHttp,
};

async function readInput(file: string): Promise<Uint8Array> {
  if (file !== "-") return readFile(file);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// --- Which protocol ---

const TOKEN_THEN_SPACE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;

/** The protocol the first bytes say, and why; throws an Error when they say none. */
function guessProtocol(input: Uint8Array): { proto: DecodedProtocol; why: string } {
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
    if (datasize <= input.length - 4) {
      return {
        proto: "uwsgi",
        why: `guessed: byte 0 is modifier1 0 and datasize ${datasize} fits the ${input.length - 4} bytes after the header`,
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
function decodeUwsgi(input: Uint8Array, out: Out): void {
  let requests = 0;
  const packetHeader = (at: number) => {
    if (at + 4 > input.length) return; // (cut short: the decoder says so at end())
    const datasize = input[at + 1]! | (input[at + 2]! << 8);
    out(`@${at} packet modifier1=${input[at]} datasize=${datasize} modifier2=${input[at + 3]}`);
  };
  const decoder: UwsgiRequestDecoder = new UwsgiRequestDecoder({
    onHead({ env, contentLength }) {
      requests++;
      // An entry is key_size (u16) key val_size (u16) value: it starts 4 + key bytes before its value.
      printEnviron(env, input, out, (i, value) => value - 4 - env.nameAt(i).length);
      out(
        `  the Environ of request ${requests}: ${count(env.size, "var")}; body ${contentLength} bytes (CONTENT_LENGTH)`,
      );
    },
    onBody: (chunk) => out(bodyLine(input, chunk, decoder.offset)),
    onEnd() {
      out(`  request ${requests} ends at byte ${decoder.offset}`);
      packetHeader(decoder.offset);
    },
    onPacket({ payload }) {
      out(`  not a request: payload ${payload.length} bytes "${show(payload, 60)}"`);
      packetHeader(decoder.offset);
    },
  });
  packetHeader(0);
  decoder.push(input);
  decoder.end();
}

// --- SCGI ---

/** Netstrings of NUL-separated headers, each followed by its body (the SCGI RequestDecoder). */
function decodeScgi(input: Uint8Array, out: Out): void {
  let requests = 0;
  const netstring = (at: number) => {
    const digits = /^(0|[1-9][0-9]*):/.exec(latin1Decode(input, at, Math.min(input.length, at + 12)));
    if (digits === null) return; // (the decoder says what is wrong)
    const length = Number(digits[0].slice(0, -1));
    const block = at + digits[0].length;
    out(`@${at} netstring length=${length}: headers @${block}..${block + length}, "," @${block + length}`);
  };
  const decoder: ScgiRequestDecoder = new ScgiRequestDecoder({
    onHead({ env, contentLength }) {
      requests++;
      // An entry is name NUL value NUL: it starts 1 + name bytes before its value.
      printEnviron(env, input, out, (i, value) => value - 1 - env.nameAt(i).length);
      out(
        `  the Environ of request ${requests}: ${count(env.size, "header")}; body ${contentLength} bytes (CONTENT_LENGTH)`,
      );
    },
    onBody: (chunk) => out(bodyLine(input, chunk, decoder.offset)),
    onEnd() {
      out(`  request ${requests} ends at byte ${decoder.offset}`);
      netstring(decoder.offset);
    },
  });
  netstring(0);
  decoder.push(input);
  decoder.end();
}

// --- HTTP ---

/** Requests, or responses (a capture that starts with "HTTP/"), pipelined one after another. */
function decodeHttp(input: Uint8Array, out: Out): void {
  const responses = latin1Decode(input, 0, Math.min(input.length, 64))
    .replace(/^(\r\n)+/, "")
    .startsWith("HTTP/");
  const kind = responses ? "response" : "request";
  let messages = 0;
  let body = 0;
  let start = 0;
  const head = (line: string, h: HttpMessageHead) => {
    messages++;
    body = 0;
    while (input[start] === 0x0d || input[start] === 0x0a) start++; // (empty lines before a start line)
    out(`@${start} ${kind} ${messages}: ${line}`);
    printFields(h.headers, input, out);
    out(`  body: ${framing(h)}, ${h.keepAlive ? "keep-alive" : "connection closes after it"}`);
  };
  const handler = {
    onBody(chunk: Uint8Array) {
      body += chunk.length;
      out(bodyLine(input, chunk, decoder.offset));
    },
    onTrailers(fields: HeaderFields) {
      out(`  trailers (${fields.size}):`);
      printFields(fields, input, out);
    },
    onEnd() {
      out(`  ${kind} ${messages} ends at byte ${decoder.offset}: body ${body} bytes`);
      start = decoder.offset;
    },
    onTunnel(data: Uint8Array) {
      out(
        `@${offsetIn(input, data) ?? decoder.offset - data.length} tunnel ${data.length} bytes "${show(data, 40)}"`,
      );
    },
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
          printEnviron(env, undefined, out);
        },
      });
  decoder.push(input);
  decoder.end();
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

/** `  @N Name: value` per field; N is where its line starts (the LF before its value, plus one). */
function printFields(fields: HeaderFields, input: Uint8Array, out: Out): void {
  for (let i = 0; i < fields.size; i++) {
    const value = offsetIn(input, fields.valueBytesAt(i));
    const at = value === undefined ? "" : `@${input.lastIndexOf(0x0a, value) + 1} `;
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

/** One direction's decoder, fed each record whole; `beforeRecord` sees the record's header first. */
interface FcgiSide {
  beforeRecord(requestId: number, at: number): void;
  push(record: Uint8Array): void;
  end(): void;
}

/**
 * Every record, by the RecordReader; each is also pushed, whole, to the decoder of the
 * capture's direction (told by its first record), which says what the records mean: params
 * at their stream's end, STDOUT's CGI head, END_REQUEST.
 */
function decodeFastcgi(input: Uint8Array, out: Out): void {
  let side: FcgiSide | undefined;
  const reader = new RecordReader({
    onRecord(type, id, contentLength, at) {
      if (side === undefined) {
        const toApp = TO_APPLICATION.has(type) || type < 1 || type > 11;
        const direction = toApp ? "web server → application" : "application → web server";
        out(`direction: ${direction} (the first record is ${typeName(type)})`);
        side = toApp ? fastcgiRequestSide(out) : fastcgiResponseSide(input, out);
      }
      const padding = input[at + 6]!; // (onRecord does not say it)
      const content = input.subarray(at + 8, Math.min(input.length, at + 8 + contentLength));
      out(
        `@${at} ${typeName(type)} id=${id} content=${contentLength} padding=${padding}${recordDetail(type, content)}`,
      );
      side.beforeRecord(id, at);
      side.push(input.subarray(at, Math.min(input.length, at + 8 + contentLength + padding)));
      return false;
    },
    onContent() {},
    onRecordEnd() {},
  });
  reader.push(input);
  reader.end();
  side?.end();
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
        printEnviron(env, undefined, out);
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
function fastcgiResponseSide(input: Uint8Array, out: Out): FcgiSide {
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
      s.pieces.push({
        cgiAt: s.taken,
        inputAt: offsetIn(input, chunk) ?? recordAt + 8,
        length: chunk.length,
      });
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
      printEnviron(values, undefined, out);
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

// --- Shared formatting ---

/** Where `view` lies in `input`, when it is a view into it. */
function offsetIn(input: Uint8Array, view: Uint8Array): number | undefined {
  const at = view.byteOffset - input.byteOffset;
  return view.buffer === input.buffer && at >= 0 && at + view.length <= input.length ? at : undefined;
}

/** `@N body LENGTH bytes "preview"`; `after` is the decoder's offset just past the piece. */
function bodyLine(input: Uint8Array, chunk: Uint8Array, after: number): string {
  return `@${offsetIn(input, chunk) ?? after - chunk.length} body ${chunk.length} bytes "${show(chunk, 40)}"`;
}

/**
 * `  @N NAME=value` per entry. With `input`, N is where the entry starts: `entryAt` works it
 * out from where the value lies (when the value is a view into the input); else no offset.
 */
function printEnviron(
  env: Environ,
  input: Uint8Array | undefined,
  out: Out,
  entryAt?: (i: number, valueAt: number) => number,
): void {
  for (let i = 0; i < env.size; i++) {
    const bytes = env.bytesAt(i);
    const value = input === undefined ? undefined : offsetIn(input, bytes);
    const at = value === undefined || entryAt === undefined ? "" : `@${entryAt(i, value)} `;
    out(`${input === undefined ? "    " : "  "}${at}${show(env.nameAt(i), 48)}=${show(bytes)}`);
  }
}

/**
 * Bytes (or a latin-1 string) as latin-1 text: control bytes and C1 as \xNN, "\" as "\\";
 * cut past `max` characters, with the whole length: "…(N bytes)".
 */
function show(value: Uint8Array | string, max = 120): string {
  const length = value.length;
  let text = "";
  for (let i = 0; i < length; i++) {
    const b = typeof value === "string" ? value.charCodeAt(i) : value[i]!;
    const piece =
      b === 0x5c
        ? "\\\\"
        : b < 0x20 || (b >= 0x7f && b < 0xa0) || b > 0xff
          ? `\\x${hex(b)}`
          : String.fromCharCode(b);
    if (text.length + piece.length > max) return `${text}…(${length} bytes)`;
    text += piece;
  }
  return text;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/**
 * `error CODE at byte N: message`, then up to 16 bytes either side of N in hex and as text,
 * byte N in brackets ("[end]" when the input ends there).
 */
function reportError(input: Uint8Array, e: ProtocolError, out: Out): void {
  if (e.offset < 0) {
    out(`error ${e.code}: ${e.reason}`);
    return;
  }
  out(`error ${e.code} at byte ${e.offset}: ${e.reason}`);
  const from = Math.max(0, Math.min(e.offset, input.length) - 16);
  const to = Math.min(input.length, e.offset + 17);
  const bytes: string[] = [];
  let text = "";
  for (let i = from; i < to; i++) {
    const b = input[i]!;
    const c = b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
    bytes.push(i === e.offset ? `[${hex(b)}]` : hex(b));
    text += i === e.offset ? `[${c}]` : c;
  }
  if (e.offset >= input.length) {
    bytes.push("[end]");
    text += "[end]";
  }
  out(`  @${from} ${bytes.join(" ")}  |${text}|`);
}
