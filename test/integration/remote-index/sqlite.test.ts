// The persistent index: one SQLite file per account and service in the state folder (mode 0600, named from a
// fingerprint of the key), shared by every process of the machine, rebuilt with one warning when it is old or
// damaged, and never loaded by the library's main entry until openIndex is called.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChange } from "../../../src/remote-index/ingest.js";
import { indexFile, openIndex } from "../../../src/remote-index/open.js";
import type { IndexEvent } from "../../../src/remote-index/remote-index.js";
import { SqliteIndexStore } from "../../../src/remote-index/sqlite-store.js";
import { useEmulator } from "../../helpers/emulator.js";
import { clientOn, listings } from "./support.js";

const ROOT = join(import.meta.dirname, "../../..");
const emu = useEmulator();
let stateDir: string;
beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "fichier-index-"));
  if (!existsSync(join(ROOT, "dist/remote-index/sqlite-store.js"))) {
    throw new Error("dist/ is missing: run `npm run build` before this suite (it spawns the built modules)");
  }
});
afterAll(async () => {
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the index file", () => {
  it("is named from the key's fingerprint, mode 0600, and what one process wrote serves the next", async () => {
    const first = clientOn(emu).client;
    const a = await openIndex(first, { stateDir });
    const file = indexFile(first, stateDir);
    expect(a.location).toBe(file);
    expect(file).not.toContain(emu.premium.apiKey);
    expect(file).toMatch(/index-[0-9a-f]{16}-[0-9a-f]{8}\.sqlite$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // `upload --to /x` made /x (and the upload, next wave, adds its file): written through to the file.
    const x = await a.resolveFolder("/sq-x/y", { create: true });
    await a.close();
    await first.close();

    const second = clientOn(emu).client;
    const b = await openIndex(second, { stateDir });
    const n0 = listings(emu);
    expect(await b.resolveFolder("/sq-x/y")).toEqual({ id: x.id, path: "/sq-x/y" });
    expect((await b.list(x.id)).fromIndex).toBe(true);
    expect(listings(emu) - n0).toBe(0);
    await b.close();
    await second.close();
  });

  it("two processes write it at once, each change its own short transaction, and lose nothing", async () => {
    const file = join(stateDir, "shared.sqlite");
    const store = SqliteIndexStore.open(file, () => {});
    const child = spawn(process.execPath, [
      join(import.meta.dirname, "fixtures/index-writer.mjs"),
      file,
      "childw",
      "1500",
    ]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const closed = new Promise<number | null>((r) => child.on("close", r));
    // Start when the child is writing, so the two really overlap.
    while (!out.includes("ready") && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 1500; i++) {
      const id = `parent${String(i).padStart(8, "0")}`;
      applyChange(store, {
        type: "files-added",
        folderId: 0,
        files: [
          { url: `https://1fichier.com/?${id}`, name: `${id}.bin`, size: i, whirlpool: "1".repeat(128) },
        ],
        at: Date.now(),
      });
      // Yield now and then so the child's transactions interleave with ours.
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const code = await closed;
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain("done 1500");
    const rows = store.filesIn(0);
    const parentTimes = rows.filter((f) => f.name.startsWith("parent")).map((f) => f.updatedAt);
    const childTimes = rows.filter((f) => f.name.startsWith("childw")).map((f) => f.updatedAt);
    expect(parentTimes).toHaveLength(1500);
    expect(childTimes).toHaveLength(1500);
    // The two writers' times overlap: they did write at once.
    expect(Math.min(...childTimes)).toBeLessThanOrEqual(Math.max(...parentTimes));
    expect(Math.min(...parentTimes)).toBeLessThanOrEqual(Math.max(...childTimes));
    store.close();
  });

  it("a damaged file, or one of another schema version, is rebuilt with one warning", async () => {
    const client = clientOn(emu).client;
    const file = indexFile(client, join(stateDir, "broken"));
    const events: IndexEvent[] = [];
    const first = await openIndex(client, {
      stateDir: join(stateDir, "broken"),
      onEvent: (e) => events.push(e),
    });
    await first.close();
    expect(events).toEqual([]);
    writeFileSync(file, "this is not a database, it is a damaged index file".repeat(100));
    const damaged = await openIndex(client, {
      stateDir: join(stateDir, "broken"),
      onEvent: (e) => events.push(e),
    });
    expect(events.map((e) => e.type)).toEqual(["rebuilt"]);
    expect(events[0]?.message).toMatch(/damaged .*rebuilt it empty/);
    await damaged.resolveFolder("/sq-after-repair", { create: true });
    await damaged.close();

    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = '0' WHERE key = 'schema'").run();
    raw.close();
    const old = await openIndex(client, {
      stateDir: join(stateDir, "broken"),
      onEvent: (e) => events.push(e),
    });
    expect(events.map((e) => e.type)).toEqual(["rebuilt", "rebuilt"]);
    expect(events[1]?.message).toMatch(/schema version 0, not 1; rebuilt it/);
    expect(old.knownPath(1)).toBeUndefined();
    await old.close();
    await client.close();
  });

  it("the library's main entry does not load better-sqlite3 until openIndex is called", () => {
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      const loaded = () => Object.keys(require.cache).some((k) => k.includes("better-sqlite3"));
      const lib = await import(${JSON.stringify(join(ROOT, "dist/index.js"))});
      const client = lib.createClient({ apiKey: "k".repeat(32), apiUrl: ${JSON.stringify(emu.apiUrl)}, governor: false });
      const before = loaded();
      const index = await lib.openIndex(client, { stateDir: ${JSON.stringify(join(stateDir, "lazy"))} });
      console.log(JSON.stringify({ before, after: loaded() }));
      await index.close();
      await client.close();
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ before: false, after: true });
  });
});
