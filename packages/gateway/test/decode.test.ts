// `envwire decode` on captures made with the codecs' own encoders: each protocol's lines,
// offsets and values, guessed and forced, and the error report (code, offset, hex dump); every
// capture the same in any chunks; the input read as it arrives, no faster than the output goes.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { Environ } from "@envwire/environ";
import {
  encodeBeginRequest,
  encodeEndRequest,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  RecordType,
  Role,
} from "@envwire/fastcgi-proto";
import { encodeRequest as encodeScgi } from "@envwire/scgi-proto";
import { encodeRequest as encodeUwsgi } from "@envwire/uwsgi-proto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decodeCommand, decodeStream } from "../src/decode.js";
import type { LineSink } from "../src/line-sink.js";

const text = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

let dir = "";
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "envwire-decode-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The lines decodeCommand prints for `bytes` written to a file, and what it threw; the same
 * capture in chunks of 1, 7 and 65536 bytes must give the same lines and error.
 */
async function decode(
  bytes: Uint8Array | string,
  proto = "auto",
): Promise<{ lines: string[]; error?: Error }> {
  const capture = typeof bytes === "string" ? text(bytes) : bytes;
  const file = join(dir, `capture-${files++}.bin`);
  await writeFile(file, capture);
  const whole = await collect((out) => decodeCommand(file, proto, out));
  for (const size of [1, 7, 65536]) {
    const split = await collect((out) => decodeStream(chunks(capture, size), proto, out, capture.length));
    expect(split, `in chunks of ${size}`).toEqual(whole);
  }
  return whole;
}

