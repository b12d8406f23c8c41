// The sync run against the emulator over loopback: both directions, the trailing-slash rule, replacements
// (new copy verified, then the old one removed), duplicates an interrupted replacement left, --delete and its
// guards, --dry-run (listings only), a re-sync that lists nothing within the window and hashes nothing, a
// folder removed during the sync, a file changing while it is read.
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/api/errors.js";
import { type OpenedIndex, openIndex } from "../../../src/remote-index/open.js";
import { checkTrees } from "../../../src/sync/check.js";
import { LocalSourceMissingError, parseSyncEnds, SyncRefusedError } from "../../../src/sync/ends.js";
import { buildFilter } from "../../../src/sync/filter.js";
import { FolderRemovedError } from "../../../src/sync/remote-destination.js";
import { syncTrees } from "../../../src/sync/run.js";
import { uploadFile } from "../../../src/transfer/upload.js";
import { openUploadJournal } from "../../../src/transfer/upload-journal.js";
import { useEmulator } from "../../helpers/emulator.js";
import { callsTo, clientOn, uploadOne } from "../remote-index/support.js";

const emu = useEmulator();
let root: string;
const open: OpenedIndex[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "fichier-sync-run-"));
});
afterEach(async () => {
  for (const i of open.splice(0)) {
    await i.close();
    await i.client.close();
  }
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
});

async function indexFor(): Promise<OpenedIndex & { clock: { t: number } }> {
  const { client, clock } = clientOn(emu);
  const index = await openIndex(client, { memory: true });
  open.push(index);
  return Object.assign(index, { clock });
}

/** A local tree from `{ "a/b.txt": "content" }`. */
function tree(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return dir;
}

/** The remote tree below a path as `{ path: [size...] }` (several sizes: duplicates). */
async function remoteFiles(index: OpenedIndex, path: string): Promise<Record<string, number[]>> {
  const { id } = await index.resolveFolder(path, { refresh: true });
  const t = await index.tree(id, { refresh: true });
  const out: Record<string, number[]> = {};
  for (const f of t.files) out[f.path] = [...(out[f.path] ?? []), f.size];
  return out;
}

const journal = () => openUploadJournal(emu.premium.apiKey, { dir: join(root, "state") });

