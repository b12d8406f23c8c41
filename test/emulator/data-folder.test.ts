// The emulator's data folder holds every account's key in plaintext (test keys only): the folder is made
// 0700 and the database with its -wal and -shm files 0600 (issue 15 "Weak").
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";

const root = mkdtempSync(join(tmpdir(), "fichier-emulator-perms-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

describe("the emulator's data folder", () => {
  it("is created 0700, with the database and its -wal and -shm files 0600", async () => {
    const data = join(root, "new", "data");
    const emu = await startEmulator({ dataDir: data, limits: "off" });
    try {
      // A write, so that the -wal file holds something.
      emu.admin.createAccount({ email: "perms@emulator.local", offer: 1 });
      const db = join(data, "fichier-emulator.sqlite");
      expect(mode(data)).toBe(0o700);
      for (const file of [db, `${db}-wal`, `${db}-shm`]) expect(mode(file), file).toBe(0o600);
    } finally {
      await emu.close();
    }
  });

  it("tightens a database left readable by an earlier version", async () => {
    const data = join(root, "old");
    const first = await startEmulator({ dataDir: data, limits: "off" });
    await first.close();
    const db = join(data, "fichier-emulator.sqlite");
    chmodSync(db, 0o644);
    const again = await startEmulator({ dataDir: data, limits: "off" });
    try {
      expect(mode(db)).toBe(0o600);
    } finally {
      await again.close();
    }
  });
});
