/**
 * One request's CGI variables as entries an Environ borrows (see appendRun): every
 * name known up front, the values read off the head's bytes only when one is first asked
 * for. A gateway that forwards a request copies each value's bytes straight from the head,
 * and one that reads three variables never pays for the rest.
 *
 * The variables about the request and the connection come first, in nginx's order, then the
 * HTTP_* fields (see requestToEnviron for which fields, and how repeats are joined).
 */
import { latin1Decode } from "@envwire/environ";
import type { EnvironRun } from "@envwire/environ/codec";
import type { FieldName } from "../field-names.js";
import type { RequestHead } from "../message-head.js";
import { percentDecodeBytes } from "../percent-coding.js";
import { type ChunkText, TEXT_MAX } from "./chunk-text.js";

/** The variables about the request and the connection, in the order they come. */
const Variable = {
  Method: 0,
  Uri: 1,
  Path: 2,
  Query: 3,
  Protocol: 4,
  ContentType: 5,
  ContentLength: 6,
  ServerName: 7,
  ServerPort: 8,
  RemoteAddr: 9,
  RemotePort: 10,
  Https: 11,
} as const;
const VARIABLE_NAMES = [
  "REQUEST_METHOD",
  "REQUEST_URI",
  "PATH_INFO",
  "QUERY_STRING",
  "SERVER_PROTOCOL",
  "CONTENT_TYPE",
  "CONTENT_LENGTH",
  "SERVER_NAME",
  "SERVER_PORT",
  "REMOTE_ADDR",
  "REMOTE_PORT",
  "HTTPS",
];

/** The variables a request may go without, as bits: a request's set of them picks its layout. */
export const Optional = {
  ContentType: 1,
  ContentLength: 2,
  RemoteAddr: 4,
  RemotePort: 8,
  Https: 16,
} as const;
const OPTIONAL_BIT: readonly number[] = [0, 0, 0, 0, 0, 1, 2, 0, 0, 4, 8, 16];

interface Layout {
  readonly variables: readonly number[];
  readonly names: readonly string[];
}

/** One layout per set of optional variables, made when first needed. */
const layouts: (Layout | undefined)[] = new Array<Layout | undefined>(32).fill(undefined);

function layoutOf(optional: number): Layout {
  let layout = layouts[optional];
  if (layout === undefined) {
    const variables = VARIABLE_NAMES.map((_, v) => v).filter(
      (v) => OPTIONAL_BIT[v] === 0 || (optional & OPTIONAL_BIT[v]!) !== 0,
    );
    layout = { variables, names: variables.map((v) => VARIABLE_NAMES[v]!) };
    layouts[optional] = layout;
  }
  return layout;
}

/** What of the connection a caller tells requestToEnviron (which checks the strings to be latin-1). */
/** (Each may be undefined, as Node's socket.remoteAddress and remotePort may be: then it is not known.) */
export interface ConnectionInfo {
  /** SERVER_NAME; default: the host in the target (absolute-form) or in Host. */
  serverName?: string | undefined;
  /** SERVER_PORT; default: the port in Host, else 443 for HTTPS, else 80. */
  serverPort?: number | string | undefined;
  remoteAddr?: string | undefined;
  remotePort?: number | string | undefined;
  /** The connection is TLS: HTTPS=on, and the default port is 443. */
  https?: boolean | undefined;
}

const SLASH = 0x2f;
const QUESTION = 0x3f;
const HASH = 0x23;
const COLON = 0x3a;
const AT = 0x40;
const CLOSE_BRACKET = 0x5d;

/** Where the target's path and query end: at its fragment, if it has one (RFC 3986 §3.5). */
function partsEnd(head: RequestHead): number {
  return head.fragmentStart < 0 ? head.targetEnd : head.fragmentStart;
}

function indexOfByte(buf: Uint8Array, byte: number, start: number, end: number): number {
  for (let i = start; i < end; i++) if (buf[i] === byte) return i;
  return -1;
}