describe("sync local → remote", () => {
  it("sends a tree, then a re-sync lists nothing within the window and hashes nothing", async () => {
    const src = tree("up1", { "a.txt": "alpha", "sub/b.txt": "bravo!", "sub/deep/c.txt": "charlie" });
    mkdirSync(join(src, "empty-dir"));
    const index = await indexFor();
    const ends = await parseSyncEnds(`${src}/`, "fichier:/up1");
    const first = await syncTrees(index, ends, { journal: journal() });
    expect(first.failed).toEqual([]);
    expect(first).toMatchObject({ uploaded: 3, replaced: 0, deleted: 0, createdRoot: true, bytes: 18 });
    expect(first.plan.mkdirs).toEqual(["empty-dir", "sub", "sub/deep"]);
    expect(await remoteFiles(index, "/up1")).toEqual({
      "a.txt": [5],
      "sub/b.txt": [6],
      "sub/deep/c.txt": [7],
    });

    // The uploads' verified Whirlpools were kept: nothing is read. A touched file (same bytes, new mtime) is
    // hashed once, found the same, and kept again.
    utimesSync(join(src, "a.txt"), new Date(), new Date(Date.now() - 60_000));
    const calls0 = emu.admin.stats().requests;
    const second = await syncTrees(index, ends, { journal: journal() });
    expect(second).toMatchObject({ uploaded: 0, replaced: 0, skipped: 3, hashed: 1, cachedHashes: 2 });
    const third = await syncTrees(index, ends, { journal: journal() });
    expect(third).toMatchObject({ uploaded: 0, skipped: 3, hashed: 0, cachedHashes: 3 });
    // Within the listing window the index serves every folder: no call at all.
    expect(emu.admin.stats().requests - calls0).toBe(0);
  });

  it("a destination missing from another run's fresh listing is made at once, its parent not listed again", async () => {
    const stateDir = join(root, "shared-index");
    const earlier = clientOn(emu);
    const before = await openIndex(earlier.client, { stateDir });
    await before.list(0);
    await before.close();
    await earlier.client.close();
    // The next command, seconds later: the root's entry is fresh but not its own listing.
    const { client } = clientOn(emu, { folderListIntervalMs: 30_000 });
    const index = await openIndex(client, { stateDir });
    open.push(index);
    const src = tree("up-new", { "n.txt": "new" });
    const listed = callsTo(emu, "folder/ls");
    const r = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/up-new-dest"), {});
    expect(r).toMatchObject({ uploaded: 1, createdRoot: true, failed: [] });
    expect(callsTo(emu, "folder/ls") - listed).toBe(0);
  });

  it("a destination made elsewhere after the plan took it for missing stops the run before any upload", async () => {
    const index = await indexFor();
    await index.list(0);
    // Another tool makes the folder; this run's fresh listing of the root does not show it.
    const other = clientOn(emu).client;
    await other.folders.create({ name: "raced-dest" });
    await other.close();
    const src = tree("raced", { "r.txt": "raced" });
    const uploads = callsTo(emu, "upload.cgi");
    await expect(syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/raced-dest"), {})).rejects.toThrow(
      /was made by something else while this sync started/,
    );
    expect(callsTo(emu, "upload.cgi") - uploads).toBe(0);
  });

  it("without a trailing slash the source folder is made inside the destination", async () => {
    const src = tree("photos", { "p.jpg": "pixels" });
    const index = await indexFor();
    const r = await syncTrees(index, await parseSyncEnds(src, "fichier:/up2"), {});
    expect(r.destination).toBe("/up2/photos");
    expect(await remoteFiles(index, "/up2")).toEqual({ "photos/p.jpg": [6] });
  });

  it("replaces changed files: the new copies first, then the old ones in one call; --delete removes the rest", async () => {
    const src = tree("up3", { "keep.txt": "same", "changed.txt": "new content!!", "changed2.txt": "two" });
    const index = await indexFor();
    const dst = await index.resolveFolder("/up3", { create: true });
    await uploadOne(index.client, "keep.txt", "same", dst.id);
    await uploadOne(index.client, "changed.txt", "old", dst.id);
    await uploadOne(index.client, "changed2.txt", "TWO", dst.id);
    await uploadOne(index.client, "extra.txt", "not in the source", dst.id);
    const sub = await index.ensureFolder(dst.id, "old-dir");
    await uploadOne(index.client, "x.txt", "x", sub.id);
    const ends = await parseSyncEnds(`${src}/`, "fichier:/up3");
    const removals = callsTo(emu, "file/rm");
    const r = await syncTrees(index, ends, { delete: true, journal: journal(), refresh: true });
    expect(r.failed).toEqual([]);
    expect(r).toMatchObject({ uploaded: 0, replaced: 2, deleted: 2, skipped: 1, foldersRemoved: 1 });
    // One call removes both old copies, one the deletions.
    expect(callsTo(emu, "file/rm") - removals).toBe(2);
    expect(await remoteFiles(index, "/up3")).toEqual({
      "changed.txt": [13],
      "changed2.txt": [3],
      "keep.txt": [4],
    });
  });

  it("small files of one folder share upload requests, each verified; a replacement's old copy goes after", async () => {
    const files: Record<string, string> = { "b/changed.txt": "the new bytes" };
    for (let i = 0; i < 25; i++) files[`a/${String(i).padStart(2, "0")}.txt`] = `file a ${i}`;
    for (let i = 0; i < 4; i++) files[`b/${i}.txt`] = `file b ${i}`;
    const src = tree("up10", files);
    const index = await indexFor();
    const dst = await index.resolveFolder("/up10", { create: true });
    const b = await index.ensureFolder(dst.id, "b");
    await uploadOne(index.client, "changed.txt", "the old", b.id);
    const requests = () => callsTo(emu, "upload.cgi");
    const before = requests();
    const r = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/up10"), {
      journal: journal(),
      refresh: true,
    });
    expect(r.failed).toEqual([]);
    expect(r).toMatchObject({ uploaded: 29, replaced: 1 });
    // One request for a/'s 25 files, one for b/'s 5 (the replacement among them).
    expect(requests() - before).toBe(2);
    const remote = await remoteFiles(index, "/up10");
    expect(Object.keys(remote)).toHaveLength(30);
    expect(remote["b/changed.txt"]).toEqual([13]);
    // Each file's verified Whirlpool was kept: the re-sync hashes nothing and sends nothing.
    const again = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/up10"), {});
    expect(again).toMatchObject({ uploaded: 0, skipped: 30, hashed: 0, cachedHashes: 30 });
    // batch: false is one request per file.
    const one = tree("up10-one", { "x.txt": "x", "y.txt": "y", "z.txt": "z" });
    const before2 = requests();
    await syncTrees(index, await parseSyncEnds(`${one}/`, "fichier:/up10-one"), { batch: false });
    expect(requests() - before2).toBe(3);
  });

  it("settles what an interrupted replacement left (both copies): the source's copy stays", async () => {
    const src = tree("up4", { "f.txt": "the new one" });
    const index = await indexFor();
    const dst = await index.resolveFolder("/up4", { create: true });
    await uploadOne(index.client, "f.txt", "the old", dst.id);
    index.clock.t += 1500;
    await uploadOne(index.client, "f.txt", "the new one", dst.id);
    const r = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/up4"), { refresh: true });
    expect(r).toMatchObject({ uploaded: 0, replaced: 0, settled: 1, skipped: 1 });
    expect(await remoteFiles(index, "/up4")).toEqual({ "f.txt": [11] });
  });

  it("--dry-run makes no change and no call beyond the listings", async () => {
    const src = tree("up5", { "a.txt": "a", "d/b.txt": "b" });
    const index = await indexFor();
    const dst = await index.resolveFolder("/up5", { create: true });
    await uploadOne(index.client, "gone.txt", "gone", dst.id);
    const before = emu.admin.stats().byEndpoint;
    const r = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/up5"), {
      dryRun: true,
      delete: true,
      refresh: true,
    });
    const after = emu.admin.stats().byEndpoint;
    const made = Object.keys(after).filter((k) => (after[k] ?? 0) !== (before[k] ?? 0));
    expect(
      made.every((k) => /ls\.cgi$/.test(k)),
      made.join(", "),
    ).toBe(true);
    expect(r.plan.transfers.map((t) => t.path)).toEqual(["a.txt", "d/b.txt"]);
    expect(r.plan.deletions.map((d) => d.path)).toEqual(["gone.txt"]);
    expect(r.plan.mkdirs).toEqual(["d"]);
    expect(r.uploaded).toBe(0);
    expect(await remoteFiles(index, "/up5")).toEqual({ "gone.txt": [4] });
  });

  it("the deletion guards refuse before any change: an empty source, more than --max-delete", async () => {
    const index = await indexFor();
    const dst = await index.resolveFolder("/up6", { create: true });
    for (const n of ["1", "2", "3"]) await uploadOne(index.client, `${n}.txt`, n, dst.id);
    const empty = tree("up6-empty", {});
    await expect(
      syncTrees(index, await parseSyncEnds(`${empty}/`, "fichier:/up6"), { delete: true }),
    ).rejects.toThrow(/the source has no file .*refusing to delete all 3 files/);
    const one = tree("up6-one", { "new.txt": "n" });
    const refused = syncTrees(index, await parseSyncEnds(`${one}/`, "fichier:/up6"), {
      delete: true,
      maxDelete: 2,
    });
    await expect(refused).rejects.toBeInstanceOf(SyncRefusedError);
    await expect(refused).rejects.toThrow(
      "3 files to delete, more than --max-delete 2: rerun with --max-delete 3",
    );
    expect(await remoteFiles(index, "/up6")).toEqual({ "1.txt": [1], "2.txt": [1], "3.txt": [1] });
  });

  it("filters: excluded files are neither sent nor deleted", async () => {
    const src = tree("up7", { "a.jpg": "jpg", "b.tmp": "tmp", "cache/c.jpg": "c" });
    const index = await indexFor();
    const dst = await index.resolveFolder("/up7", { create: true });
    await uploadOne(index.client, "remote.tmp", "kept", dst.id);
    const filter = buildFilter({ exclude: ["*.tmp", "cache/"] });
    const r = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/up7"), {
      filter,
      delete: true,
    });
    expect(r).toMatchObject({ uploaded: 1, deleted: 0 });
    expect(await remoteFiles(index, "/up7")).toEqual({ "a.jpg": [3], "remote.tmp": [4] });
  });

  it("a folder removed during the sync fails what was to go into it, as one item", async () => {
    const src = tree("up8", { "a/new/x.txt": "x", "a/new/y.txt": "y", "b.txt": "b" });
    const index = await indexFor();
    const dst = await index.resolveFolder("/up8", { create: true });
    const a = await index.ensureFolder(dst.id, "a");
    const other = clientOn(emu).client;
    const r = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/up8"), {
      // The website removes /up8/a once the plan is made.
      onPlanned: async () => {
        await other.folders.remove({ folderId: a.id });
      },
    });
    await other.close();
    expect(r.uploaded).toBe(1);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]?.path).toBe("/up8/a");
    expect(r.failed[0]?.error).toBeInstanceOf(FolderRemovedError);
    expect(String(r.failed[0]?.error)).toMatch(/\/up8\/a was removed during the sync .*: 2 files not sent/);
    // The next run makes it anew.
    const again = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/up8"), {});
    expect(again.failed).toEqual([]);
    expect(await remoteFiles(index, "/up8")).toEqual({
      "a/new/x.txt": [1],
      "a/new/y.txt": [1],
      "b.txt": [1],
    });
  });

  it("refuses a missing source, a file as the source, and two local ends", async () => {
    const index = await indexFor();
    await expect(
      parseSyncEnds(join(root, "nope"), "fichier:/x").then((e) => syncTrees(index, e)),
    ).rejects.toBeInstanceOf(LocalSourceMissingError);
    const file = join(tree("up9", { "f.txt": "f" }), "f.txt");
    await expect(parseSyncEnds(file, "fichier:/x").then((e) => syncTrees(index, e))).rejects.toThrow(
      /is a file/,
    );
    const a = tree("up9b", {});
    await expect(parseSyncEnds(a, a)).rejects.toThrow(/are both on this machine|same folder/);
    await expect(parseSyncEnds(`${a}/`, a)).rejects.toThrow(/same folder/);
    await expect(parseSyncEnds(`${root}/`, a)).rejects.toThrow(/inside/);
    await expect(parseSyncEnds("fichier:/a", "fichier:/a")).rejects.toThrow(/same folder/);
    await expect(parseSyncEnds("nowhere-1", "nowhere-2")).rejects.toThrow(/which one is on 1fichier/);
  });
});

