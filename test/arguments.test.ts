/**
 * A JavaScript caller's wrong argument is a TypeError at the call, naming the argument and
 * what it must be: never taken as something else, never a failure far from the mistake.
 * (Each line below was, before: an empty value, an internal TypeError or RangeError later,
 * an empty packet, characters counted as bytes, a silent no-op, a DataView crash, or a
 * ProtocolError about the bytes.)
 */
import { CgiResponseDecoder, Environ } from "@envwire/environ";
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
