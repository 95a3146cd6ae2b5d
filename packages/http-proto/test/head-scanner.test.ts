// The one-pass head scanner: its four-bytes-at-a-time value check against a byte-by-byte
// reference, its size limits under any split, and the name table behind field names.
import { ProtocolError } from "@envwire/environ";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { ascii, concat, cutsFor, everySplit, splitAt } from "../../../test/support/chunks.js";
import { NameTable, nameHash } from "../src/field-names.js";
import {
  HttpErrorCode as E,
  type HttpDecoderOptions,
  type HttpRequestHead,
  requestToEnviron,
} from "../src/index.js";
import { decodeRequests, decodeResponses, errorOf } from "./recorder.js";

/** Where a field value's bytes first go wrong, byte by byte: what the scanner must agree with. */
function firstBadValueByte(value: Uint8Array): number {
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    if (b !== 0x09 && (b < 0x20 || b === 0x7f)) return i;
  }
  return -1;
}

const valueByte = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 3, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.constantFrom(0x00, 0x09, 0x0b, 0x1f, 0x0d, 0x0a) },
  { weight: 1, arbitrary: fc.constant(0x7f) },
);

const outcome = (chunks: Uint8Array[], options?: HttpDecoderOptions) => {
  const err = errorOf(() => decodeRequests(chunks, options));
  if (err === undefined) return "ok";
  expect(err).toBeInstanceOf(ProtocolError);
  return `${(err as ProtocolError).code}@${(err as ProtocolError).offset}`;
};

describe("field name bytes", () => {
  it("stop at the first byte that is not a token's, at that byte, at every alignment and split", () => {
    // DEL and bytes past 0x7e, which a name's four-bytes-at-a-time scan lets through, and a
    // control byte and a space, which stop it; each at every place in a name (known or not).
    for (const bad of [0x7f, 0x80, 0xe9, 0xff, 0x01, 0x20]) {
      for (const name of ["Accept-Language", "X-Unknown-Name-Here"]) {
        for (let at = 0; at < 12; at++) {
          const line = `${name.slice(0, at)}${String.fromCharCode(bad)}${name.slice(at)}: v`;
          const raw = `GET / HTTP/1.1\r\nHost: h\r\n${line}\r\n\r\n`;
          const offset = raw.indexOf(line) + at;
          // (At the line's first byte a space is obs-fold, a code of its own.)
          const code = at === 0 && bad === 0x20 ? E.ObsFold : E.BadHeaderName;
          const seen = new Set<string>();
          for (const [, chunks] of everySplit(ascii(raw))) seen.add(outcome(chunks));
          expect([...seen], `${bad.toString(16)} at ${at} in ${name}`).toEqual([`${code}@${offset}`]);
        }
      }
    }
  });
});

describe("field names the table knows", () => {
  it("match only their own bytes: a byte that folds onto a name's (@ onto `, \\ onto |, DEL onto _) is no token", () => {
    // (Found by the differential fuzz target: the name hash sets the 0x20 bit of every byte.)
    for (const [known, other] of [
      ["`", "@"],
      ["|", "\\"],
      ["_", "\u007f"],
    ]) {
      for (let at = 0; at < 9; at++) {
        const name = (c: string) => `X-${"abcdefgh".slice(0, at)}${c}Tail`;
        const raw = (c: string) => ascii(`GET / HTTP/1.1\r\nHost: h\r\n${name(c)}: v\r\n\r\n`);
        decodeRequests([raw(known!)]); // (now in the table)
        expect(decodeRequests([raw(known!)]).heads).toHaveLength(1);
        const offset = `GET / HTTP/1.1\r\nHost: h\r\n`.length + 2 + at;
        for (const [, chunks] of everySplit(raw(other!)))
          expect(outcome(chunks), `${JSON.stringify(other)} at ${at}`).toBe(`${E.BadHeaderName}@${offset}`);
      }
    }
  });

  it("keep ^ and ~ apart once both are in the table", () => {
    const raw = ascii("GET / HTTP/1.1\r\nHost: h\r\nX-Caret^Name: 1\r\nX-Caret~Name: 2\r\n\r\n");
    decodeRequests([raw]);
    const head = decodeRequests([raw]).heads[0] as HttpRequestHead;
    const keep = { keepOddHeaders: true };
    expect(requestToEnviron(head, keep).getAll("HTTP_X_CARET^NAME")).toEqual(["1"]);
    expect(requestToEnviron(head, keep).getAll("HTTP_X_CARET~NAME")).toEqual(["2"]);
  });
});