describe("sync remote → local", () => {
  it("fetches a tree, replaces a changed file, deletes with --delete, and leaves working files alone", async () => {
    const index = await indexFor();
    const dst = await index.resolveFolder("/down1/sub", { create: true });
    const top = await index.resolveFolder("/down1");
    await uploadOne(index.client, "a.txt", "alpha", top.id);
    await uploadOne(index.client, "b.txt", "bravo", dst.id);
    const out = tree("down1-out", { "down1/a.txt": "ALPHA", "down1/extra.txt": "extra" });
    mkdirSync(join(out, "down1", ".fichier-partial"));
    writeFileSync(join(out, "down1", ".fichier-partial", "junk.part"), "working file");
    const ends = await parseSyncEnds("fichier:/down1", out);
    expect(ends.direction).toBe("download");
    const r = await syncTrees(index, ends, { delete: true });
    expect(r.failed).toEqual([]);
    expect(r).toMatchObject({ downloaded: 1, replaced: 1, deleted: 1 });
    expect(readFileSync(join(out, "down1", "a.txt"), "utf8")).toBe("alpha");
    expect(readFileSync(join(out, "down1", "sub", "b.txt"), "utf8")).toBe("bravo");
    expect(readdirSync(join(out, "down1")).sort()).toEqual([".fichier-partial", "a.txt", "sub"]);
    // The downloads' verified Whirlpools were kept: the check reads no local file.
    const check = await checkTrees(index, ends);
    expect(check).toMatchObject({ identical: true, same: 2, hashed: 0, cachedHashes: 2 });
  });

  it("a remote source that does not exist is not found; a remote file as the source is refused", async () => {
    const index = await indexFor();
    const out = tree("down2-out", {});
    await expect(
      parseSyncEnds("fichier:/no-such", out).then((e) => syncTrees(index, e)),
    ).rejects.toBeInstanceOf(NotFoundError);
    const f = await index.resolveFolder("/down2", { create: true });
    await uploadOne(index.client, "one.txt", "1", f.id);
    await expect(
      parseSyncEnds("fichier:/down2/one.txt", out).then((e) => syncTrees(index, e)),
    ).rejects.toThrow(/is a file/);
  });
});

