// Local Whirlpools kept in the index's local-hash table: a second run over an unchanged file hashes nothing
// (also from another process's index connection), a changed file is hashed again, and a file that keeps
// changing while it is read is re-read once, then refused.
import { appendFileSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryIndexStore } from "../../../src/remote-index/memory-store.js";
import { RemoteIndex } from "../../../src/remote-index/remote-index.js";
import { SqliteIndexStore } from "../../../src/remote-index/sqlite-store.js";
import { hashLocal, LocalFileChangedError } from "../../../src/sync/local-hash.js";
import { whirlpoolFile } from "../../../src/transfer/whirlpool.js";

/** An index that must never call the service: these tests only use its local-hash table. */
const noSource = {
  folders: {
    list: () => Promise.reject(new Error("no call expected")),
    create: () => Promise.reject(new Error("no call expected")),
  },
  files: { list: () => Promise.reject(new Error("no call expected")) },
};
const indexOver = (store: MemoryIndexStore | SqliteIndexStore) =>
  new RemoteIndex(store, noSource, { now: Date.now });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fichier-hash-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("hashLocal", () => {
  it("hashes once; an unchanged file is served from the table, also to another connection", async () => {
    const file = join(dir, "a.bin");
    writeFileSync(file, "some bytes to hash");
    const db = join(dir, "index.sqlite");
    const first = indexOver(SqliteIndexStore.open(db, () => {}));
    const h1 = await hashLocal(first, file);
    expect(h1).toMatchObject({ cached: false, size: 18, whirlpool: await whirlpoolFile(file) });
    expect((await hashLocal(first, file)).cached).toBe(true);
    await first.close();

    const second = indexOver(SqliteIndexStore.open(db, () => {}));
    const h2 = await hashLocal(second, file);
    expect(h2).toEqual({ ...h1, cached: true });
    // Same size, new mtime: hashed again.
    const t = statSync(file).mtime.getTime() / 1000 + 5;
    utimesSync(file, t, t);
    expect((await hashLocal(second, file)).cached).toBe(false);
    appendFileSync(file, "!");
    const h3 = await hashLocal(second, file);
    expect(h3).toMatchObject({ cached: false, size: 19 });
    expect(h3.whirlpool).not.toBe(h1.whirlpool);
    await second.close();
  });

  it("re-reads a file whose stat moved during the hash, once", async () => {
    const file = join(dir, "b.bin");
    writeFileSync(file, "before");
    const stale = statSync(file, { bigint: true });
    writeFileSync(file, "after, longer");
    const index = indexOver(new MemoryIndexStore());
    const h = await hashLocal(index, file, { stat: stale });
    expect(h).toMatchObject({ cached: false, size: 13, whirlpool: await whirlpoolFile(file) });
  });

  it("refuses a file that keeps changing while it is read", async () => {
    const file = join(dir, "c.bin");
    writeFileSync(file, Buffer.alloc(16 * 1024 * 1024, 1));
    let t = statSync(file).mtime.getTime() / 1000;
    // Something keeps writing the file: its mtime moves every millisecond.
    const writer = setInterval(() => {
      t += 1;
      utimesSync(file, t, t);
    }, 1);
    try {
      const index = indexOver(new MemoryIndexStore());
      const e = await hashLocal(index, file).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(LocalFileChangedError);
      expect((e as Error).message).toBe(`${file} changed while it was read (twice)`);
    } finally {
      clearInterval(writer);
    }
  });
});
