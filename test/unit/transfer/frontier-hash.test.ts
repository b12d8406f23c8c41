import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FrontierHash,
  FrontierHasher,
  ProcessFrontierHasher,
  WorkerFrontierHasher,
} from "../../../src/transfer/frontier-hash.js";
import { createWhirlpoolHasher, whirlpoolFile } from "../../../src/transfer/whirlpool.js";

let dir: string;
let file: string;
let expected: string;
const SIZE = 9 * 1024 * 1024 + 13;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fichier-frontier-"));
  file = join(dir, "data.bin");
  await writeFile(file, randomBytes(SIZE));
  expected = await whirlpoolFile(file);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Grows the frontier in uneven steps, poking the hasher each time, then asks for the digest. */
async function hashGrowing(make: (prefixEnd: () => number) => Promise<FrontierHash | undefined>) {
  let frontier = 0;
  const fh = await make(() => frontier);
  if (!fh) return undefined;
  for (const step of [1, 5 * 1024 * 1024, 3, 4 * 1024 * 1024, 777]) {
    frontier = Math.min(SIZE, frontier + step);
    fh.poke();
    await new Promise((r) => setTimeout(r, 5));
  }
  frontier = SIZE;
  return fh.finish(SIZE);
}

describe("frontier hashers give the digest of the whole file, whatever the steps", () => {
  it("in this thread", async () => {
    const fd = await open(file, "r");
    try {
      expect(await hashGrowing(async (p) => new FrontierHasher(await createWhirlpoolHasher(), fd, p))).toBe(
        expected,
      );
    } finally {
      await fd.close();
    }
  });

  it("in a worker thread", async () => {
    expect(await hashGrowing(async (p) => new WorkerFrontierHasher(file, p))).toBe(expected);
  });

  it("in a helper process with OpenSSL's legacy provider (when this Node has it)", async () => {
    const digest = await hashGrowing((p) => ProcessFrontierHasher.start(file, p));
    // undefined is right only where `node --openssl-legacy-provider` has no Whirlpool (the worker thread is
    // then used, tested above); where it has one, the helper must have hashed.
    const probe = spawnSync(process.execPath, [
      "--openssl-legacy-provider",
      "-e",
      'require("node:crypto").createHash("whirlpool")',
    ]);
    if (probe.status === 0) expect(digest).toBe(expected);
    else expect(digest).toBeUndefined();
  });

  it("refuses to finish before the prefix is complete", async () => {
    const fh = new WorkerFrontierHasher(file, () => 10);
    await expect(fh.finish(SIZE)).rejects.toThrow(/internal/);
    await fh.close();
  });
});