async function collect(
  run: (out: (line: string) => void) => Promise<void>,
): Promise<{ lines: string[]; error?: Error }> {
  const lines: string[] = [];
  try {
    await run((line) => lines.push(line));
    return { lines };
  } catch (error) {
    return { lines, error: error as Error };
  }
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

/** Standard input, for `decodeCommand("-", …)`, is `stream` while `run` runs. */
async function withStdin<T>(stream: Readable, run: () => Promise<T>): Promise<T> {
  const stdin = vi.spyOn(process, "stdin", "get");
  stdin.mockReturnValue(stream as never);
  try {
    return await run();
  } finally {
    stdin.mockRestore();
  }
}

describe("uwsgi", () => {
  it("shows the header, each var at its offset, the Environ and the body", async () => {
    const env = new Environ([
      ["REQUEST_METHOD", "POST"],
      ["PATH_INFO", "/upload"],
      ["CONTENT_LENGTH", "5"],
    ]);
    const packet = encodeUwsgi(env);
    const { lines, error } = await decode(concat(packet, text("hello")));
    expect(error).toBeUndefined();
    // vars: 2 + 14 + 2 + 4 = 22 bytes, then 2 + 9 + 2 + 7 = 20, then 2 + 14 + 2 + 1 = 19
    expect(packet.length).toBe(4 + 22 + 20 + 19);
    expect(lines).toEqual([
      "uwsgi, 70 bytes (guessed: byte 0 is modifier1 0 and datasize 61 fits the 66 bytes after the header)",
      "@0 packet modifier1=0 datasize=61 modifier2=0",
      "  @4 REQUEST_METHOD=POST",
      "  @26 PATH_INFO=/upload",
      "  @46 CONTENT_LENGTH=5",
      "  the Environ of request 1: 3 vars; body 5 bytes (CONTENT_LENGTH)",
      '@65 body 5 bytes "hello"',
      "  request 1 ends at byte 70",
      "@70 end of input",
    ]);
  });

  it("escapes control bytes and cuts long values, so a line stays short", async () => {
    const env = new Environ([
      ["HTTP_X_BIN", new Uint8Array([0x61, 0x01, 0x5c, 0x0a, 0xe9])],
      ["HTTP_LONG", "x".repeat(300)],
    ]);
    const { lines } = await decode(encodeUwsgi(env));
    expect(lines[2]).toBe("  @4 HTTP_X_BIN=a\\x01\\\\\\x0a\u00e9");
    expect(lines[3]).toMatch(/^ {2}@23 HTTP_LONG=x+…\(300 bytes\)$/);
    expect(lines[3]!.length).toBeLessThan(200);
  });

  it("reports a key that runs past the vars block, with the hex dump around it", async () => {
    const { lines, error } = await decode(new Uint8Array([0, 3, 0, 0, 9, 0, 0x41]));
    expect(error?.message).toBe("the input is not valid uwsgi (UWSGI_KEY_OVERRUN at byte 4)");
    expect(lines.slice(1)).toEqual([
      "@0 packet modifier1=0 datasize=3 modifier2=0",
      "error UWSGI_KEY_OVERRUN at byte 4: the key runs past the end of the vars block",
      "  @0 00 03 00 00 [09] 00 41  |....[.].A|",
    ]);
  });

  it("reports a truncated body at the end of the capture", async () => {
    const packet = encodeUwsgi(new Environ([["CONTENT_LENGTH", "5"]]));
    const { lines, error } = await decode(concat(packet, text("he")));
    const end = packet.length + 2;
    expect(error?.message).toBe(`the input is not valid uwsgi (UWSGI_TRUNCATED_BODY at byte ${end})`);
    expect(lines.at(-3)).toBe(`@${packet.length} body 2 bytes "he"`);
    expect(lines.at(-2)).toMatch(new RegExp(`^error UWSGI_TRUNCATED_BODY at byte ${end}: `));
    // 16 bytes before the end, then the mark where the next byte should have been
    expect(end).toBe(25);
    expect(lines.at(-1)).toBe(
      "  @9 54 45 4e 54 5f 4c 45 4e 47 54 48 01 00 35 68 65 [end]  |TENT_LENGTH..5he[end]|",
    );
  });
});

describe("FastCGI", () => {
  it("shows what nginx sends: every record, the params at their stream's end, STDIN", async () => {
    const env = new Environ([
      ["REQUEST_METHOD", "POST"],
      ["SCRIPT_FILENAME", "/var/www/index.php"],
    ]);
    const wire = concat(
      encodeBeginRequest(1, Role.RESPONDER, true),
      encodeParams(1, env),
      ...encodeStream(RecordType.STDIN, 1, text("hel\x00o")),
      encodeStreamEnd(RecordType.STDIN, 1),
    );
    const { lines, error } = await decode(wire);
    expect(error).toBeUndefined();
    // pairs: 2 + 14 + 4 = 20 and 2 + 15 + 18 = 35 bytes, 55 padded to 56
    expect(lines).toEqual([
      "fastcgi, 112 bytes (guessed: byte 0 is version 1, byte 1 is record type 1 (BEGIN_REQUEST))",
      "direction: web server → application (the first record is BEGIN_REQUEST)",
      "@0 BEGIN_REQUEST id=1 content=8 padding=0 role=RESPONDER flags=1 (KEEP_CONN)",
      "@16 PARAMS id=1 content=55 padding=1",
      "@80 PARAMS id=1 content=0 padding=0 (end of stream)",
      "  params of request 1, its Environ: 2 vars",
      "    REQUEST_METHOD=POST",
      "    SCRIPT_FILENAME=/var/www/index.php",
      '@88 STDIN id=1 content=5 padding=3 "hel\\x00o"',
      "@104 STDIN id=1 content=0 padding=0 (end of stream)",
      "  request 1: input complete, STDIN 5 bytes",
      "@112 end of input",
    ]);
  });

  it("shows what an application answers: STDOUT's CGI head and body, END_REQUEST", async () => {
    const cgi = "Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n<h1>gone</h1>";
    const wire = concat(...encodeStream(RecordType.STDOUT, 1, text(cgi)), encodeEndRequest(1, 3));
    const { lines, error } = await decode(wire);
    expect(error).toBeUndefined();
    expect(cgi.length).toBe(63);
    expect(lines).toEqual([
      "fastcgi, 88 bytes (guessed: byte 0 is version 1, byte 1 is record type 6 (STDOUT))",
      "direction: application → web server (the first record is STDOUT)",
      '@0 STDOUT id=1 content=63 padding=1 "Status: 404 Not Found\\x0d\\x0aContent-Typ…(63 bytes)"',
      "  CGI head of request 1: status 404 Not Found",
      "    Content-Type: text/html",
      "@72 END_REQUEST id=1 content=8 padding=0 appStatus=3 protocolStatus=REQUEST_COMPLETE",
      "  request 1: response complete, CGI body 13 bytes",
      "@88 end of input",
    ]);
  });

  it("reports a bad CGI head in STDOUT at its offset in the capture, not in STDOUT", async () => {
    // The second record's content starts at 24 (16 + its header): "Bad Name" has its space at 27.
    const wire = concat(
      ...encodeStream(RecordType.STDOUT, 1, text("X-A: 1\r\n")),
      ...encodeStream(RecordType.STDOUT, 1, text("Bad Name: 2\r\n\r\n")),
      encodeEndRequest(1),
    );
    const { lines, error } = await decode(wire);
    expect(error?.message).toBe("the input is not valid fastcgi (CGI_BAD_HEADER at byte 27)");
    expect(lines.at(-2)).toMatch(/^error CGI_BAD_HEADER at byte 27: /);
    expect(lines.at(-1)).toBe(
      "  @11 3a 20 31 0d 0a 01 06 00 01 00 0f 01 00 42 61 64 [20] 4e 61 6d 65 3a 20 32 0d 0a 0d 0a 00 01 03 00 01  |: 1..........Bad[ ]Name: 2.........|",
    );
  });

  it("reports a record of the wrong version, with the hex dump around it", async () => {
    const wire = concat(encodeBeginRequest(1), encodeParams(1, new Environ([["A", "1"]])));
    wire[16] = 2;
    const { lines, error } = await decode(wire);
    expect(error?.message).toBe("the input is not valid fastcgi (FCGI_BAD_VERSION at byte 16)");
    expect(lines.slice(2)).toEqual([
      "@0 BEGIN_REQUEST id=1 content=8 padding=0 role=RESPONDER flags=0",
      "error FCGI_BAD_VERSION at byte 16: record version 2 is not 1",
      "  @0 01 01 00 01 00 08 00 00 00 01 00 00 00 00 00 00 [02] 04 00 01 00 04 04 00 01 01 41 31 00 00 00 00 01  |................[.].........A1.....|",
    ]);
  });

  it("reports a capture cut inside a record", async () => {
    const wire = concat(encodeBeginRequest(1), encodeParams(1, new Environ([["A", "1"]])));
    const { lines, error } = await decode(wire.subarray(0, 37));
    expect(error?.message).toBe("the input is not valid fastcgi (FCGI_TRUNCATED_RECORD at byte 37)");
    expect(lines.slice(3)).toEqual([
      "@16 PARAMS id=1 content=4 padding=4",
      "error FCGI_TRUNCATED_RECORD at byte 37: the stream ended inside a record",
      "  @21 04 04 00 01 01 41 31 00 00 00 00 01 04 00 01 00 [end]  |.....A1.........[end]|",
    ]);
  });
});

describe("SCGI", () => {
  it("shows the netstring, each header at its offset, and the body", async () => {
    const env = new Environ([
      ["REQUEST_METHOD", "POST"],
      ["REQUEST_URI", "/deepthought"],
      ["CONTENT_LENGTH", "27"],
    ]);
    const wire = concat(encodeScgi(env), text("What is the answer to life?"));
    const { lines, error } = await decode(wire);
    expect(error).toBeUndefined();
    expect(lines).toEqual([
      'scgi, 101 bytes (guessed: starts with "70:", a netstring length)',
      '@0 netstring length=70: headers @3..73, "," @73',
      "  @3 CONTENT_LENGTH=27",
      "  @21 SCGI=1",
      "  @28 REQUEST_METHOD=POST",
      "  @48 REQUEST_URI=/deepthought",
      "  the Environ of request 1: 4 headers; body 27 bytes (CONTENT_LENGTH)",
      '@74 body 27 bytes "What is the answer to life?"',
      "  request 1 ends at byte 101",
      "@101 end of input",
    ]);
  });

  it("reports a length with a leading zero", async () => {
    const { lines, error } = await decode("07:CONTENT_LENGTH\x000\x00,");
    expect(error?.message).toBe("the input is not valid scgi (SCGI_BAD_LENGTH at byte 1)");
    expect(lines.slice(1)).toEqual([
      "error SCGI_BAD_LENGTH at byte 1: the header block's length has a leading zero",
      "  @0 30 [37] 3a 43 4f 4e 54 45 4e 54 5f 4c 45 4e 47 54 48 00  |0[7]:CONTENT_LENGTH.|",
    ]);
  });
});

describe("HTTP", () => {
  it("shows two pipelined requests: start line, fields, framing, Environ, body", async () => {
    const wire =
      "POST /a?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello" +
      "GET /b HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    const { lines, error } = await decode(wire);
    expect(error).toBeUndefined();
    expect(lines[0]).toBe('http, 146 bytes (guessed: starts with the method token "POST")');
    const first = lines.indexOf("@0 request 1: POST /a?x=1 HTTP/1.1");
    const second = lines.indexOf("@67 request 2: GET /b HTTP/1.1");
    expect(first).toBe(1);
    expect(lines.slice(first + 1, first + 4)).toEqual([
      "  @22 Host: example.com",
      "  @41 Content-Length: 5",
      "  body: Content-Length 5, keep-alive",
    ]);
    const firstEnviron = lines.slice(first, second);
    expect(firstEnviron).toEqual(
      expect.arrayContaining(["    REQUEST_METHOD=POST", "    PATH_INFO=/a", "    QUERY_STRING=x=1"]),
    );
    expect(lines.slice(second - 2, second)).toEqual([
      '@62 body 5 bytes "hello"',
      "  request 1 ends at byte 67: body 5 bytes",
    ]);
    expect(lines.slice(second + 1, second + 4)).toEqual([
      "  @84 Host: example.com",
      "  @103 Transfer-Encoding: chunked",
      "  body: chunked, keep-alive",
    ]);
    expect(lines.slice(second)).toEqual(
      expect.arrayContaining(["    REQUEST_METHOD=GET", "    PATH_INFO=/b"]),
    );
    expect(lines.slice(-3)).toEqual([
      '@136 body 3 bytes "abc"',
      "  request 2 ends at byte 146: body 3 bytes",
      "@146 end of input",
    ]);
  });

  it("shows a response, its body read to the end of the capture", async () => {
    const { lines, error } = await decode("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>hi</h1>");
    expect(error).toBeUndefined();
    expect(lines).toEqual([
      'http, 55 bytes (guessed: starts with "HTTP/", a response)',
      "@0 response 1: HTTP/1.1 200 OK",
      "  @17 Content-Type: text/html",
      "  body: until the connection closes, connection closes after it",
      '@44 body 11 bytes "<h1>hi</h1>"',
      "  response 1 ends at byte 55: body 11 bytes",
      "@55 end of input",
    ]);
  });

  it("reports whitespace before a field's colon", async () => {
    const { lines, error } = await decode("GET / HTTP/1.1\r\nHost : example.com\r\n\r\n");
    expect(error?.message).toBe("the input is not valid http (HTTP_BAD_HEADER_NAME at byte 20)");
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^error HTTP_BAD_HEADER_NAME at byte 20: /),
      "  @4 2f 20 48 54 54 50 2f 31 2e 31 0d 0a 48 6f 73 74 [20] 3a 20 65 78 61 6d 70 6c 65 2e 63 6f 6d 0d 0a 0d  |/ HTTP/1.1..Host[ ]: example.com...|",
    ]);
  });

  it("reports a message cut short", async () => {
    const { lines, error } = await decode("GET / HTTP/1.1\r\nHost: a\r\n");
    expect(error?.message).toBe("the input is not valid http (HTTP_TRUNCATED at byte 25)");
    expect(lines.slice(-2)).toEqual([
      "error HTTP_TRUNCATED at byte 25: the stream ended inside a message",
      "  @9 50 2f 31 2e 31 0d 0a 48 6f 73 74 3a 20 61 0d 0a [end]  |P/1.1..Host: a..[end]|",
    ]);
  });
});

