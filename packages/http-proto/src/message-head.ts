/**
 * The heads the decoders hand to onHead. Everything is read while the head is scanned,
 * except the request-target's string, which is made from its bytes when first asked for:
 * a gateway that maps the request to an Environ never needs it.
 */
import { latin1Decode } from "@envwire/environ";
import type { BodyKind } from "./framing.js";
import type { HttpVersion, TargetForm } from "./head-scanner.js";
import type { Fields, HeaderFields } from "./header-fields.js";

interface MessageHead {
  readonly version: HttpVersion;
  readonly headers: HeaderFields;
  /** How the body is framed: none, Content-Length, chunked, or until the connection closes. */
  readonly body: BodyKind;
  /** Content-Length, when the body is framed by it (0 for none). */
  readonly contentLength: number;
  /** Transfer codings before chunked, still applied to the body (e.g. ["gzip"]). */
  readonly transferCodings: readonly string[];
  readonly keepAlive: boolean;
  /**
   * The bytes after this message are not HTTP but a tunnel, handed to onTunnel: Connection:
   * upgrade with an Upgrade field, a CONNECT request, or a 101 or 2xx-to-CONNECT response.
   */
  readonly upgrade: boolean;
}

export interface HttpRequestHead extends MessageHead {
  readonly method: string;
  /** The request-target as sent (made from its bytes when first read). */
  readonly target: string;
  /** Where the target lies in `headers.buffer`: for reading it as bytes. */
  readonly targetStart: number;
  readonly targetEnd: number;
  /** Where the query starts in `headers.buffer`, just past the target's first "?"; -1 when it has none. */
  readonly queryStart: number;
  /** The target has a "%" before its query: its path may hold percent-escapes (PATH_INFO decodes them). */
  readonly escapedPath: boolean;
  readonly targetForm: TargetForm;
  /** Expect: 100-continue. */
  readonly expectContinue: boolean;
}

export interface HttpResponseHead extends MessageHead {
  readonly status: number;
  readonly reason: string;
}

export class RequestHead implements HttpRequestHead {
  readonly method: string;
  readonly targetStart: number;
  readonly targetEnd: number;
  readonly queryStart: number;
  readonly escapedPath: boolean;
  readonly targetForm: TargetForm;
  readonly version: HttpVersion;
  readonly headers: Fields;
  readonly body: BodyKind;
  readonly contentLength: number;
  readonly transferCodings: readonly string[];
  readonly keepAlive: boolean;
  readonly upgrade: boolean;
  readonly expectContinue: boolean;
  #target: string | undefined;

  constructor(
    method: string,
    targetStart: number,
    targetEnd: number,
    queryStart: number,
    escapedPath: boolean,
    targetForm: TargetForm,
    version: HttpVersion,
    headers: Fields,
    body: BodyKind,
    contentLength: number,
    transferCodings: readonly string[],
    keepAlive: boolean,
    upgrade: boolean,
    expectContinue: boolean,
  ) {
    this.method = method;
    this.targetStart = targetStart;
    this.targetEnd = targetEnd;
    this.queryStart = queryStart;
    this.escapedPath = escapedPath;
    this.targetForm = targetForm;
    this.version = version;
    this.headers = headers;
    this.body = body;
    this.contentLength = contentLength;
    this.transferCodings = transferCodings;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade;
    this.expectContinue = expectContinue;
  }

  get target(): string {
    this.#target ??= latin1Decode(this.headers.buffer, this.targetStart, this.targetEnd);
    return this.#target;
  }
}