export class RequestRun implements EnvironRun {
  readonly size: number;
  readonly buffer: Uint8Array;
  /**
   * From the target to the end of the last field's value, where every span value lies: its
   * latin-1 text is found (or decoded) when a first value is read as a string, and every
   * value is then a slice of it. The text starts at buffer[#textBase]. Only for a head of at
   * most TEXT_MAX bytes: a slice keeps all of its text alive (a longer head's values are
   * decoded one by one).
   */
  readonly #textStart: number;
  readonly #textEnd: number;
  readonly #chunkText: ChunkText | undefined;
  /** The text (see above); null when the head is too long for one, undefined until first needed. */
  #text: string | null | undefined = undefined;
  #textBase = 0;
  /** The variables (see Variable) that come first, their names, and how many. */
  readonly #variables: readonly number[];
  readonly #variableNames: readonly string[];
  readonly #fixed: number;
  /** The head the variables are read from (its fields are read-only), and the options, copied: a caller may reuse an options object. */
  readonly #head: RequestHead;
  readonly #serverName: string | undefined;
  readonly #serverPort: number | string | undefined;
  readonly #remoteAddr: string | undefined;
  readonly #remotePort: number | string | undefined;
  readonly #https: boolean;
  readonly #names: readonly FieldName[];
  /** The fields' offsets, four a field (see HeaderFields): read here directly, as values are read often. */
  readonly #fieldSpans: readonly number[];
  /** The field of each HTTP_* entry, when they are not simply every field in order. */
  readonly #entries: readonly number[] | undefined;
  /** Repeated fields' values joined, at the place of the first of them. */
  readonly #joined: readonly (string | undefined)[] | undefined;
  readonly #contentType: number;
  readonly #host: number;
  // The target's and authority's parts, found when first asked for (see #parse): spans of
  // buffer, and PATH_INFO as a string when it is not its bytes as they stand.
  #parsed = false;
  #path: string | undefined = undefined;
  /** REQUEST_URI of an absolute-form target without a path ("http://h?q"): "/" and the rest. */
  #uri: string | undefined = undefined;
  #pathStart = 0;
  #pathEnd = 0;
  #hostStart = 0;
  #hostEnd = 0;
  #portStart = 0;
  #portEnd = 0;

  /**
   * `optional`: the Optional variables the request has; `contentType`, `host`: their fields
   * (-1 for none).
   */
  constructor(
    head: RequestHead,
    connection: ConnectionInfo,
    optional: number,
    entries: readonly number[] | undefined,
    joined: readonly (string | undefined)[] | undefined,
    contentType: number,
    host: number,
  ) {
    const fields = head.headers;
    const layout = layoutOf(optional);
    this.#variables = layout.variables;
    this.#variableNames = layout.names;
    this.#fixed = layout.variables.length;
    this.#head = head;
    this.#serverName = connection.serverName;
    this.#serverPort = connection.serverPort;
    this.#remoteAddr = connection.remoteAddr;
    this.#remotePort = connection.remotePort;
    this.#https = connection.https === true;
    this.#names = fields.names;
    this.#fieldSpans = fields.spans;
    this.#entries = entries;
    this.#joined = joined;
    this.#contentType = contentType;
    this.#host = host;
    this.buffer = fields.buffer;
    this.#textStart = head.targetStart;
    this.#textEnd = fields.size === 0 ? head.targetEnd : fields.valueEndAt(fields.size - 1);
    this.#chunkText = fields.text;
    this.size = this.#fixed + (entries === undefined ? this.#names.length : entries.length);
  }

  nameAt(k: number): string {
    return k < this.#fixed ? this.#variableNames[k]! : this.#names[this.#field(k)]!.cgi;
  }