describe("choosing the protocol", () => {
  it("says why it cannot guess, and decodes what --proto names", async () => {
    const elf = await decode("\x7fELF");
    expect(elf.error?.message).toBe('cannot tell the protocol from "\\x7fELF": give --proto');
    expect(elf.lines).toEqual([]);

    // modifier1 0 with a datasize the capture cannot hold: not guessed, but decodable when named
    const cut = new Uint8Array([0, 200, 0, 0, 1, 0]);
    expect((await decode(cut)).error?.message).toMatch(/datasize 200 is more than the input holds/);
    const forced = await decode(cut, "uwsgi");
    expect(forced.lines[0]).toBe("uwsgi, 6 bytes (--proto uwsgi)");
    expect(forced.error?.message).toBe("the input is not valid uwsgi (UWSGI_TRUNCATED_VARS at byte 6)");
  });

  it("refuses an unknown --proto", async () => {
    await expect(decodeCommand("-", "ajp", () => {})).rejects.toThrow(TypeError);
  });

  it('reads standard input for "-"', async () => {
    const stdin = vi.spyOn(process, "stdin", "get");
    stdin.mockReturnValue(Readable.from([Buffer.from("GET / HTTP/1.0\r\n"), Buffer.from("\r\n")]) as never);
    try {
      const lines: string[] = [];
      await decodeCommand("-", "auto", (line) => lines.push(line));
      expect(lines[0]).toBe('http, 18 bytes (guessed: starts with the method token "GET")');
      expect(lines[1]).toBe("@0 request 1: GET / HTTP/1.0");
    } finally {
      stdin.mockRestore();
    }
  });
});