describe("field values", () => {
  test.prop([fc.array(valueByte, { maxLength: 96, size: "max" }), fc.integer({ min: 0, max: 7 })])(
    "are checked as byte by byte would, wherever a bad byte falls in a long value",
    (bytes, pad) => {
      const prefix = ascii(`GET / HTTP/1.1\r\nHost: h\r\nX-Value: `);
      const value = Uint8Array.from(bytes);
      const raw = concat([prefix, value, ascii("\r\n\r\n")]);
      // The head starts at any offset of its buffer, so four-byte reads start at any alignment.
      const shifted = concat([new Uint8Array(pad), raw]).subarray(pad);
      const bad = firstBadValueByte(value);
      if (bad < 0) {
        const { heads } = decodeRequests([shifted]);
        const text = String.fromCharCode(...value).replace(/^[ \t]+|[ \t]+$/g, "");
        expect(heads[0]!.headers.get("x-value")).toBe(text);
      } else if (value[bad] !== 0x0d && value[bad] !== 0x0a) {
        // (a CR or LF there ends the line early instead: other tests own those)
        const err = errorOf(() => decodeRequests([shifted]));
        expect(err).toMatchObject({ code: E.BadHeaderValue, offset: prefix.length + bad });
      }
    },
  );

  it("takes obs-text and tabs in long values, and refuses DEL and NUL where they are", () => {
    const long = `a\t${"\u00e9".repeat(40)}b`;
    const { heads } = decodeRequests([ascii(`GET / HTTP/1.1\r\nHost: h\r\nX: ${long}\r\n\r\n`)]);
    expect(heads[0]!.headers.get("x")).toBe(long);
    for (const [bad, at] of [
      ["\u007f", 7],
      ["\u0000", 23],
      ["\u000b", 40],
    ] as const) {
      const value = `${"v".repeat(at)}${bad}${"w".repeat(30)}`;
      const raw = ascii(`GET / HTTP/1.1\r\nHost: h\r\nX: ${value}\r\n\r\n`);
      expect(errorOf(() => decodeRequests([raw]))).toMatchObject({ code: E.BadHeaderValue, offset: 28 + at });
    }
  });
});

describe("size limits", () => {
  const cases: [string, string, string, object][] = [
    [
      "a bad byte past the head limit",
      `GET / HTTP/1.1\r\nHost: h\r\nX: ${"v".repeat(60)}\u0001\r\n\r\n`,
      `${E.HeadTooLarge}@64`,
      { maxHeadSize: 64 },
    ],
    [
      "a bad byte before the head limit",
      `GET / HTTP/1.1\r\nHost: h\r\nX: v\u0001${"v".repeat(80)}\r\n\r\n`,
      `${E.BadHeaderValue}@29`,
      { maxHeadSize: 64 },
    ],
    [
      "a head exactly at the limit",
      `GET / HTTP/1.1\r\nHost: h\r\nX: ${"v".repeat(32)}\r\n\r\n`,
      "ok",
      { maxHeadSize: 64 },
    ],
    [
      "a head one byte over",
      `GET / HTTP/1.1\r\nHost: h\r\nX: ${"v".repeat(33)}\r\n\r\n`,
      `${E.HeadTooLarge}@64`,
      { maxHeadSize: 64 },
    ],
    [
      "a bad version past the line limit",
      `GET /${"p".repeat(40)} HTTP/9.9\r\n\r\n`,
      `${E.StartLineTooLong}@32`,
      { maxStartLineLength: 32 },
    ],
    [
      "a bad method before the line limit",
      `G(T /${"p".repeat(40)} HTTP/1.1\r\n\r\n`,
      `${E.BadMethod}@1`,
      { maxStartLineLength: 32 },
    ],
    [
      "a request line exactly at the limit",
      `GET /${"p".repeat(18)} HTTP/1.1\r\nHost: h\r\n\r\n`,
      "ok",
      { maxStartLineLength: 32 },
    ],
  ];
  for (const [name, text, expected, options] of cases) {
    it(`${name}: the same verdict under every split`, () => {
      const bytes = ascii(text);
      const seen = new Set<string>();
      for (const [, chunks] of everySplit(bytes)) seen.add(outcome(chunks, options));
      expect([...seen]).toEqual([expected]);
    });
  }

  test.prop([fc.string({ maxLength: 40 }), fc.integer({ min: 8, max: 48 })])(
    "any head, any limit: one verdict whatever the split",
    (junk, maxHeadSize) => {
      const bytes = ascii(
        `GET / HTTP/1.1\r\nHost: h\r\nA: ${Array.from(junk, (c) => (c.charCodeAt(0) > 0xff ? "?" : c)).join("")}\r\n\r\n`,
      );
      const verdicts = new Set([outcome([bytes], { maxHeadSize })]);
      for (const cut of [1, 5, 17, 23, bytes.length - 2])
        verdicts.add(outcome(splitAt(bytes, [cut]), { maxHeadSize }));
      verdicts.add(
        outcome(
          Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)),
          { maxHeadSize },
        ),
      );
      expect(verdicts.size).toBe(1);
    },
  );
});

