// Local files for tests: random contents of exact sizes (written 1 MiB at a time, never held whole in memory)
// and streamed hashing, shared by the transfer, chaos and crash suites.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/**
 * Writes `size` random bytes to `path`, 1 MiB at a time.
 * @example
 * await randomFile(join(tmp, "big.bin"), 100 * 1024 * 1024);
 */
export async function randomFile(path: string, size: number): Promise<void> {
  async function* chunks() {
    for (let left = size; left > 0; left -= 1024 * 1024) yield randomBytes(Math.min(left, 1024 * 1024));
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
}

/**
 * SHA-256 of a file, streamed: an independent check beside the Whirlpool the transfer layer computes.
 * @example
 * expect(await sha256File(copy)).toBe(await sha256File(original));
 */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}
