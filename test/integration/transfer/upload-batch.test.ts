// Small files sharing upload requests, against the emulator over loopback: calls counted by the emulator's
// admin stats, every file checked by its Whirlpool and by the folder listing (no duplicate, nothing lost).
import { appendFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { UploadLink } from "../../../src/api/types.js";
import { ByteBudget } from "../../../src/transfer/bandwidth.js";
import type { TransferClient } from "../../../src/transfer/client.js";
import { downloadFile, downloadFolder } from "../../../src/transfer/download.js";
import { UploadJournal } from "../../../src/transfer/upload-journal.js";
import { type UploadTreeOptions, uploadTree } from "../../../src/transfer/upload-tree.js";
import { whirlpoolFile } from "../../../src/transfer/whirlpool.js";
import { fakeClock } from "../../unit/api/fake-clock.js";
import { randomFile, useTransferHarness } from "./support.js";

const h = useTransferHarness();

/** Calls the emulator saw for the upload flow since `before`. */
function calls(before: Record<string, number> = {}) {
  const by = h.em.admin.stats().byEndpoint;
  const n = (k: string) => (by[k] ?? 0) - (before[k] ?? 0);
  return { servers: n("upload/get_upload_server.cgi"), posts: n("upload.cgi"), ends: n("end.pl") };
}

function snapshot(): Record<string, number> {
  return { ...h.em.admin.stats().byEndpoint };
}

/** A local folder of `sizes.length` random files named f00, f01, ... */
async function tree(name: string, sizes: number[]): Promise<string> {
  const dir = join(h.tmp, name);
  await mkdir(dir, { recursive: true });
  for (const [i, size] of sizes.entries())
    await randomFile(join(dir, `f${String(i).padStart(2, "0")}.bin`), size);
  return dir;
}

async function folderOf(path: string): Promise<number> {
  return h.client.paths.resolveFolder(path);
}

/** Every file of the remote folder matches the local one by Whirlpool, once. */
async function expectUploadedOnce(folderId: number, local: string, names: string[]): Promise<void> {
  const items = await h.client.files.list({ folderId });
  expect(items.map((i) => i.filename).sort()).toEqual([...names].sort());
  for (const n of names) {
    expect(items.find((i) => i.filename === n)?.checksum).toBe(await whirlpoolFile(join(local, n)));
  }
}

/** The client with end.pl's answer rewritten (the other calls untouched). */
function withEndLinks(rewrite: (links: UploadLink[]) => UploadLink[]): TransferClient {
  const c = h.client;
  return {
    ...c,
    upload: {
      getServer: () => c.upload.getServer(),
      send: (o) => c.upload.send(o),
      finish: async (o) => {
        const r = await c.upload.finish(o);
        return { ...r, links: rewrite(r.links) };
      },
    },
  };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `f${String(i).padStart(2, "0")}.bin`);

describe("batched uploads against the emulator", () => {
  it("a tree of mixed sizes goes up in one request for the small files and one per large file, verified, and comes back identical", async () => {
    const sizes = [
      1,
      17,
      1024,
      100 * 1024,
      ...Array.from({ length: 26 }, (_, i) => 1000 + i * 3001),
      1 << 20,
      17 << 20,
    ];
    const dir = await tree("mixed", sizes);
    const before = snapshot();
    const journal = new UploadJournal(join(h.tmp, "state-mixed"), "acc");
    const r = await uploadTree(h.client, { paths: [`${dir}/`], to: "/batch-mixed", journal });
    expect(r.failed).toEqual([]);
    expect(r.uploaded).toHaveLength(sizes.length);
    // 31 files under 16 MiB in one request, the 17 MiB file in its own.
    expect(calls(before)).toEqual({ servers: 2, posts: 2, ends: 2 });
    const folderId = await folderOf("/batch-mixed");
    await expectUploadedOnce(folderId, dir, names(sizes.length));
    for (const u of r.uploaded) expect(u.whirlpool).toBe(await whirlpoolFile(u.path));
    expect((await journal.entries()).every((e) => e.state === "done")).toBe(true);

    const back = join(h.tmp, "mixed-back");
    const down = await downloadFolder(h.client, folderId, { dir: back, contents: true });
    expect(down.failed).toEqual([]);
    for (const n of names(sizes.length)) {
      expect((await readFile(join(back, n))).equals(await readFile(join(dir, n)))).toBe(true);
    }
  });

  it("the client's observers hear each finished file of a batch once, with its folder (files-added)", async () => {
    const dir = join(h.tmp, "observed");
    await mkdir(join(dir, "sub"), { recursive: true });
    for (const n of ["a.bin", "b.bin", "sub/c.bin", "sub/d.bin", "sub/e.bin"])
      await randomFile(join(dir, n), 3000);
    const added: { folderId: number; name: string; url: string }[] = [];
    const off = h.client.observe({
      listed: () => {},
      changed: (c) => {
        if (c.type === "files-added") for (const f of c.files) added.push({ folderId: c.folderId, ...f });
      },
    });
    try {
      const r = await uploadTree(h.client, { paths: [`${dir}/`], to: "/batch-observed" });
      expect(r.failed).toEqual([]);
      const told = added.map((a) => `${a.folderId}/${a.name}/${a.url}`).sort();
      expect(told).toEqual(r.uploaded.map((u) => `${u.folderId}/${u.filename}/${u.url}`).sort());
      expect(new Set(added.map((a) => a.folderId)).size).toBe(2);
    } finally {
      off();
    }
  });

  it("end.pl's links in another order than sent still verify, each file to its own link", async () => {
    const dir = await tree("reversed", [10, 10, 10, 2000, 3000]);
    const client = withEndLinks((links) => [...links].reverse());
    const r = await uploadTree(client, { paths: [`${dir}/`], to: "/batch-reversed" });
    expect(r.failed).toEqual([]);
    for (const u of r.uploaded) {
      const info = await h.client.files.info({ url: u.url });
      expect(info.filename).toBe(u.filename);
      expect(info.checksum).toBe(await whirlpoolFile(u.path));
    }
    await expectUploadedOnce(await folderOf("/batch-reversed"), dir, names(5));
  });

  it("a link end.pl leaves out is found by the folder listing: that file is settled on its own", async () => {
    const dir = await tree("missing-link", [100, 200, 300]);
    const client = withEndLinks((links) => links.filter((l) => l.filename !== "f01.bin"));
    const before = snapshot();
    const r = await uploadTree(client, { paths: [`${dir}/`], to: "/batch-missing-link" });
    expect(r.failed).toEqual([]);
    expect(calls(before).posts).toBe(1);
    await expectUploadedOnce(await folderOf("/batch-missing-link"), dir, names(3));
  });

  it("a connection reset mid-batch: nothing was stored, the request goes again, every file once", async () => {
    const dir = await tree("reset", [3_000_000, 3_000_000, 3_000_000]);
    const before = snapshot();
    const faultsBefore = h.em.admin.stats().faults.reset ?? 0;
    h.em.admin.setFaults("reset=1");
    const r = await uploadTree(h.client, {
      paths: [`${dir}/`],
      to: "/batch-reset",
      // The node resets after the first chunk it reads: the client may have handed it the whole body by then
      // (a lost answer) or not (a failed send, tried again). Either way the batch goes again, once.
      lostAnswerTimeoutMs: 300,
      endPollMs: 50,
      onProgress: (e) => {
        if (e.type === "retry") h.em.admin.setFaults("");
      },
      onWarning: (m) => {
        if (/answer was lost/.test(m)) h.em.admin.setFaults("");
      },
    });
    h.em.admin.setFaults("");
    expect(r.failed).toEqual([]);
    expect((h.em.admin.stats().faults.reset ?? 0) - faultsBefore).toBe(1);
    expect(calls(before).posts).toBe(2);
    await expectUploadedOnce(await folderOf("/batch-reset"), dir, names(3));
  });

  it("a lost answer for a batch that never landed: end.pl and the listing say so, it is sent again, no duplicate", async () => {
    const dir = await tree("lost", [4000, 5000, 6000]);
    const journal = new UploadJournal(join(h.tmp, "state-lost-batch"), "acc");
    const warnings: string[] = [];
    h.em.admin.setFaults("lost=1");
    const r = await uploadTree(h.client, {
      paths: [`${dir}/`],
      to: "/batch-lost",
      journal,
      lostAnswerTimeoutMs: 300,
      endPollMs: 50,
      onWarning: (m) => {
        warnings.push(m);
        if (/answer was lost/.test(m)) h.em.admin.setFaults("");
      },
    });
    h.em.admin.setFaults("");
    expect(r.failed).toEqual([]);
    expect(warnings.some((w) => /^3 files: the lost upload did not land.*sending it again/.test(w))).toBe(
      true,
    );
    await expectUploadedOnce(await folderOf("/batch-lost"), dir, names(3));
    expect((await journal.entries()).filter((e) => e.state === "done")).toHaveLength(3);
  });

  it("a file that changes while its batch is sent fails alone; the others go up without it", async () => {
    const dir = await tree("changing", [50_000, 50_000, 50_000, 50_000]);
    let grown = false;
    const r = await uploadTree(h.client, {
      paths: [`${dir}/`],
      to: "/batch-changing",
      onProgress: (e) => {
        // The first file's bytes are going out: the last one, not read yet, grows.
        if (e.type === "progress" && e.file.endsWith("f00.bin") && !grown) {
          grown = true;
          appendFileSync(join(dir, "f03.bin"), "more");
        }
      },
    });
    expect(grown).toBe(true);
    expect(r.failed.map((f) => f.path)).toEqual([join(dir, "f03.bin")]);
    expect(String(r.failed[0]!.error)).toMatch(/more bytes than the declared 50000/);
    expect((r.failed[0]!.error as { hint?: string }).hint).toMatch(/changed while it was being sent/);
    await expectUploadedOnce(await folderOf("/batch-changing"), dir, names(3));
  });

  it("two files of one name and size go in different requests, each verified against its own link", async () => {
    const a = join(h.tmp, "same-a");
    const b = join(h.tmp, "same-b");
    await mkdir(a);
    await mkdir(b);
    await randomFile(join(a, "x.bin"), 777);
    await randomFile(join(a, "y.bin"), 10);
    await randomFile(join(b, "x.bin"), 777);
    await randomFile(join(b, "z.bin"), 20);
    const before = snapshot();
    const r = await uploadTree(h.client, { paths: [`${a}/`, `${b}/`], to: "/batch-same-name" });
    expect(r.failed).toEqual([]);
    expect(calls(before).posts).toBe(2);
    const items = await h.client.files.list({ folderId: await folderOf("/batch-same-name") });
    const xs = items.filter((i) => i.filename === "x.bin").map((i) => i.checksum);
    expect(xs.sort()).toEqual(
      [await whirlpoolFile(join(a, "x.bin")), await whirlpoolFile(join(b, "x.bin"))].sort(),
    );
    for (const u of r.uploaded) expect(u.whirlpool).toBe(await whirlpoolFile(u.path));
  });

  it("batch: false sends one request per file; batch.files caps a request", async () => {
    const dir = await tree("unbatched", [10, 20, 30, 40, 50]);
    let before = snapshot();
    const options: UploadTreeOptions = { paths: [`${dir}/`], to: "/batch-off", batch: false };
    expect((await uploadTree(h.client, options)).failed).toEqual([]);
    expect(calls(before)).toEqual({ servers: 5, posts: 5, ends: 5 });
    before = snapshot();
    const capped = await uploadTree(h.client, { paths: [`${dir}/`], to: "/batch-two", batch: { files: 2 } });
    expect(capped.failed).toEqual([]);
    expect(calls(before).posts).toBe(3);
  });

  it("a file another run is uploading is left out of the batch, then uploaded on its own once that run lets go", async () => {
    const dir = await tree("claimed", [100, 200, 300]);
    const folderId = (await h.client.folders.create({ name: "batch-claimed", parentId: 0 })).folderId;
    const state = join(h.tmp, "state-claimed");
    const other = new UploadJournal(state, "acc");
    const release = await other.claim({ localPath: join(dir, "f01.bin"), remoteName: "f01.bin", folderId });
    const before = snapshot();
    const warnings: string[] = [];
    const r = await uploadTree(h.client, {
      paths: [`${dir}/`],
      to: String(folderId),
      journal: new UploadJournal(state, "acc"),
      onWarning: (m) => {
        warnings.push(m);
        if (/another fichier process is uploading/.test(m)) void release();
      },
    });
    expect(r.failed).toEqual([]);
    expect(warnings.some((w) => w.startsWith("f01.bin: another fichier process"))).toBe(true);
    // f00 and f02 together, then f01 alone.
    expect(calls(before).posts).toBe(2);
    await expectUploadedOnce(folderId, dir, names(3));
  });

  it("bwlimit: one budget takes every byte of the upload bodies and of the download segments", async () => {
    const dir = await tree("bwlimit", [30_000, 40_000, 50_000]);
    const clock = fakeClock(0);
    class CountingBudget extends ByteBudget {
      taken = 0;
      override async take(bytes: number, signal?: AbortSignal): Promise<void> {
        this.taken += bytes;
        await super.take(bytes, signal);
      }
    }
    const budget = new CountingBudget(16 * 1024, clock);
    const r = await uploadTree(h.client, { paths: [`${dir}/`], to: "/batch-bwlimit", bwlimit: budget });
    expect(r.failed).toEqual([]);
    expect(budget.taken).toBe(120_000);
    // At 16 KiB/s, 120 000 bytes past a 4 KiB burst: (120 000 - 4096) / 16 384 s on the injected clock.
    expect(clock.t).toBeCloseTo(((120_000 - 4096) / 16_384) * 1000, 0);
    const down = await downloadFile(h.client, {
      url: r.uploaded[0]!.url,
      dir: join(h.tmp, "bwlimit-back"),
      bwlimit: budget,
      connections: 4,
      minSegmentBytes: 8192,
    });
    expect(down.verified).toBe(true);
    expect(budget.taken).toBe(120_000 + down.size);
    expect(budget.waits).toBe(clock.sleeps.length);
  });
});
