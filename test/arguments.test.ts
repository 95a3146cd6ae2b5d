/**
 * A JavaScript caller's wrong argument is a TypeError at the call, naming the argument and
 * what it must be: never taken as something else, never a failure far from the mistake.
 * (Each line below was, before: an empty value, an internal TypeError or RangeError later,
 * an empty packet, characters counted as bytes, a silent no-op, a DataView crash, or a
 * ProtocolError about the bytes.)
 */
import {
  CgiResponseDecoder,
  cgiNameToHeader,
  Environ,
  encodeCgiResponseHead,
  headerToCgiName,
  latin1Encode,
  ProtocolError,
  utf8Encode,
} from "@envwire/environ";
import * as fcgi from "@envwire/fastcgi-proto";
import * as http from "@envwire/http-proto";
import * as scgi from "@envwire/scgi-proto";
import * as uwsgi from "@envwire/uwsgi-proto";
import { describe, expect, it } from "vitest";

// biome-ignore lint/suspicious/noExplicitAny: the point is what JavaScript callers may pass
const js = (x: unknown) => x as any;

describe("a wrong argument is a TypeError at the call", () => {
  it("Environ: names are strings, values strings or Uint8Arrays, init pairs or an object", () => {
    const env = new Environ();
    expect(() => env.set("CONTENT_LENGTH", js(5))).toThrow(
      /Environ\.set: a value must be a string or a Uint8Array, not number/,
    );
    expect(() => env.append("X", js(null))).toThrow(/Environ\.append: a value must be .* not null/);
    expect(() => env.append(js(7), "x")).toThrow(/Environ\.append: a name must be a string, not number/);
    expect(() => new Environ({ REQUEST_METHOD: js(1) })).toThrow(TypeError);
    expect(() => new Environ([["A", js(new ArrayBuffer(2))]])).toThrow(/not ArrayBuffer/);
    expect(() => new Environ(js("GET"))).toThrow(/new Environ: init must be/);
    expect(env.size).toBe(0);
  });

  it("decoders: a handler object at construction, Uint8Array chunks at push", () => {
    const decoders = [
      () => new uwsgi.RequestDecoder(js(undefined)),
      () => new scgi.RequestDecoder(js(undefined)),
      () => new fcgi.RequestDecoder(js(undefined)),
      () => new fcgi.ResponseDecoder(js(null)),
      () => new http.RequestDecoder(js(undefined)),
      () => new http.ResponseDecoder(js("h")),
      () => new CgiResponseDecoder(js(undefined)),
    ];
    for (const make of decoders) expect(make).toThrow(/handler must be an object of callbacks/);
    const made = [
      new uwsgi.RequestDecoder({ onHead() {} }),
      new scgi.RequestDecoder({ onHead() {} }),
      new fcgi.RequestDecoder({ onHead() {} }),
      new fcgi.ResponseDecoder({}),
      new http.RequestDecoder({ onHead() {} }),
      new http.ResponseDecoder({ onHead() {} }),
      new CgiResponseDecoder({ onHead() {} }),
    ];
    for (const decoder of made) {
      for (const chunk of [new ArrayBuffer(3), [71, 69, 84], "GET / HTTP/1.1\r\n", undefined]) {
        expect(() => decoder.push(js(chunk)), String(chunk)).toThrow(/\.push: chunk must be a Uint8Array/);
      }
      // (The decoder is not failed by it: the right argument still works.)
      expect(() => decoder.push(new Uint8Array(0))).not.toThrow();
    }
  });

  it("encoders into a caller's buffer: a Uint8Array, and an offset inside it", () => {
    const env = new Environ([["REQUEST_METHOD", "GET"]]);
    const into: [string, (out: unknown, offset: unknown) => unknown][] = [
      ["uwsgi", (out, offset) => uwsgi.encodeRequestInto(env, out as Uint8Array, offset as number)],
      ["scgi", (out, offset) => scgi.encodeRequestInto(env, out as Uint8Array, offset as number)],
      ["fastcgi", (out, offset) => fcgi.encodeParamsInto(1, env, out as Uint8Array, offset as number)],
    ];
    for (const [what, encode] of into) {
      expect(() => encode(js(new Array(64).fill(0)), 0), what).toThrow(
        /out must be a Uint8Array .*not Array/,
      );
      for (const offset of [-1, 1.5, "0", 65])
        expect(() => encode(new Uint8Array(64), js(offset)), what).toThrow(
          /offset must be an integer from 0 to out.length/,
        );
      expect(encode(new Uint8Array(64), 0), what).toBeGreaterThan(0);
    }
  });

  it("encoders: an Environ, not a plain object; bytes, not a string", () => {
    const plain = js({ REQUEST_METHOD: "GET" });
    expect(() => uwsgi.encodeRequest(plain)).toThrow(/encodeRequest: env must be an Environ/);
    expect(() => uwsgi.measureRequest(plain)).toThrow(/measureRequest: env must be an Environ/);
    expect(() => uwsgi.encodeRequestInto(plain, new Uint8Array(64), 0)).toThrow(/env must be an Environ/);
    expect(() => scgi.encodeRequest(plain)).toThrow(/encodeRequest: env must be an Environ/);
    expect(() => scgi.measureRequest(plain)).toThrow(/env must be an Environ/);
    expect(() => fcgi.encodeParams(1, plain)).toThrow(/encodeParams: env must be an Environ/);
    expect(() => uwsgi.decodeVars(js([0, 1, 0, 1]))).toThrow(
      /decodeVars: payload must be a Uint8Array .*not Array/,
    );
    expect(() => fcgi.encodeParamsInto(1, plain, new Uint8Array(64), 0)).toThrow(/env must be an Environ/);
    expect(() => fcgi.measureParams(plain)).toThrow(/measureParams: env must be an Environ/);
    expect(() => http.encodeEnvironRequest(plain)).toThrow(/env must be an Environ/);
    expect(() => fcgi.encodeStream(fcgi.RecordType.STDIN, 1, js("hello"))).toThrow(
      /encodeStream: payload must be a Uint8Array .*not string/,
    );
    expect(() => http.encodeChunk(js("hello"))).toThrow(/encodeChunk: payload must be a Uint8Array/);
    expect(() => http.encodeResponseHead({ status: js("200") })).toThrow(
      /encodeResponseHead: status must be a number, not string/,
    );
  });
});