  // The accessors stay small, the variables' cases apart: an Environ's reads inline them.
  valueStringAt(k: number): string | undefined {
    if (k < this.#fixed) return this.#variableString(this.#variables[k]!);
    return this.#joined === undefined ? undefined : this.#joined[this.#field(k)];
  }

  valueAt(k: number): string {
    if (k < this.#fixed) return this.#variableValue(this.#variables[k]!);
    const field = this.#field(k);
    const joined = this.#joined?.[field];
    return joined ?? this.#slice(this.#fieldSpans[field * 4 + 2]!, this.#fieldSpans[field * 4 + 3]!);
  }

  valueStartAt(k: number): number {
    if (k < this.#fixed) return this.#span(this.#variables[k]!, false);
    return this.#fieldSpans[this.#field(k) * 4 + 2]!;
  }

  valueEndAt(k: number): number {
    if (k < this.#fixed) return this.#span(this.#variables[k]!, true);
    return this.#fieldSpans[this.#field(k) * 4 + 3]!;
  }

  /** Variable `v`'s value when it is a string rather than a span of buffer. */
  #variableString(v: number): string | undefined {
    switch (v) {
      case Variable.Method:
        return this.#head.method;
      case Variable.Uri:
        // An absolute-form target's authority is no part of REQUEST_URI, as nginx's $request_uri.
        if (this.#head.targetForm !== "absolute") return undefined;
        if (!this.#parsed) this.#parse();
        return this.#uri;
      case Variable.Path:
        if (!this.#parsed) this.#parse();
        return this.#path;
      case Variable.Protocol:
        return this.#head.version;
      case Variable.ContentType:
        return this.#joined?.[this.#contentType];
      case Variable.ContentLength:
        return String(this.#head.contentLength);
      case Variable.ServerName:
        return this.#serverName;
      case Variable.ServerPort:
        if (this.#serverPort !== undefined) return String(this.#serverPort);
        if (!this.#parsed) this.#parse();
        return this.#portStart < this.#portEnd ? undefined : this.#https ? "443" : "80";
      case Variable.RemoteAddr:
        return this.#remoteAddr;
      case Variable.RemotePort:
        return String(this.#remotePort);
      case Variable.Https:
        return "on";
      default:
        return undefined;
    }
  }

  /** Variable `v`'s value as a string (the target's parts straight from the head: read most). */
  #variableValue(v: number): string {
    const head = this.#head;
    switch (v) {
      case Variable.Uri:
        if (head.targetForm === "absolute") break;
        return this.#slice(head.targetStart, head.targetEnd);
      case Variable.Query:
        return head.queryStart < 0 ? "" : this.#slice(head.queryStart, partsEnd(head));
    }
    return this.#variableString(v) ?? this.#slice(this.#span(v, false), this.#span(v, true));
  }

  /** `buffer[start, end)` as latin-1, a slice of the head's text. */
  #slice(start: number, end: number): string {
    if (this.#text === undefined) this.#findText();
    if (this.#text === null) return latin1Decode(this.buffer, start, end);
    return this.#text!.slice(start - this.#textBase, end - this.#textBase);
  }

  #findText(): void {
    const chunkText = this.#chunkText;
    if (this.#textEnd - this.#textStart > TEXT_MAX) {
      this.#text = null;
      return;
    }
    if (chunkText === undefined) {
      this.#text = latin1Decode(this.buffer, this.#textStart, this.#textEnd);
      this.#textBase = this.#textStart;
      return;
    }
    // After a head without a body nor a tunnel come more heads, whose text it may share.
    const head = this.#head;
    const more = head.body === "none" && !head.upgrade;
    this.#text = chunkText.textOf(this.buffer, this.#textStart, this.#textEnd, more);
    this.#textBase = chunkText.base;
  }

  /** Where variable `v`'s value starts (or ends) in buffer, when it is a span there (see valueStringAt). */
  #span(v: number, end: boolean): number {
    const head = this.#head;
    if (v === Variable.Uri && head.targetForm !== "absolute") return end ? head.targetEnd : head.targetStart;
    if (v === Variable.Query) return head.queryStart < 0 ? 0 : end ? partsEnd(head) : head.queryStart;
    if (v === Variable.ContentType) {
      const field = this.#contentType;
      return this.#fieldSpans[field * 4 + (end ? 3 : 2)]!;
    }
    if (!this.#parsed) this.#parse();
    switch (v) {
      case Variable.Uri:
        return end ? head.targetEnd : this.#pathStart;
      case Variable.Path:
        return end ? this.#pathEnd : this.#pathStart;
      case Variable.ServerName:
        return end ? this.#hostEnd : this.#hostStart;
      case Variable.ServerPort:
        return end ? this.#portEnd : this.#portStart;
      default:
        return 0;
    }
  }

  /** The field of entry `k` (past the variables). */
  #field(k: number): number {
    const entries = this.#entries;
    return entries === undefined ? k - this.#fixed : entries[k - this.#fixed]!;
  }

  /**
   * Splits the target into authority (absolute- and authority-form), path and query, and the
   * authority (else Host) into host and port. A part that is not there is an empty span.
   */
  #parse(): void {
    this.#parsed = true;
    const buf = this.buffer;
    const head = this.#head;
    const form = head.targetForm;
    const targetEnd = head.targetEnd;
    let authorityStart = -1;
    let authorityEnd = -1;
    let pathStart = head.targetStart;
    if (form === "authority") {
      authorityStart = pathStart;
      authorityEnd = targetEnd;
      pathStart = targetEnd;
    } else if (form === "asterisk") {
      pathStart = targetEnd;
    } else if (form === "absolute") {
      authorityStart = indexOfByte(buf, COLON, pathStart, targetEnd) + 3; // after "://"
      authorityEnd = authorityStart;
      while (
        authorityEnd < targetEnd &&
        buf[authorityEnd] !== SLASH &&
        buf[authorityEnd] !== QUESTION &&
        buf[authorityEnd] !== HASH
      )
        authorityEnd++;
      pathStart = authorityEnd;
    }
    const pathEnd = head.queryStart < 0 ? partsEnd(head) : head.queryStart - 1;
    this.#pathStart = pathStart;
    this.#pathEnd = pathEnd;
    if (form === "absolute" && pathStart === pathEnd) {
      this.#path = "/";
      this.#uri = `/${latin1Decode(buf, pathStart, targetEnd)}`;
    } else if (head.escapedPath) this.#path = latin1Decode(percentDecodeBytes(buf, pathStart, pathEnd));

    if (authorityStart < 0 && this.#host >= 0) {
      authorityStart = this.#fieldSpans[this.#host * 4 + 2]!;
      authorityEnd = this.#fieldSpans[this.#host * 4 + 3]!;
    }
    if (authorityStart < 0) return;
    // From the end: the port's colon (not one inside an IPv6 literal's [ ]), then any userinfo@.
    let colon = -1;
    let bracket = false;
    for (let i = authorityEnd - 1; i >= authorityStart; i--) {
      const c = buf[i];
      if (c === AT) {
        authorityStart = i + 1;
        break;
      }
      if (c === CLOSE_BRACKET) bracket = true;
      else if (c === COLON && colon < 0 && !bracket) colon = i;
    }
    this.#hostStart = authorityStart;
    this.#hostEnd = colon < 0 ? authorityEnd : colon;
    if (colon >= 0) {
      this.#portStart = colon + 1;
      this.#portEnd = authorityEnd;
    }
  }
}
