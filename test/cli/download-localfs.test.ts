// `fichier download` against local trouble, spawned from dist/: -o naming a file, a read-only folder, a disk
// that fills up mid-download (exit 1, one line, no retries, no --proxy hint), and a folder download rerun
// that finishes instead of failing on the files already there.
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDownloadJournal } from "../../src/transfer/download-journal.js";
import { workingFilesFor } from "../../src/transfer/working-files.js";
import { useEmulator } from "../helpers/emulator.js";
import { missing } from "../helpers/system-deps.js";
import { isRoot, tmpfsMounts } from "../helpers/tmpfs.js";
import { assertBuilt, captured, errorLines, json, run, sandbox } from "./support.js";

const CANARY = "CanaryDownloadFsKey_0123456789ab";
const disks = tmpfsMounts();
const tmpfs = (dir: string, options: string) => disks.mount(dir, options);
// 1 MiB/s per connection: a 3 MiB download lasts long enough to fill the disk under it.
const em = useEmulator({ bandwidth: 1024 * 1024 });
let tmp: string;
let env: Record<string, string>;

async function upload(path: string, to = "/"): Promise<string> {
  const r = await run(["--json", "upload", path, "--to", to], { env });
  expect(r.code, r.stderr).toBe(0);
  return (json(r) as { uploaded: { url: string }[] }).uploaded[0]!.url;
}

beforeAll(async () => {
  assertBuilt();
  em.admin.createAccount({ email: "canary-dlfs@emulator.local", offer: 1, apiKey: CANARY });
  tmp = await mkdtemp(join(tmpdir(), "fichier-cli-dlfs-"));
  env = { ...sandbox(), FICHIER_API_KEY: CANARY, FICHIER_API_URL: em.apiUrl };
});
afterAll(async () => {
  disks.unmountAll();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  for (const text of captured) expect(text).not.toContain(CANARY);
});

describe("fichier download and the local disk", () => {
  it("-o naming a regular file is a usage error (exit 2)", async () => {
    const file = join(tmp, "not-a-folder");
    await writeFile(file, "x");
    const r = await run(["download", "https://1fichier.com/?abcdefghij1234567890", "-o", file], { env });
    expect(r.code).toBe(2);
    expect(errorLines(r)).toEqual([
      `fichier: -o ${file} is a file, not a folder. Give -o the folder to write into (it is created when missing).`,
    ]);
  });

  it("a read-only folder: exit 1, one line naming it and -o, no raw errno text", async ({ skip }) => {
    await writeFile(join(tmp, "small.txt"), "small file\n");
    const url = await upload(join(tmp, "small.txt"));
    const ro = join(tmp, "ro");
    await mkdir(ro);
    // Root ignores chmod: a read-only tmpfs then; else a chmod 0555 folder.
    const mountedRo = tmpfs(ro, "ro,size=1m");
    if (!mountedRo) {
      if (isRoot) {
        return skip(`${missing("tmpfs")}: root ignores chmod, and mounting failed`);
      }
      await chmod(ro, 0o555);
    }
    try {
      for (const dir of [ro, join(ro, "sub")]) {
        const r = await run(["download", url, "-o", dir], { env });
        expect(r.code, r.stderr).toBe(1);
        const lines = errorLines(r);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toBe(
          mountedRo
            ? `fichier: ${ro} is on a read-only file system. Choose a writable folder with -o.`
            : `fichier: permission denied writing ${ro}. Fix the folder's permissions or choose another folder with -o.`,
        );
      }
    } finally {
      if (!mountedRo) await chmod(ro, 0o755);
    }
  });

  it("a disk that fills up mid-download: exit 1 at once, 'disk full', no retries, .part and journal kept", async ({
    skip,
  }) => {
    const disk = join(tmp, "small-disk");
    await mkdir(disk);
    if (!tmpfs(disk, "size=4m")) {
      // A disk that fills up needs a small file system: only root can mount one here.
      return skip(missing("tmpfs"));
    }
    const src = join(tmp, "big.bin");
    await writeFile(src, Buffer.alloc(3 * 1024 * 1024 + 9, 1));
    const url = await upload(src);
    const work = workingFilesFor(join(disk, "big.bin"));
    const journal = work.journal;
    // Once the journal records some bytes, everything left on the disk goes to another file.
    let filled = false;
    const filler = (async () => {
      const until = Date.now() + 20_000;
      for (;;) {
        const j = await readDownloadJournal(journal);
        if ((j.state === "ok" && j.journal.completed.length > 0) || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      try {
        execFileSync("dd", ["if=/dev/zero", `of=${join(disk, "filler")}`, "bs=64k"], { stdio: "ignore" });
      } catch {
        // dd ends with "No space left on device": that is the point
      }
      filled = true;
    })();
    const r = await run(["download", url, "-o", disk, "--connections", "1"], { env });
    await filler;
    expect(filled).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    expect(errorLines(r)).toEqual([
      `fichier: disk full writing ${work.part}. Free some space or choose another folder with -o.`,
    ]);
    expect(r.stderr).not.toMatch(/retrying|could not write|--proxy|network/i);
    expect((await stat(work.part)).isFile()).toBe(true);
    expect((await stat(journal)).isFile()).toBe(true);

    // Space freed: the same command resumes and finishes.
    await rm(join(disk, "filler"));
    const again = await run(["--json", "download", url, "-o", disk], { env });
    expect(again.code, again.stderr).toBe(0);
    const done = json(again) as { downloaded: { resumedBytes: number }[] };
    expect(done.downloaded[0]!.resumedBytes).toBeGreaterThan(0);
    expect((await readFile(join(disk, "big.bin"))).equals(await readFile(src))).toBe(true);
  });

  it("a folder download rerun skips the files already there and exits 0", async () => {
    const tree = join(tmp, "rerun-tree");
    await mkdir(join(tree, "empty"), { recursive: true });
    await writeFile(join(tree, "one.txt"), "one\n");
    await writeFile(join(tree, "two.txt"), "two, longer\n");
    const up = await run(["upload", tree, "--to", "/rerun"], { env });
    expect(up.code, up.stderr).toBe(0);
    const out = join(tmp, "rerun-out");
    const first = await run(["download", "/rerun/rerun-tree", "-o", out], { env });
    expect(first.code, first.stderr).toBe(0);
    expect((await stat(join(out, "rerun-tree", "empty"))).isDirectory()).toBe(true);
    await rm(join(out, "rerun-tree", "two.txt"));

    const again = await run(["download", "/rerun/rerun-tree", "-o", out], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^1 downloaded, 1 skipped \(already there\), 0 failed/m);
    const third = await run(["--json", "download", "/rerun/rerun-tree", "-o", out], { env });
    expect(third.code, third.stderr).toBe(0);
    const result = json(third) as { downloaded: { filename: string; skipped?: string }[]; failed: unknown[] };
    expect(result.failed).toEqual([]);
    expect(result.downloaded.map((d) => [d.filename, d.skipped]).sort()).toEqual([
      ["one.txt", "exists"],
      ["two.txt", "exists"],
    ]);
  });
});
