// Folder and share downloads: finishing a partly done folder download (identical files skipped, different
// ones refused), two remote files with one name, empty remote folders, and a share holding only sub-folders.
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { downloadFolder, downloadShare } from "../../../src/transfer/download.js";
import { DownloadRefusedError } from "../../../src/transfer/errors.js";
import type { TransferEvent } from "../../../src/transfer/progress.js";
import { uploadFile } from "../../../src/transfer/upload.js";
import { randomFile, useTransferHarness } from "./support.js";

const h = useTransferHarness();

async function newFolder(name: string, parent = 0): Promise<number> {
  return (await h.client.folders.create({ name, parentId: parent })).folderId;
}

describe("downloadFolder reruns", () => {
  it("skips files already there with the same size and Whirlpool, refuses different ones, recreates empty folders", async () => {
    const top = await newFolder("album");
    const sub = await newFolder("sub", top);
    await newFolder("empty", top);
    await newFolder("deeper-empty", await newFolder("nest", top));
    const srcDir = join(h.tmp, "album-src");
    await mkdir(srcDir);
    for (const [name, size] of [
      ["a.bin", 200_001],
      ["b.bin", 70_000],
    ] as const) {
      await randomFile(join(srcDir, name), size);
      await uploadFile(h.client, { path: join(srcDir, name), folderId: top });
    }
    await writeFile(join(srcDir, "c.txt"), "third file\n");
    await uploadFile(h.client, { path: join(srcDir, "c.txt"), folderId: sub });

    const out = join(h.tmp, "album-out");
    const first = await downloadFolder(h.client, top, { dir: out });
    expect(first.failed).toEqual([]);
    expect(first.downloaded.map((d) => d.filename).sort()).toEqual(["a.bin", "b.bin", "c.txt"]);
    expect((await stat(join(out, "album", "empty"))).isDirectory()).toBe(true);
    expect((await stat(join(out, "album", "nest", "deeper-empty"))).isDirectory()).toBe(true);

    // As if interrupted after the first file: the rerun fetches only what is missing.
    await rm(join(out, "album", "b.bin"));
    await rm(join(out, "album", "sub", "c.txt"));
    const rerun = await downloadFolder(h.client, top, { dir: out });
    expect(rerun.failed).toEqual([]);
    const skipped = rerun.downloaded.filter((d) => d.skipped === "exists").map((d) => d.filename);
    const fetched = rerun.downloaded.filter((d) => !d.skipped).map((d) => d.filename);
    expect(skipped).toEqual(["a.bin"]);
    expect(fetched.sort()).toEqual(["b.bin", "c.txt"]);
    expect(rerun.downloaded.find((d) => d.skipped)?.fetchedBytes).toBe(0);
    expect((await readFile(join(out, "album", "b.bin"))).equals(await readFile(join(srcDir, "b.bin")))).toBe(
      true,
    );

    // A different file at a path: same size (hashed, refused) and another size (refused without hashing).
    await writeFile(join(out, "album", "a.bin"), Buffer.alloc(200_001, 7));
    await writeFile(join(out, "album", "b.bin"), "short");
    const events: TransferEvent[] = [];
    const third = await downloadFolder(h.client, top, { dir: out, onProgress: (e) => events.push(e) });
    expect(third.failed.map((f) => f.file).sort()).toEqual([
      join(out, "album", "a.bin"),
      join(out, "album", "b.bin"),
    ]);
    for (const f of third.failed) {
      expect(f.error).toBeInstanceOf(DownloadRefusedError);
      expect((f.error as Error).message).toMatch(/already exists and differs/);
    }
    expect(third.downloaded.map((d) => [d.filename, d.skipped])).toEqual([["c.txt", "exists"]]);
    const verified = events.filter((e) => e.type === "verify").map((e) => e.file);
    expect(verified).toContain("a.bin");
    expect(verified).not.toContain("b.bin");
    // --force still overwrites.
    const forced = await downloadFolder(h.client, top, { dir: out, force: true });
    expect(forced.failed).toEqual([]);
    expect((await readFile(join(out, "album", "a.bin"))).equals(await readFile(join(srcDir, "a.bin")))).toBe(
      true,
    );
  });

  it("saves two remote files of one name as name.ext and name (2).ext, and skips both on a rerun", async () => {
    const top = await newFolder("dups");
    const one = join(h.tmp, "dup-one.txt");
    const two = join(h.tmp, "dup-two.txt");
    await writeFile(one, "first copy\n");
    await writeFile(two, "second, longer copy\n");
    await uploadFile(h.client, { path: one, folderId: top, name: "dup.txt" });
    await uploadFile(h.client, { path: two, folderId: top, name: "dup.txt" });
    const listed = await h.client.folders.list({ folderId: top, files: true });
    expect(listed.items?.map((i) => i.filename)).toEqual(["dup.txt", "dup.txt"]);

    const out = join(h.tmp, "dups-out");
    const warnings: string[] = [];
    const r = await downloadFolder(h.client, top, { dir: out, onWarning: (m) => warnings.push(m) });
    expect(r.failed).toEqual([]);
    expect((await readdir(join(out, "dups"))).sort()).toEqual(["dup (2).txt", "dup.txt"]);
    const contents = [
      await readFile(join(out, "dups", "dup.txt"), "utf8"),
      await readFile(join(out, "dups", "dup (2).txt"), "utf8"),
    ].sort();
    expect(contents).toEqual(["first copy\n", "second, longer copy\n"]);
    expect(warnings.some((w) => /same name; saved as dup \(2\)\.txt/.test(w))).toBe(true);

    const again = await downloadFolder(h.client, top, { dir: out });
    expect(again.failed).toEqual([]);
    expect(again.downloaded.map((d) => d.skipped)).toEqual(["exists", "exists"]);
  });
});

describe("downloadShare", () => {
  it("warns when the share lists no files (its sub-folders are not part of a public listing)", async () => {
    const top = await newFolder("only-subs");
    const sub = await newFolder("inner", top);
    await writeFile(join(h.tmp, "inner.txt"), "inside\n");
    await uploadFile(h.client, { path: join(h.tmp, "inner.txt"), folderId: sub });
    const { url } = await h.client.folders.share({ folderId: top, share: true });
    const warnings: string[] = [];
    const out = join(h.tmp, "only-subs-out");
    const r = await downloadShare(h.client, url!, { dir: out, onWarning: (m) => warnings.push(m) });
    expect(r.downloaded).toEqual([]);
    expect(r.failed).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/lists no files.*not its sub-folders/);
  });

  it("puts the share's files straight into the output folder and skips them on a rerun", async () => {
    const top = await newFolder("flat-share");
    await writeFile(join(h.tmp, "flat.txt"), "flat file\n");
    await uploadFile(h.client, { path: join(h.tmp, "flat.txt"), folderId: top });
    const { url } = await h.client.folders.share({ folderId: top, share: true });
    const out = join(h.tmp, "flat-out");
    const r = await downloadShare(h.client, url!, { dir: out });
    expect(r.failed).toEqual([]);
    expect(await readdir(out)).toEqual(["flat.txt"]);
    const again = await downloadShare(h.client, url!, { dir: out });
    expect(again.failed).toEqual([]);
    expect(again.downloaded.map((d) => d.skipped)).toEqual(["exists"]);
  });
});
