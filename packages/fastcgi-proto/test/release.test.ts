/** The decoder keeps no chunk alive once push returns, wherever the chunk ends (see test/support/gc). */
import { Environ } from "@envwire/environ";
import { expect, it } from "vitest";
import { concat } from "../../../test/support/chunks.js";
import { keptChunks } from "../../../test/support/gc.js";
import { encodeBeginRequest, encodeParams, encodeStream, RecordType, RequestDecoder } from "../src/index.js";

it("keeps no chunk after a push: whole request, cut in the params, cut in the body", async () => {
  const env = new Environ([
    ["REQUEST_METHOD", "POST"],
    ["SCRIPT_FILENAME", "/srv/index.php"],
    ["CONTENT_LENGTH", "4"],
  ]);
  const request = (id: number) =>
    concat([
      encodeBeginRequest(id),
      encodeParams(id, env),
      ...encodeStream(RecordType.STDIN, id, new Uint8Array([0x62, 0x6f, 0x64, 0x79])),
    ]);
  const decoder = new RequestDecoder({
    onHead: (head) => void head.env.get("REQUEST_METHOD"),
    onBody: () => {},
  });
  const second = request(2);
  const pushes = [request(1), second.slice(0, 20), second.slice(20, -3), second.slice(-3)];
  expect(await keptChunks((c) => decoder.push(c), pushes)).toEqual([]);
});