describe("check", () => {
  it("reports missing files on either side and different ones; identical after a sync", async () => {
    const src = tree("chk1", {
      "same.txt": "same",
      "diff.txt": "local!",
      "size.txt": "abc",
      "only-local.txt": "l",
    });
    const index = await indexFor();
    const dst = await index.resolveFolder("/chk1", { create: true });
    await uploadOne(index.client, "same.txt", "same", dst.id);
    await uploadOne(index.client, "diff.txt", "remote", dst.id);
    await uploadOne(index.client, "size.txt", "abcdef", dst.id);
    await uploadOne(index.client, "only-remote.txt", "r", dst.id);
    const ends = await parseSyncEnds(`${src}/`, "fichier:/chk1");
    const r = await checkTrees(index, ends, { refresh: true });
    expect(r).toMatchObject({
      identical: false,
      missingOnDestination: ["only-local.txt"],
      missingOnSource: ["only-remote.txt"],
      differ: [
        { path: "diff.txt", why: "whirlpool" },
        { path: "size.txt", why: "size" },
      ],
      same: 1,
    });
    await syncTrees(index, ends, { delete: true });
    expect((await checkTrees(index, ends)).identical).toBe(true);
    expect(callsTo(emu, "file/rm")).toBeGreaterThan(0);
  });
});

