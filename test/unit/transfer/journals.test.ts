import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type DownloadJournal,
  journalMatches,
  parseDownloadJournal,
  readDownloadJournal,
  removeDownloadJournal,
  serializeDownloadJournal,
  writeDownloadJournal,
} from "../../../src/transfer/download-journal.js";
import {
  accountId,
  findEntries,
  stateDir,
  UploadJournal,
  type UploadJournalEntry,
} from "../../../src/transfer/upload-journal.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "fichier-journal-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const journal: DownloadJournal = {
  version: 1,
  url: "https://1fichier.com/?abcdefghij0123456789",
  filename: "a.bin",
  size: 100,
  checksum: "ab".repeat(64),
  completed: [
    { start: 50, end: 60 },
    { start: 0, end: 10 },
    { start: 10, end: 20 },
  ],
};

describe("download journal", () => {
  it("is removed with the temporary copies killed runs left beside it, and nothing else", async () => {
    const dir = await tempDir();
    const p = join(dir, "a.bin.part.json");
    await writeDownloadJournal(p, journal);
    // write-file-atomic's temporary file, as a SIGKILL between its write and its rename leaves it.
    await writeFile(join(dir, "a.bin.part.json.1159322697"), "{");
    for (const other of ["a.bin.part", "a.bin.part.json.bak", "b.bin.part.json.42", "a.bin.part.json.12x"]) {
      await writeFile(join(dir, other), "");
    }
    await removeDownloadJournal(p);
    expect((await readdir(dir)).sort()).toEqual([
      "a.bin.part",
      "a.bin.part.json.12x",
      "a.bin.part.json.bak",
      "b.bin.part.json.42",
    ]);
  });

  it("round-trips, with ranges merged", async () => {
    const p = join(await tempDir(), "a.bin.part.json");
    await writeDownloadJournal(p, journal);
    const r = await readDownloadJournal(p);
    expect(r.state).toBe("ok");
    if (r.state === "ok") {
      expect(r.journal.completed).toEqual([
        { start: 0, end: 20 },
        { start: 50, end: 60 },
      ]);
      expect(journalMatches(r.journal, { url: journal.url, size: 100, checksum: "AB".repeat(64) })).toBe(
        true,
      );
      expect(journalMatches(r.journal, { url: journal.url, size: 101, checksum: journal.checksum })).toBe(
        false,
      );
    }
  });

  it("reports corrupt journals instead of trusting them", async () => {
    const d = await tempDir();
    expect((await readDownloadJournal(join(d, "none.json"))).state).toBe("missing");
    await writeFile(join(d, "bad.json"), '{"version":1,"url":');
    expect((await readDownloadJournal(join(d, "bad.json"))).state).toBe("corrupt");
    const text = serializeDownloadJournal(journal);
    // Read back as written, with the completed ranges merged and sorted.
    expect(parseDownloadJournal(text)).toEqual({
      ...journal,
      completed: [
        { start: 0, end: 20 },
        { start: 50, end: 60 },
      ],
    });
    // a range beyond the size, a negative start, a wrong version: all refused
    expect(parseDownloadJournal(text.replace("[50,60]", "[50,160]"))).toBeUndefined();
    expect(parseDownloadJournal(text.replace("[50,60]", "[-1,60]"))).toBeUndefined();
    expect(parseDownloadJournal(text.replace('"version":1', '"version":2'))).toBeUndefined();
    expect(parseDownloadJournal("null")).toBeUndefined();
  });
});

function entry(over: Partial<UploadJournalEntry> = {}): UploadJournalEntry {
  return {
    id: "node/ABCDEFGHIJ",
    node: "node",
    uploadId: "ABCDEFGHIJ",
    localPath: "/x/a.bin",
    remoteName: "a.bin",
    folderId: 0,
    size: 10,
    mtimeMs: 1,
    whirlpool: null,
    state: "sending",
    startedAt: Date.now(),
    updatedAt: Date.now(),
    ...over,
  };
}

describe("upload journal", () => {
  it("never stores the key: the account id is a hash", () => {
    const key = "K".repeat(32);
    expect(accountId(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(accountId(key)).not.toContain("K");
    expect(accountId(key)).not.toBe(accountId(`${key}x`));
    expect(stateDir({ FICHIER_STATE_DIR: "/s" })).toBe("/s");
  });

  it("records, patches and finds entries, safely under concurrent updates", async () => {
    const d = await tempDir();
    const j = new UploadJournal(d, "acc");
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => j.put(entry({ id: `n/${i}`, localPath: `/x/${i}` }))),
    );
    expect((await j.entries()).length).toBe(10);
    await j.patch("n/3", { state: "sent", whirlpool: "f".repeat(128) });
    const found = findEntries(await j.entries(), {
      localPath: "/x/3",
      remoteName: "a.bin",
      folderId: 0,
      size: 10,
      mtimeMs: 1,
    });
    expect(found.map((e) => [e.id, e.state])).toEqual([["n/3", "sent"]]);
    expect(findEntries(await j.entries(), { ...found[0]!, mtimeMs: 2 })).toEqual([]);
    await j.remove("n/3");
    expect((await j.entries()).length).toBe(9);
    expect(await readFile(j.path, "utf8")).not.toContain("K".repeat(8));
  });

  it("drops expired entries and survives a damaged file with a warning", async () => {
    const d = await tempDir();
    const warnings: string[] = [];
    const j = new UploadJournal(d, "acc", (m) => warnings.push(m));
    await j.put(entry({ id: "old", state: "done", updatedAt: Date.now() - 2 * 24 * 3600_000 }));
    expect(await j.entries()).toEqual([]);
    await writeFile(j.path, "{not json");
    expect(await j.entries()).toEqual([]);
    expect(warnings[0]).toMatch(/damaged/);
    await j.put(entry());
    expect((await j.entries()).length).toBe(1);
  });
});
