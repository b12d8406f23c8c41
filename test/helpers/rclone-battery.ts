// The stock rclone battery's steps, run against whatever the rclone world routes api.1fichier.com to (the
// emulator in test/rclone, a gateway in front of it in test/gateway): mkdir, copy up, lsjson, hashsum whirlpool,
// copy down, moveto, link, delete, rmdir. `about` is left to the caller (its scope differs through a gateway).
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";

/**
 * Runs the battery in `work` (a local folder) with `rc` (rclone with the `fx:` remote; throws on a non-zero exit).
 * @example
 * await rcloneBattery((...args) => rc(...args), dir);
 */
export async function rcloneBattery(rc: (...args: string[]) => Promise<string>, work: string): Promise<void> {
  const body = Buffer.alloc(300_000, 7);
  body.write("rclone battery", 0);
  await writeFile(join(work, "a.bin"), body);
  await rc("mkdir", "fx:battery");
  await rc("copy", "a.bin", "fx:battery/");
  const listed = JSON.parse(await rc("lsjson", "fx:battery")) as { Name: string; Size: number }[];
  expect(listed.map((e) => [e.Name, e.Size])).toEqual([["a.bin", body.length]]);
  const remoteHash = (await rc("hashsum", "whirlpool", "fx:battery")).split(/\s+/)[0];
  expect(remoteHash).toMatch(/^[0-9a-f]{128}$/);
  await rc("copy", "fx:battery/a.bin", "down/");
  expect((await readFile(join(work, "down", "a.bin"))).equals(body)).toBe(true);
  await rc("moveto", "fx:battery/a.bin", "fx:battery/b.bin");
  const link = (await rc("link", "fx:battery/b.bin")).trim();
  expect(link).toMatch(/^https:\/\/1fichier\.com\/\?[a-z0-9]{20}$/);
  await rc("delete", "fx:battery");
  await rc("rmdir", "fx:battery");
  expect(JSON.parse(await rc("lsjson", "fx:"))).toEqual([]);
}
