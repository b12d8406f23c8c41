import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AbortedError } from "../../../src/api/errors.js";
import { downloadFolder, downloadShare } from "../../../src/transfer/download.js";
import { ChecksumMismatchError } from "../../../src/transfer/errors.js";
import type { TransferEvent } from "../../../src/transfer/progress.js";
import { uploadFile } from "../../../src/transfer/upload.js";
import { UploadJournal } from "../../../src/transfer/upload-journal.js";
import { uploadTree } from "../../../src/transfer/upload-tree.js";
import { randomFile, useTransferHarness } from "./support.js";

const h = useTransferHarness();

async function countNamed(folderId: number, name: string): Promise<number> {
  return (await h.client.files.list({ folderId })).filter((f) => f.filename === name).length;
}

async function newFolder(name: string): Promise<number> {
  return (await h.client.folders.create({ name, parentId: 0 })).folderId;
}

describe("uploadFile against the emulator", () => {
  it("polls end.pl through HTML answers until JSON arrives", async () => {
    const src = join(h.tmp, "endhtml.bin");
    await randomFile(src, 300_000);
    const before = h.em.admin.stats().byEndpoint["end.pl"] ?? 0;
    h.em.admin.setFaults("endhtml=1");
    const up = await uploadFile(h.client, {
      path: src,
      endPollMs: 50,
      onProgress: (e) => {
        // end.pl answers HTML for a while, then the fault is lifted: the upload must then complete.
        if (e.type === "verify") setTimeout(() => h.em.admin.setFaults(""), 400);
      },
    });
    const polls = (h.em.admin.stats().byEndpoint["end.pl"] ?? 0) - before;
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(h.em.admin.stats().faults.endhtml).toBeGreaterThanOrEqual(2);
    expect((await h.client.files.info({ url: up.url })).checksum).toBe(up.whirlpool);
  });

  it("after a lost end.pl answer, a rerun finds the upload in the journal: no duplicate", async () => {
    const folderId = await newFolder("lost-answer");
    const journal = new UploadJournal(join(h.tmp, "state-lost"), "acc");
    const src = join(h.tmp, "lost.bin");
    await randomFile(src, 2_000_000);
    const ac = new AbortController();
    // The process "dies" right after upload.cgi accepted the body, before end.pl is asked.
    await expect(
      uploadFile(h.client, {
        path: src,
        folderId,
        journal,
        signal: ac.signal,
        onProgress: (e) => {
          if (e.type === "verify") ac.abort();
        },
      }),
    ).rejects.toBeInstanceOf(AbortedError);
    const [entry] = await journal.entries();
    expect(entry).toMatchObject({ state: "sent", size: 2_000_000, folderId });
    expect(await countNamed(folderId, "lost.bin")).toBe(1);

    const uploadsBefore = h.em.admin.stats().byEndpoint["upload.cgi"] ?? 0;
    const events: TransferEvent[] = [];
    const again = await uploadFile(h.client, {
      path: src,
      folderId,
      journal,
      onProgress: (e) => events.push(e),
    });
    expect(again.skipped).toBe("journal");
    expect(again.whirlpool).toBe(entry!.whirlpool);
    expect(h.em.admin.stats().byEndpoint["upload.cgi"] ?? 0).toBe(uploadsBefore);
    expect(await countNamed(folderId, "lost.bin")).toBe(1);
    expect((await journal.entries())[0]).toMatchObject({ state: "done", url: again.url });
  });

  it("when end.pl cannot tell (expired result), one listing matches name, size and Whirlpool", async () => {
    const folderId = await newFolder("listing-match");
    const journal = new UploadJournal(join(h.tmp, "state-listing"), "acc");
    const src = join(h.tmp, "listed.bin");
    await randomFile(src, 500_000);
    const ac = new AbortController();
    await expect(
      uploadFile(h.client, {
        path: src,
        folderId,
        journal,
        signal: ac.signal,
        onProgress: (e) => e.type === "verify" && ac.abort(),
      }),
    ).rejects.toBeInstanceOf(AbortedError);
    // end.pl keeps results for 2 hours (DECISIONS.md): past that, only the listing can answer.
    h.em.admin.advanceClock(3 * 3600_000);
    const lsBefore = h.em.admin.stats().byEndpoint["file/ls.cgi"] ?? 0;
    const again = await uploadFile(h.client, { path: src, folderId, journal });
    expect(again.skipped).toBe("journal");
    expect((h.em.admin.stats().byEndpoint["file/ls.cgi"] ?? 0) - lsBefore).toBe(1);
    expect(await countNamed(folderId, "listed.bin")).toBe(1);
  });

  it("a file finished by an earlier run is checked with one file/info call, and sent again if deleted", async () => {
    const folderId = await newFolder("done-entry");
    const journal = new UploadJournal(join(h.tmp, "state-done"), "acc");
    const src = join(h.tmp, "done.bin");
    await randomFile(src, 70_000);
    const first = await uploadFile(h.client, { path: src, folderId, journal });
    const stats = () => h.em.admin.stats().byEndpoint;
    const before = {
      ls: stats()["file/ls.cgi"] ?? 0,
      info: stats()["file/info.cgi"] ?? 0,
      up: stats()["upload.cgi"] ?? 0,
    };
    const again = await uploadFile(h.client, { path: src, folderId, journal });
    expect(again).toMatchObject({ skipped: "journal", url: first.url });
    expect((stats()["file/ls.cgi"] ?? 0) - before.ls).toBe(0);
    expect((stats()["file/info.cgi"] ?? 0) - before.info).toBe(1);
    expect(stats()["upload.cgi"] ?? 0).toBe(before.up);
    await h.client.files.remove([first.url]);
    const third = await uploadFile(h.client, { path: src, folderId, journal });
    expect(third.skipped).toBeUndefined();
    expect(third.url).not.toBe(first.url);
    expect(await countNamed(folderId, "done.bin")).toBe(1);
  });

  it("--skip-existing skips a file already there (same name, size, Whirlpool), not a different one", async () => {
    const folderId = await newFolder("skip-existing");
    const src = join(h.tmp, "skip.bin");
    await randomFile(src, 100_000);
    await uploadFile(h.client, { path: src, folderId });
    const skipped = await uploadFile(h.client, { path: src, folderId, skipExisting: true });
    expect(skipped.skipped).toBe("exists");
    expect(await countNamed(folderId, "skip.bin")).toBe(1);
    await randomFile(src, 100_000); // same name and size, other bytes
    const sent = await uploadFile(h.client, { path: src, folderId, skipExisting: true });
    expect(sent.skipped).toBeUndefined();
    expect(await countNamed(folderId, "skip.bin")).toBe(2);
  });

  it("reports a Whirlpool mismatch naming the bad remote copy", async () => {
    const src = join(h.tmp, "mismatch.bin");
    await randomFile(src, 10_000);
    // The real client, with end.pl's checksum altered on the way in (as a corrupted upload would show).
    const tampered = {
      ...h.client,
      upload: {
        ...h.client.upload,
        finish: async (o: Parameters<typeof h.client.upload.finish>[0]) => {
          const r = await h.client.upload.finish(o);
          return { ...r, links: r.links.map((l) => ({ ...l, whirlpool: "0".repeat(128) })) };
        },
      },
    };
    const err = await uploadFile(tampered, { path: src }).catch((e) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect(err.remoteUrl).toMatch(/^https:\/\/1fichier\.com\/\?/);
    expect(err.message).toContain(err.remoteUrl);
  });
});

describe("uploadTree", () => {
  it("uploads a directory tree into matching remote folders, skipping the empty file with a warning", async () => {
    const root = join(h.tmp, "tree");
    await mkdir(join(root, "sub", "deeper"), { recursive: true });
    await mkdir(join(root, "emptydir"), { recursive: true });
    await writeFile(join(root, "a.txt"), "alpha");
    await writeFile(join(root, "sub", "b.txt"), "bravo!");
    await randomFile(join(root, "sub", "deeper", "c.bin"), 3_000_001);
    await writeFile(join(root, "sub", "empty.txt"), "");
    const dest = await newFolder("tree-dest");
    const warnings: string[] = [];
    const result = await uploadTree(h.client, {
      paths: [root],
      to: String(dest),
      parallel: 2,
      onWarning: (m) => warnings.push(m),
    });
    // Inside a tree an empty file is skipped, not failed: a cron job over this tree can end green.
    expect(result.failed).toEqual([]);
    expect(result.skipped).toEqual([{ path: join(root, "sub", "empty.txt"), reason: "empty" }]);
    expect(warnings).toEqual([
      `${join(root, "sub", "empty.txt")} is empty: 1fichier drops empty files; skipped`,
    ]);
    expect(result.uploaded.map((u) => u.filename).sort()).toEqual(["a.txt", "b.txt", "c.bin"]);

    const top = await h.client.folders.list({ folderId: dest });
    const treeFolder = top.subFolders.find((s) => s.name === "tree");
    expect(treeFolder).toBeDefined();
    const inTree = await h.client.folders.list({ folderId: treeFolder!.id, files: true });
    expect(inTree.subFolders.map((s) => s.name).sort()).toEqual(["emptydir", "sub"]);

    // And back: the folder download recreates the tree byte for byte.
    const out = join(h.tmp, "tree-out");
    const down = await downloadFolder(h.client, treeFolder!.id, { dir: out });
    expect(down.failed).toEqual([]);
    expect(await readFile(join(out, "tree", "a.txt"), "utf8")).toBe("alpha");
    expect(await readFile(join(out, "tree", "sub", "b.txt"), "utf8")).toBe("bravo!");
    const copy = await readFile(join(out, "tree", "sub", "deeper", "c.bin"));
    // Buffer.equals: vitest's deep equality walks a 3 MB buffer byte by byte for seconds.
    expect(copy.equals(await readFile(join(root, "sub", "deeper", "c.bin")))).toBe(true);

    // A rerun with the journal of the first run would skip; without it and with --skip-existing, too.
    const rerun = await uploadTree(h.client, { paths: [root], to: String(dest), skipExisting: true });
    expect(rerun.uploaded.every((u) => u.skipped === "exists")).toBe(true);
  });
});

describe("downloadShare", () => {
  it("downloads every file of a public share, verified", async () => {
    const folderId = await newFolder("shared-out");
    const src = join(h.tmp, "shared.bin");
    await randomFile(src, 123_457);
    await uploadFile(h.client, { path: src, folderId });
    const { url } = await h.client.folders.share({ folderId, share: true });
    expect(url).toMatch(/\/dir\//);
    const out = join(h.tmp, "share-out");
    const r = await downloadShare(h.client, url!, { dir: out });
    expect(r.failed).toEqual([]);
    expect(r.downloaded.map((d) => [d.filename, d.verified])).toEqual([["shared.bin", true]]);
    expect((await readFile(join(out, "shared.bin"))).equals(await readFile(src))).toBe(true);
  });
});