describe("header fields: pairs or a plain object, and nothing else", () => {
  const text = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);

  it("a plain object gives the lines its pairs give, an array of values a repeated field", () => {
    const object = { "Content-Type": "text/plain", "Set-Cookie": ["a=1", "b=2"] };
    const pairs: [string, string][] = [
      ["Content-Type", "text/plain"],
      ["Set-Cookie", "a=1"],
      ["Set-Cookie", "b=2"],
    ];
    const encoders: [string, (headers: unknown) => Uint8Array][] = [
      ["request", (h) => http.encodeRequestHead({ method: "GET", target: "/", headers: js(h) })],
      ["response", (h) => http.encodeResponseHead({ status: 200, headers: js(h) })],
      ["trailers", (h) => http.encodeLastChunk(js(h))],
      ["cgi", (h) => encodeCgiResponseHead({ status: 200, headers: js(h) })],
      ["scgi", (h) => scgi.encodeResponseHead({ headers: js(h) })],
    ];
    for (const [what, encode] of encoders) {
      expect(text(encode(object)), what).toContain(
        "Content-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n",
      );
      expect(text(encode(object)), what).toBe(text(encode(pairs)));
      expect(text(encode(new Map(pairs.slice(0, 1)))), what).toBe(
        text(encode({ "Content-Type": "text/plain" })),
      );
    }
    // A field that a peer would misread is still the encoder's ProtocolError, in either form.
    expect(() => http.encodeResponseHead({ status: 200, headers: { A: "b\r\nX: y" } })).toThrow(
      ProtocolError,
    );
  });

  it("anything else is a TypeError naming the argument", () => {
    const head = (headers: unknown) => () => http.encodeResponseHead({ status: 200, headers: js(headers) });
    expect(head("A: b")).toThrow(
      /encodeResponseHead: headers must be \[name, value\] pairs or a plain object.* not string/,
    );
    expect(head(new Date())).toThrow(/headers must be .* not Date/);
    expect(head([["A", 1]])).toThrow(
      /encodeResponseHead: headers\[0\] must be a \[name, value\] pair of strings, not \[string, number\]/,
    );
    expect(head(["A: b"])).toThrow(/headers\[0\] must be a \[name, value\] pair of strings, not string/);
    expect(head({ "Content-Length": 5 })).toThrow(
      /headers\["Content-Length"\] must be a string or an array of strings, not number/,
    );
    expect(() => http.encodeLastChunk(js(42))).toThrow(/encodeLastChunk: trailers must be .* not number/);
    expect(() => encodeCgiResponseHead({ headers: js({ A: null }) })).toThrow(
      /encodeCgiResponseHead: headers\["A"\] must be a string .*not null/,
    );
  });
});

