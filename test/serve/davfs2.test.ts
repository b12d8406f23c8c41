// `fichier serve webdav` mounted with davfs2 (a kernel file system through FUSE): cp, ls, mv, rm and mkdir work
// on the account, and what they did is what the emulator holds. Needs root, /dev/fuse and mount.davfs; where
// the machine does not allow mounting, the test says why and skips.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.js";
import { serveAccount } from "./account-support.js";

/** Runs a command without blocking the event loop (the server under test lives in this process). */
function sh(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** Why this machine cannot mount davfs2, or undefined when it can try. */
function cannotMount(): string | undefined {
  if (process.getuid?.() !== 0) return "mounting needs root";
  if (!existsSync("/dev/fuse")) return "/dev/fuse is missing";
  if (!existsSync("/sbin/mount.davfs") && !existsSync("/usr/sbin/mount.davfs"))
    return "mount.davfs is missing (apt-get install davfs2)";
  return undefined;
}

const emu = useEmulator();

describe("davfs2", () => {
  it("mounts the account: cp, ls, mv, rm and mkdir work", async (ctx) => {
    const why = cannotMount();
    if (why) {
      console.warn(`davfs2 test skipped: ${why}`);
      ctx.skip();
    }
    const t = await serveAccount(emu, { root: "/davfs" });
    const dir = mkdtempSync(join(tmpdir(), "serve-davfs-"));
    chmodSync(dir, 0o755);
    const mnt = join(dir, "mnt");
    const cache = join(dir, "cache");
    mkdirSync(mnt);
    // mount.davfs drops to its own user (davfs2): its cache must be writable by it.
    mkdirSync(cache, { mode: 0o777 });
    chmodSync(cache, 0o777);
    writeFileSync(join(dir, "secrets"), `${t.url} "" ""\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, "davfs2.conf"),
      [
        `cache_dir ${cache}`,
        `secrets ${join(dir, "secrets")}`,
        "ask_auth 0",
        "use_locks 1",
        // Upload at close, so what cp did is on the account when cp returns.
        "delay_upload 0",
        // Linux 6.16 changed FUSE: davfs2 (which speaks the kernel protocol itself) answers readdir with
        // EINVAL unless its buffer is at least 64 KiB (davfs2 issue #22).
        "buf_size 64",
      ].join("\n"),
    );
    const mounted = await sh("mount", ["-t", "davfs", t.url, mnt, "-o", `conf=${join(dir, "davfs2.conf")}`]);
    if (mounted.code !== 0) {
      console.warn(`davfs2 test skipped: this machine does not allow the mount (${mounted.out.trim()})`);
      ctx.skip();
    }
    try {
      const local = join(dir, "local.bin");
      const bytes = randomBytes(200_000);
      writeFileSync(local, bytes);
      expect((await sh("mkdir", [join(mnt, "docs")])).code).toBe(0);
      expect((await sh("cp", [local, join(mnt, "docs", "a.bin")])).code).toBe(0);
      const ls = await sh("ls", [join(mnt, "docs")]);
      expect(ls.code, ls.out).toBe(0);
      expect(ls.out.split("\n")).toContain("a.bin");
      expect((await sh("mv", [join(mnt, "docs", "a.bin"), join(mnt, "b.bin")])).code).toBe(0);
      expect(readFileSync(join(mnt, "b.bin")).equals(bytes)).toBe(true);
      const root = await t.index.resolveFolder("/davfs");
      const files = await t.client.files.list({ folderId: root.id });
      expect(files.map((f) => [f.filename, f.size])).toEqual([["b.bin", 200_000]]);
      expect((await sh("rm", [join(mnt, "b.bin")])).code).toBe(0);
      expect((await sh("ls", [mnt])).out.split("\n")).not.toContain("b.bin");
      expect(await t.client.files.list({ folderId: root.id })).toEqual([]);
    } finally {
      await sh("umount", [mnt]);
    }
    expect(t.log.some((e) => e.type === "server-error")).toBe(false);
  }, 180_000);
});
