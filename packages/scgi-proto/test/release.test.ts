/** The decoder keeps no chunk alive once push returns, wherever the chunk ends (see test/support/gc). */
import { expect, it } from "vitest";
import { keptChunks } from "../../../test/support/gc.js";
import { RequestDecoder } from "../src/index.js";
import { request } from "./builder.js";

it("keeps no chunk after a push: whole request, cut in the length, in an entry, in the body", async () => {
  const wire = request(
    [
      ["CONTENT_LENGTH", "4"],
      ["SCGI", "1"],
      ["PATH_INFO", "/a"],
    ],
    "body",
  );
  const decoder = new RequestDecoder({ onHead: (head) => void head.env.get("PATH_INFO"), onBody: () => {} });
  const pushes = [wire.slice(), wire.slice(0, 1), wire.slice(1, 10), wire.slice(10, -2), wire.slice(-2)];
  expect(await keptChunks((c) => decoder.push(c), pushes)).toEqual([]);
});

it("keeps a chunk while the caller keeps an Environ made from it", async () => {
  const wire = request([
    ["CONTENT_LENGTH", "0"],
    ["SCGI", "1"],
  ]);
  const kept: unknown[] = [];
  const decoder = new RequestDecoder({ onHead: (head) => kept.push(head.env) });
  expect(await keptChunks((c) => decoder.push(c), [wire])).toEqual([0]);
});