describe("captures larger than a read chunk", () => {
  // decode() runs each in chunks of 1, 7 and 65536 bytes too: a value, a head or a body cut
  // anywhere gives the lines the whole capture gives.
  const big = "x".repeat(20_000);
  const body = text("b".repeat(100_000));

  it("uwsgi: a large var, a large body, then another request", async () => {
    const first = encodeUwsgi(
      new Environ([
        ["HTTP_X_BIG", big],
        ["CONTENT_LENGTH", "100000"],
      ]),
    );
    const second = encodeUwsgi(new Environ([["PATH_INFO", "/next"]]));
    const { lines, error } = await decode(concat(first, body, second));
    expect(error).toBeUndefined();
    expect(lines).toContain("  @20018 CONTENT_LENGTH=100000");
    expect(lines).toContain(`@${first.length} body 100000 bytes "${"b".repeat(40)}…(100000 bytes)"`);
    expect(lines).toContain(`@${first.length + 100_000} packet modifier1=0 datasize=18 modifier2=0`);
    expect(lines).toContain(`  @${first.length + 100_004} PATH_INFO=/next`);
  });

  it("FastCGI: params over several records, a large STDIN, and an answer's large STDOUT", async () => {
    const request = await decode(
      concat(
        encodeBeginRequest(1),
        encodeParams(1, new Environ([["HTTP_X_BIG", big.repeat(4)]])), // (over 65535: two records)
        ...encodeStream(RecordType.STDIN, 1, body),
        encodeStreamEnd(RecordType.STDIN, 1),
      ),
    );
    expect(request.error).toBeUndefined();
    expect(request.lines).toContain("  request 1: input complete, STDIN 100000 bytes");
    const cgi = text(`Content-Type: text/plain\r\n\r\n${"o".repeat(100_000)}`);
    const answer = await decode(concat(...encodeStream(RecordType.STDOUT, 1, cgi), encodeEndRequest(1)));
    expect(answer.error).toBeUndefined();
    expect(answer.lines).toContain("  request 1: response complete, CGI body 100000 bytes");
  });

  it("SCGI: two requests with large bodies", async () => {
    const one = encodeScgi(
      new Environ([
        ["CONTENT_LENGTH", "100000"],
        ["HTTP_X_BIG", big],
      ]),
    );
    const { lines, error } = await decode(concat(one, body, one, body));
    expect(error).toBeUndefined();
    expect(lines).toContain(
      `@${2 * one.length + 100_000} body 100000 bytes "${"b".repeat(40)}…(100000 bytes)"`,
    );
    expect(lines.filter((line) => line.includes(" HTTP_X_BIG="))).toHaveLength(2);
  });

  it("HTTP: a large head, a large body, a chunked body with trailers, pipelined", async () => {
    const wire =
      `POST /a HTTP/1.1\r\nHost: a\r\nX-Big: ${"y".repeat(8000)}\r\nContent-Length: 100000\r\n\r\n${"b".repeat(100_000)}` +
      "\r\nPUT /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "3\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Sum: 7\r\nX-End: 1\r\n\r\n";
    const { lines, error } = await decode(wire);
    expect(error).toBeUndefined();
    expect(lines).toContain("  @8036 Content-Length: 100000");
    const second = 8062 + 100_000; // (then the CR LF before request 2)
    expect(lines).toContain(`@${second + 2} request 2: PUT /b HTTP/1.1`);
    expect(lines).toContain(`  @${second + 28} Transfer-Encoding: chunked`);
    const trailers = lines.indexOf("  trailers (2):");
    expect(lines.slice(trailers - 2, trailers + 3)).toEqual([
      `@${second + 61} body 3 bytes "abc"`,
      `@${second + 69} body 4 bytes "defg"`,
      "  trailers (2):",
      `  @${second + 78} X-Sum: 7`,
      `  @${second + 88} X-End: 1`,
    ]);
  });
});

