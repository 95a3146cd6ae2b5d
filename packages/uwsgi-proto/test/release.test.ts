/** The decoder keeps no chunk alive once push returns, wherever the chunk ends (see test/support/gc). */
import { Environ } from "@envwire/environ";
import { expect, it } from "vitest";
import { keptChunks } from "../../../test/support/gc.js";
import { encodeRequest, RequestDecoder } from "../src/index.js";

it("keeps no chunk after a push: whole packet, cut in the vars, cut in the body", async () => {
  const packet = encodeRequest(
    new Environ([
      ["REQUEST_METHOD", "POST"],
      ["PATH_INFO", "/a"],
      ["CONTENT_LENGTH", "4"],
    ]),
  );
  const wire = new Uint8Array(packet.length + 4);
  wire.set(packet);
  wire.set([0x62, 0x6f, 0x64, 0x79], packet.length); // "body"
  const decoder = new RequestDecoder({ onHead: (head) => void head.env.get("PATH_INFO"), onBody: () => {} });
  const pushes = [wire.slice(), wire.slice(0, 10), wire.slice(10, -2), wire.slice(-2)];
  expect(await keptChunks((c) => decoder.push(c), pushes)).toEqual([]);
});
