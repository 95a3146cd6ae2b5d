/**
 * The heads the decoders hand to onHead. Everything is read while the head is scanned,
 * except the request-target's string, which is made from its bytes when first asked for:
 * a gateway that maps the request to an Environ never needs it.
 */
import { latin1Decode } from "@envwire/environ";
import { printWith } from "@envwire/environ/codec";
import type { BodyKind } from "./framing.js";
import type { HttpVersion, TargetForm } from "./head-scanner.js";
import type { Fields, HeaderFields } from "./header-fields.js";

/** What request and response heads share. */
export interface HttpMessageHead {
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

export interface HttpRequestHead extends HttpMessageHead {
  readonly method: string;
  /** The request-target as sent (made from its bytes when first read). */
  readonly target: string;
  readonly targetForm: TargetForm;
  /** Expect: 100-continue. */
  readonly expectContinue: boolean;
}

export interface HttpResponseHead extends HttpMessageHead {
  readonly status: number;
  readonly reason: string;
}

/** What the request decoder found of a head: the public fields, and where the target's parts lie. */
export interface RequestHeadInit extends Omit<HttpRequestHead, "target" | "headers"> {
  readonly headers: Fields;
  /** Where the target lies in `headers.buffer`. */
  readonly targetStart: number;
  readonly targetEnd: number;
  /** Where the query starts in `headers.buffer`, just past the target's first "?"; -1 when it has none. */
  readonly queryStart: number;
  /** Where the target's fragment ("#...", no part of its path or query) starts in `headers.buffer`; -1 when it has none. */
  readonly fragmentStart: number;
  /** The target has a "%" before its query: its path may hold percent-escapes (PATH_INFO decodes them). */
  readonly escapedPath: boolean;
}

/** A request head, and (for the Environ mapping) where the target's parts lie in its buffer. */
export class RequestHead implements HttpRequestHead {
  readonly method: string;
  readonly targetStart: number;
  readonly targetEnd: number;
  readonly queryStart: number;
  readonly fragmentStart: number;
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

  constructor(init: RequestHeadInit) {
    this.method = init.method;
    this.targetStart = init.targetStart;
    this.targetEnd = init.targetEnd;
    this.queryStart = init.queryStart;
    this.fragmentStart = init.fragmentStart;
    this.escapedPath = init.escapedPath;
    this.targetForm = init.targetForm;
    this.version = init.version;
    this.headers = init.headers;
    this.body = init.body;
    this.contentLength = init.contentLength;
    this.transferCodings = init.transferCodings;
    this.keepAlive = init.keepAlive;
    this.upgrade = init.upgrade;
    this.expectContinue = init.expectContinue;
  }

  get target(): string {
    this.#target ??= latin1Decode(this.headers.buffer, this.targetStart, this.targetEnd);
    return this.#target;
  }

  /** What HttpRequestHead says, the fields as [name, value] pairs: not where the target lies. */
  toJSON(): Omit<HttpRequestHead, "headers"> & { headers: [name: string, value: string][] } {
    return { ...this.#public(), headers: this.headers.toJSON() };
  }

  #public(): HttpRequestHead {
    const { method, target, targetForm, version, headers, body, contentLength } = this;
    const { transferCodings, keepAlive, upgrade, expectContinue } = this;
    return {
      method,
      target,
      targetForm,
      version,
      headers,
      body,
      contentLength,
      transferCodings,
      keepAlive,
      upgrade,
      expectContinue,
    };
  }

  static {
    // console.log(head): what toJSON gives, with the fields printed as HeaderFields.
    printWith(RequestHead.prototype, (head, depth, options, inspect) =>
      depth < 0 ? "[HttpRequestHead]" : `HttpRequestHead ${inspect(head.#public(), options)}`,
    );
  }
}
