import { mkdir, readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { downloadFile } from "../../../src/transfer/download.js";
import type { TransferEvent } from "../../../src/transfer/progress.js";
import { uploadFile } from "../../../src/transfer/upload.js";
import { whirlpoolFile } from "../../../src/transfer/whirlpool.js";
import { randomFile, useTransferHarness } from "./support.js";

const h = useTransferHarness();

async function sameBytes(a: string, b: string): Promise<boolean> {
  return (
    (await whirlpoolFile(a)) === (await whirlpoolFile(b)) && (await stat(a)).size === (await stat(b)).size
  );
}

describe("upload then download, byte-identical", () => {
  for (const size of [1, 1024 * 1024 + 7, 100 * 1024 * 1024 - 3]) {
    it(`round-trips ${size} bytes`, async () => {
      const src = join(h.tmp, `src-${size}.bin`);
      await randomFile(src, size);
      const events: TransferEvent[] = [];
      const up = await uploadFile(h.client, { path: src, onProgress: (e) => events.push(e) });
      expect(up.url).toMatch(/^https:\/\/1fichier\.com\/\?[a-z0-9]{20}$/);
      expect(up.whirlpool).toBe(await whirlpoolFile(src));
      expect(events.at(-1)).toMatchObject({ type: "done", direction: "upload", size, url: up.url });
      const info = await h.client.files.info({ url: up.url });
      expect(info.checksum).toBe(up.whirlpool);

      const outDir = join(h.tmp, `out-${size}`);
      const down = await downloadFile(h.client, { url: up.url, dir: outDir, connections: 4 });
      expect(down.path).toBe(join(outDir, `src-${size}.bin`));
      expect(down.verified).toBe(true);
      expect(down.whirlpool).toBe(up.whirlpool);
      expect(down.fetchedBytes).toBe(size);
      expect(await sameBytes(src, down.path)).toBe(true);
      // No working file left behind: the working folder is gone with them.
      expect(await readdir(outDir)).toEqual([`src-${size}.bin`]);
    });
  }

  it("never overwrites an existing file without force", async () => {
    const src = join(h.tmp, "exists.txt");
    await writeFile(src, "new content");
    const up = await uploadFile(h.client, { path: src });
    const outDir = join(h.tmp, "out-exists");
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, "exists.txt"), "old");
    await expect(downloadFile(h.client, { url: up.url, dir: outDir })).rejects.toThrow(/already exists/);
    expect(await readFile(join(outDir, "exists.txt"), "utf8")).toBe("old");
    await downloadFile(h.client, { url: up.url, dir: outDir, force: true });
    expect(await readFile(join(outDir, "exists.txt"), "utf8")).toBe("new content");
  });

  it("refuses empty files before sending anything", async () => {
    const empty = join(h.tmp, "empty.txt");
    await writeFile(empty, "");
    const before = h.em.admin.stats().byEndpoint;
    await expect(uploadFile(h.client, { path: empty })).rejects.toThrow(/empty/);
    expect(h.em.admin.stats().byEndpoint).toEqual(before);
    await expect(uploadFile(h.client, { path: join(h.tmp, "nope") })).rejects.toThrow(/cannot be read/);
    // Over 300 GB (a sparse file: no disk used) and a name too long to store: refused, nothing sent.
    const huge = join(h.tmp, "huge.bin");
    await writeFile(huge, "");
    await truncate(huge, 300e9 + 1);
    await expect(uploadFile(h.client, { path: huge })).rejects.toThrow(/over 300 GB/);
    const long = join(h.tmp, `${"n".repeat(251)}`);
    await writeFile(long, "x");
    await expect(uploadFile(h.client, { path: long })).rejects.toThrow(/cannot be stored/);
    expect(h.em.admin.stats().byEndpoint).toEqual(before);
  });
});