describe("every encoder's argument of the wrong type is a TypeError naming it", () => {
  const env = new Environ([["REQUEST_METHOD", "GET"]]);
  const cases: [RegExp, () => unknown][] = [
    // HTTP heads: a missing target, a string status, an init that is not an object.
    [
      /encodeRequestHead: target must be a string, not undefined/,
      () => http.encodeRequestHead(js({ method: "GET" })),
    ],
    [
      /encodeRequestHead: method must be a string, not number/,
      () => http.encodeRequestHead(js({ method: 1, target: "/" })),
    ],
    [/encodeRequestHead: init must be an object, not undefined/, () => http.encodeRequestHead(js(undefined))],
    [
      /encodeRequestHead: version must be "HTTP\/1.1" or "HTTP\/1.0", not "HTTP\/2"/,
      () => http.encodeRequestHead({ method: "GET", target: "/", version: js("HTTP/2") }),
    ],
    [
      /encodeResponseHead: reason must be a string, not number/,
      () => http.encodeResponseHead({ status: 200, reason: js(1) }),
    ],
    [/encodeCgiResponseAsHttp: head must be an object/, () => http.encodeCgiResponseAsHttp(js(null))],
    [
      /environToRequestHead: options must be an object, not string/,
      () => http.environToRequestHead(env, js("chunked")),
    ],
    [/percentEncodePath: bytes must be a Uint8Array .*not string/, () => http.percentEncodePath(js("/a b"))],
    [/percentDecode: s must be a string, not number/, () => http.percentDecode(js(5))],
    // CGI response head.
    [
      /encodeCgiResponseHead: status must be a number, not string/,
      () => encodeCgiResponseHead({ status: js("200") }),
    ],
    [
      /encodeCgiResponseHead: init must be an object, not string/,
      () => encodeCgiResponseHead(js("Status: 200")),
    ],
    // FastCGI: ids, types and lengths are numbers, flags booleans, names strings.
    [/encodeBeginRequest: requestId must be a number, not string/, () => fcgi.encodeBeginRequest(js("1"))],
    [
      /encodeBeginRequest: keepConn must be a boolean, not string/,
      () => fcgi.encodeBeginRequest(1, 1, js("false")),
    ],
    [/encodeParams: requestId must be a number, not string/, () => fcgi.encodeParams(js("1"), env)],
    [
      /encodeParamsInto: requestId must be a number/,
      () => fcgi.encodeParamsInto(js("1"), env, new Uint8Array(64), 0),
    ],
    [
      /encodeParams: options.pad must be a boolean, not string/,
      () => fcgi.encodeParams(1, env, { pad: js("no") }),
    ],
    [
      /encodeStream: requestId must be a number, not string/,
      () => fcgi.encodeStream(fcgi.RecordType.STDIN, js("1"), new Uint8Array(1)),
    ],
    [
      /encodeStream: type must be a number, not string/,
      () => fcgi.encodeStream(js("STDIN"), 1, new Uint8Array(1)),
    ],
    [
      /encodeStream: options.recordSize must be a number, not string/,
      () => fcgi.encodeStream(fcgi.RecordType.STDIN, 1, new Uint8Array(1), { recordSize: js("8") }),
    ],
    [/encodeStreamEnd: type must be a number, not undefined/, () => js(fcgi.encodeStreamEnd)()],
    [/encodeEndRequest: appStatus must be a number, not string/, () => fcgi.encodeEndRequest(1, js("0"))],
    [/encodeAbortRequest: requestId must be a number, not undefined/, () => js(fcgi.encodeAbortRequest)()],
    [
      /encodeRecordHeader: contentLength must be a number, not string/,
      () => fcgi.encodeRecordHeader(1, 1, js("8")),
    ],
    [/encodeUnknownType: type must be a number, not string/, () => fcgi.encodeUnknownType(js("7"))],
    [/encodeGetValues: names must be an object, not string/, () => fcgi.encodeGetValues("FCGI_MAX_CONNS")],
    [/encodeGetValues: each of names must be a string, not number/, () => fcgi.encodeGetValues(js([1]))],
    [
      /encodeGetValuesResult: values must be an object, not string/,
      () => fcgi.encodeGetValuesResult(js("x")),
    ],
    [/paddingFor: length must be a number, not string/, () => fcgi.paddingFor(js("5"))],
    // uwsgi: modifiers and sizes are numbers.
    [
      /encodeRequest: modifiers.modifier1 must be a number, not string/,
      () => uwsgi.encodeRequest(env, { modifier1: js("5") }),
    ],
    [
      /encodeRequestInto: modifiers.modifier2 must be a number/,
      () => uwsgi.encodeRequestInto(env, new Uint8Array(64), 0, { modifier2: js("1") }),
    ],
    [/encodeRequest: modifiers must be an object, not number/, () => uwsgi.encodeRequest(env, js(5))],
    [/encodePacketHeader: datasize must be a number, not string/, () => uwsgi.encodePacketHeader(0, js("5"))],
    [
      /encodePacketHeader: modifier1 must be a number, not string/,
      () => uwsgi.encodePacketHeader(js("0"), 5),
    ],
    // Names and text.
    [/latin1Encode: s must be a string, not number/, () => latin1Encode(js(5))],
    [/utf8Encode: s must be a string, not number/, () => utf8Encode(js(5))],
    [/headerToCgiName: field must be a string, not number/, () => headerToCgiName(js(5))],
    [/cgiNameToHeader: name must be a string, not undefined/, () => cgiNameToHeader(js(undefined))],
  ];
  it.each(cases)("%s", (message, call) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  it("a number out of the protocol's range is still the encoder's ProtocolError", () => {
    expect(() => fcgi.encodeBeginRequest(70_000)).toThrow(ProtocolError);
    expect(() => uwsgi.encodeRequest(env, { modifier1: 256 })).toThrow(ProtocolError);
    expect(() => http.encodeResponseHead({ status: 1000 })).toThrow(ProtocolError);
  });
});
