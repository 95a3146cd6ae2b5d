/**
 * A chunked upload held until its length is known, as nginx does before it sends a body to
 * a CGI upstream (uwsgi, FastCGI and SCGI announce CONTENT_LENGTH first): in memory up to a
 * limit, then in a temporary file (unlinked at once: it lives as long as its descriptor).
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatusError } from "./front.js";

export interface Spooled {
  readonly length: number;
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Lets go of the temporary file, if the body is not going to be read. */
  dispose(): Promise<void>;
}

/** Reads `body` whole: over `maxBody` bytes it is a 413. */
export async function spool(
  body: AsyncIterable<Uint8Array>,
  maxBody: number,
  inMemory: number,
): Promise<Spooled> {
  const held: Uint8Array[] = [];
  let length = 0;
  let file: Awaited<ReturnType<typeof open>> | undefined;
  try {
    for await (const chunk of body) {
      length += chunk.length;
      if (length > maxBody) throw new StatusError(413, `the body is over ${maxBody} bytes`, "BODY_TOO_LARGE");
      if (file === undefined && length <= inMemory) {
        held.push(chunk);
        continue;
      }
      if (file === undefined) {
        const dir = await mkdtemp(join(tmpdir(), "envwire-body-"));
        file = await open(join(dir, "body"), "w+");
        await rm(dir, { recursive: true }); // (the open file stays readable)
        for (const part of held.splice(0)) await file.write(part);
      }
      await file.write(chunk);
    }
  } catch (error) {
    await file?.close();
    throw error;
  }
  if (file === undefined) return { length, chunks: fromMemory(held), dispose: async () => {} };
  const opened = file;
  return {
    length,
    chunks: opened.createReadStream({ start: 0, highWaterMark: 64 * 1024 }),
    dispose: () => opened.close().catch(() => {}),
  };
}

async function* fromMemory(chunks: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}