describe("field names", () => {
  const headOf = (raw: string) => decodeRequests([ascii(raw)]).heads[0] as HttpRequestHead;

  it("still frame the message after a flood of other names", () => {
    const flood = Array.from({ length: 2000 }, (_, i) => `X-Flood-${i.toString(36)}: 1\r\n`).join("");
    const raw = ascii(`POST / HTTP/1.1\r\nHost: h\r\n${flood}Content-Length: 3\r\n\r\nabc`);
    const { heads, events } = decodeRequests([raw], { maxHeaders: 3000, maxHeadSize: 1 << 16 });
    expect(heads[0]).toMatchObject({ body: "length", contentLength: 3 });
    expect(events.filter((e) => e.type === "body")).toHaveLength(1);
  });

  it("join repeats however the table stands: long names, case, and a name new to the table", () => {
    const long = `X-${"l".repeat(60)}`;
    const fresh = `X-Fresh-${Date.now().toString(36)}`;
    const env = requestToEnviron(
      headOf(
        `GET / HTTP/1.1\r\nHost: h\r\n${long}: 1\r\n${fresh}: a\r\nAccept: x\r\n${long}: 2\r\nACCEPT: y\r\n${fresh}: b\r\n\r\n`,
      ),
    );
    const cgi = (name: string) => `HTTP_${name.toUpperCase().replaceAll("-", "_")}`;
    expect(env.getAll(cgi(long))).toEqual(["1, 2"]);
    expect(env.getAll(cgi(fresh))).toEqual(["a, b"]);
    expect(env.getAll("HTTP_ACCEPT")).toEqual(["x, y"]);
  });

  it("refuse a second Host at its own offset, and a response may repeat it", () => {
    const raw = "GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n";
    expect(errorOf(() => decodeRequests([ascii(raw)]))).toMatchObject({
      code: E.DuplicateHost,
      offset: raw.indexOf("HOST"),
    });
    const response = "HTTP/1.1 204 No Content\r\nHost: a\r\nHost: b\r\n\r\n";
    expect(decodeResponses([ascii(response)]).heads).toHaveLength(1);
  });

  it("keep ^ and ~ apart, and join X_A with X-A only when underscores are kept", () => {
    const head = headOf("GET / HTTP/1.1\r\nHost: h\r\nX^Y: 1\r\nX~Y: 2\r\nX-A: 3\r\nX_A: 4\r\n\r\n");
    const odd = { keepOddHeaders: true };
    expect([...requestToEnviron(head, odd)].filter(([n]) => n.startsWith("HTTP_"))).toEqual([
      ["HTTP_HOST", "h"],
      ["HTTP_X^Y", "1"],
      ["HTTP_X~Y", "2"],
      ["HTTP_X_A", "3"],
    ]);
    // (By default, as nginx's ignore_invalid_headers, names with "^" or "~" are no variables.)
    expect([...requestToEnviron(head)].filter(([n]) => n.startsWith("HTTP_"))).toEqual([
      ["HTTP_HOST", "h"],
      ["HTTP_X_A", "3"],
    ]);
    expect(requestToEnviron(head, { keepUnderscoreHeaders: true }).getAll("HTTP_X_A")).toEqual(["3, 4"]);
  });

  it("keep the well-known names whatever a decoder learns, and learn two names a set", () => {
    const table = new NameTable();
    const find = (name: Uint8Array) =>
      table.find(new DataView(name.buffer), name, 0, name.length, nameHash(name, 0, name.length));
    const learn = (name: Uint8Array) => table.learn(name, 0, name.length, nameHash(name, 0, name.length));
    const set = (name: Uint8Array) => nameHash(name, 0, name.length) >>> 26;
    const meeting: Uint8Array[] = [];
    for (let k = 0; meeting.length < 3; k++) {
      const name = ascii(`x-meets-${k}`);
      if (set(name) === set(ascii("x-meets-0"))) meeting.push(name);
    }
    const [first, second, third] = meeting as [Uint8Array, Uint8Array, Uint8Array];
    const one = learn(first);
    const two = learn(second);
    expect([find(first), find(second)]).toEqual([one, two]);
    expect(one.id).not.toBe(two.id);
    // A third name in the set displaces the oldest, and takes its id.
    const three = learn(third);
    expect([find(first), find(second), find(third)]).toEqual([undefined, two, three]);
    expect(three.id).toBe(one.id);
    // Well-known names are in no decoder's table: none can displace them.
    for (let k = 0; k < 5000; k++) learn(ascii(`x-flood-${k}`));
    expect(find(ascii("HOST"))?.cgi).toBe("HTTP_HOST");
    expect(find(ascii("user-agent"))?.cgi).toBe("HTTP_USER_AGENT");
    expect(table.misses).toBe(5003);
  });

  test.prop([
    fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/), { minLength: 1, maxLength: 20 }),
    cutsFor(400),
  ])("map to the CGI names the rules give, under any split", (names, cuts) => {
    const raw = ascii(`GET / HTTP/1.1\r\nHost: h\r\n${names.map((n, i) => `${n}: v${i}\r\n`).join("")}\r\n`);
    const { heads } = decodeRequests(splitAt(raw, cuts));
    const head = heads[0] as HttpRequestHead;
    for (let i = 0; i < names.length; i++) {
      const upper = names[i]!.toUpperCase().replaceAll("-", "_");
      const expected = upper === "CONTENT_TYPE" || upper === "CONTENT_LENGTH" ? upper : `HTTP_${upper}`;
      expect(head.headers.cgiNameAt(i + 1)).toBe(expected); // (after Host)
    }
  });
});