describe("streaming", () => {
  /** A sink that is full until the test says otherwise; drained() waits for release(). */
  class HeldSink implements LineSink {
    readonly lines: string[] = [];
    full = true;
    waiting: (() => void) | undefined;
    write(line: string): boolean {
      this.lines.push(line);
      return !this.full;
    }
    drained(): Promise<void> {
      if (!this.full) return Promise.resolve();
      return new Promise((resolve) => {
        this.waiting = resolve;
      });
    }
    release(): void {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.();
    }
  }

  /** `count` pipelined requests, about 100 bytes each. */
  const pipelined = (count: number) =>
    Array.from(
      { length: count },
      (_, i) => `GET /item/${i} HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-N: ${i}\r\n\r\n`,
    ).join("");

  it("reads no further while the output is full, and prints everything once it drains", async () => {
    const capture = text(pipelined(3000)); // about 200 KiB: 13 reads of 16 KiB
    let read = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < capture.length; at += 16_384) {
        const chunk = capture.slice(at, at + 16_384);
        read += chunk.length;
        yield chunk;
      }
    }
    const sink = new HeldSink();
    const done = withStdin(Readable.from(source(), { highWaterMark: 1 }), () =>
      decodeCommand("-", "auto", sink),
    );
    for (let step = 0; step < 5; step++) {
      await vi.waitFor(() => expect(sink.waiting).toBeDefined());
      await new Promise((resolve) => setTimeout(resolve, 20)); // (time to read on, were it to)
      // The read being decoded and the one the stream holds ready, at most.
      expect(read).toBeLessThanOrEqual(3 * 16_384);
      sink.release(); // room for one more piece, then full again
    }
    const printed = sink.lines.length;
    sink.full = false;
    sink.release();
    await done;
    expect(read).toBe(capture.length);
    expect(sink.lines.length).toBeGreaterThan(printed);
    const expected: string[] = [];
    await withStdin(Readable.from([capture]), () => decodeCommand("-", "auto", (l) => expected.push(l)));
    expect(sink.lines).toEqual(expected);
    expect(sink.lines.at(-1)).toBe(`@${capture.length} end of input`);
  });

  it("prints what has arrived before the input ends", async () => {
    const stdin = new PassThrough();
    const lines: string[] = [];
    const done = withStdin(stdin, () => decodeCommand("-", "auto", (line) => lines.push(line)));
    const first = text(pipelined(2000)); // about 140 KiB: more than a read of 64 KiB
    stdin.write(first);
    await vi.waitFor(() => expect(lines).toContain("@0 request 1: GET /item/0 HTTP/1.1"));
    const ends = `  request 2000 ends at byte ${first.length}: body 0 bytes`;
    await vi.waitFor(() => expect(lines).toContain(ends));
    expect(lines.at(-1)).toBe(ends);
    stdin.end(text("GET /last HTTP/1.1\r\nHost: a\r\n\r\n"));
    await done;
    expect(lines).toContain(`@${first.length} request 2001: GET /last HTTP/1.1`);
    expect(lines.at(-1)).toBe(`@${first.length + 31} end of input`);
  });
});
