/**
 * A decoder keeps no chunk alive once push returns (heads and Environs hold their own views,
 * for as long as the caller keeps them): checked with a full garbage collection.
 */
import { describe, expect, it } from "vitest";
import { ascii } from "../../../test/support/chunks.js";
import { keptChunks, outlives } from "../../../test/support/gc.js";
import { RequestDecoder, ResponseDecoder, requestToEnviron } from "../src/index.js";

describe("chunk release", () => {
  it("keeps no chunk after a push, wherever the chunk ends", async () => {
    const request = "POST /a?b=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nAccept: */*\r\n\r\nbody";
    const decoder = new RequestDecoder({
      onHead: (head) => void requestToEnviron(head).get("PATH_INFO"),
      onBody: () => {},
    });
    // A whole request; then one cut in its head (the rest gathered into the decoder's own
    // buffer); then one cut in its body.
    const pushes = [
      request,
      request.slice(0, 30),
      request.slice(30) + request.slice(0, -2),
      request.slice(-2),
    ];
    expect(await keptChunks((c) => decoder.push(c), pushes.map(ascii))).toEqual([]);

    const responses = new ResponseDecoder({ onHead: () => {}, onBody: () => {} });
    const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\nX-T: 1\r\n";
    expect(await keptChunks((c) => responses.push(c), [ascii(chunked)])).toEqual([]);
  });

  it("keeps no chunk after a push whose heads shared the chunk's text", async () => {
    const decoder = new RequestDecoder({ onHead: (head) => void requestToEnviron(head).get("HTTP_HOST") });
    const pipelined = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    expect(await keptChunks((c) => decoder.push(c), [ascii(pipelined), ascii(pipelined)])).toEqual([]);
  });

  it("keeps a chunk while the caller keeps a head or an Environ made from it", async () => {
    let kept: unknown;
    const decoder = new RequestDecoder({ onHead: (head) => (kept = requestToEnviron(head)) });
    expect(
      await outlives(
        (c) => decoder.push(c),
        () => ascii("GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
      ),
    ).toBe(true);
    expect(kept).toBeDefined();
  });
});