describe("any split", () => {
  const stream = ascii(
    "GET /a?b HTTP/1.1\r\nHost: h\r\nAccept: text/html,application/xhtml+xml\r\nCookie: k=v\r\n\r\n" +
      "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n" +
      "PUT /q HTTP/1.0\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc",
  );
  /** What a decoder reports for `chunks`: heads, trailers and ends in order, then the error if any. */
  const verdict = (chunks: Uint8Array[], options: HttpDecoderOptions) => {
    const seen: string[] = [];
    const err = errorOf(() => {
      const { events } = decodeRequests(chunks, options);
      for (const e of events) if (e.type !== "body") seen.push(JSON.stringify(e));
    });
    return err === undefined
      ? seen
      : [...seen, `${(err as ProtocolError).code}@${(err as ProtocolError).offset}`];
  };
  test.prop([
    fc.array(
      fc.tuple(fc.nat(), fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x20, 0x3a, 0x5e, 0x5f, 0x7e, 0x7f, 0xff)),
      {
        maxLength: 4,
      },
    ),
    cutsFor(stream.length),
    fc.record({ allowBareLf: fc.boolean(), maxHeadSize: fc.integer({ min: 40, max: 200 }) }),
  ])("a damaged stream gives the same events and error whole or cut anywhere", (damage, cuts, options) => {
    const bytes = stream.slice();
    for (const [at, byte] of damage) bytes[at % bytes.length] = byte;
    expect(verdict(splitAt(bytes, cuts), options)).toEqual(verdict([bytes], options));
  });
});