describe("a local file changing while it is read", () => {
  it("is read once more, then left out and failed; its remote copy is not deleted", async () => {
    const size = 4 * 1024 * 1024;
    const src = tree("chg1", {});
    const file = join(src, "busy.bin");
    writeFileSync(file, Buffer.alloc(size, 1));
    const index = await indexFor();
    const dst = await index.resolveFolder("/chg1", { create: true });
    const other = join(tree("chg1-other", {}), "busy.bin");
    writeFileSync(other, Buffer.alloc(size, 2));
    await uploadFile(index.client, { path: other, folderId: dst.id });
    // Something keeps writing the file: its mtime moves every millisecond.
    let t = Date.now() / 1000;
    const writer = setInterval(() => utimesSync(file, ++t, t), 1);
    try {
      const r = await syncTrees(index, await parseSyncEnds(`${src}/`, "fichier:/chg1"), {
        delete: true,
        refresh: true,
      });
      expect(r.leftOut.map((l) => l.reason)).toEqual(["changed"]);
      expect(r.failed.map((f) => f.path)).toEqual(["busy.bin"]);
      expect(String(r.failed[0]?.error)).toMatch(/busy\.bin changed while it was read \(twice\)/);
    } finally {
      clearInterval(writer);
    }
    expect(await remoteFiles(index, "/chg1")).toEqual({ "busy.bin": [size] });
  });
});
