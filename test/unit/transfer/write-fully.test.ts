// A download's writes are whole or fail (issue 14 §4): a disk filling up stores what fits and says how much
// (a short write, no error). Counted as whole, it left a hole taken for data, and the download ended in a
// checksum mismatch that deleted the .part, instead of "disk full" keeping it.
import { execFileSync } from "node:child_process";
import type { FileHandle } from "node:fs/promises";
import { mkdir, mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFully } from "../../../src/transfer/download-segment.js";
import { missing } from "../../helpers/system-deps.js";
import { tmpfsMounts } from "../../helpers/tmpfs.js";

const disks = tmpfsMounts();
afterAll(() => disks.unmountAll());

/** A file handle whose writes store at most `step` bytes each, into `data` (what a filling disk does). */
function shortWriter(data: Buffer, step: number): FileHandle {
  return {
    async writev(buffers: Buffer[], position: number) {
      const all = Buffer.concat(buffers);
      const n = Math.min(step, all.length);
      all.copy(data, position, 0, n);
      return { bytesWritten: n, buffers };
    },
  } as unknown as FileHandle;
}

describe("writeFully", () => {
  it("writes the rest after short writes, across buffer boundaries, at the right offsets", async () => {
    const data = Buffer.alloc(40);
    const parts = [Buffer.from("abcdefg"), Buffer.from("hij"), Buffer.from("klmnopqrstu")];
    await writeFully(shortWriter(data, 4), parts, 21, 10);
    expect(data.subarray(10, 31).toString()).toBe("abcdefghijklmnopqrstu");
    expect(data.subarray(0, 10).equals(Buffer.alloc(10))).toBe(true);
  });

  it("fails with the disk's own error on a real file system that fills up, after storing what fits", async ({
    skip,
  }) => {
    const dir = await mkdtemp(join(tmpdir(), "fichier-short-write-"));
    try {
      const disk = join(dir, "disk");
      await mkdir(disk);
      if (!disks.mount(disk, "size=1m")) return skip(missing("tmpfs"));
      const fd = await open(join(disk, "a.part"), "w+");
      try {
        await fd.truncate(2 * 1024 * 1024);
        // 960 KiB of the 1 MiB go to another file: 64 KiB are left.
        execFileSync("dd", ["if=/dev/zero", `of=${join(disk, "filler")}`, "bs=4k", "count=240"], {
          stdio: "ignore",
        });
        const batch = [Buffer.alloc(512 * 1024, 1), Buffer.alloc(512 * 1024, 2)];
        // A single writev stores 64 KiB and returns without an error: that must not pass for 1 MiB.
        await expect(writeFully(fd, batch, 1024 * 1024, 0)).rejects.toMatchObject({ code: "ENOSPC" });
      } finally {
        await fd.close();
      }
      const stored = await readFile(join(disk, "a.part"));
      expect(stored.subarray(0, 64 * 1024).equals(Buffer.alloc(64 * 1024, 1))).toBe(true);
    } finally {
      disks.unmountAll();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
