// The remote index when better-sqlite3 cannot be loaded (the command goes on with an index in memory, one warning
// naming the cause and the fix; commands that do not need the tree say nothing), and a folder past the service's
// 5 000-file listing cap read completely by `ls` (the paging itself is tested in test/integration/remote-index).
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { seedFiles } from "../integration/remote-index/support.js";
import { canaryAccount, json, ok } from "./support.js";

const account = canaryAccount("canary-index-fallback@test.local");
const NO_SQLITE = `--require=${resolve(import.meta.dirname, "fixtures/no-sqlite.cjs")}`;

describe("better-sqlite3 that does not load", () => {
  const broken = { NODE_OPTIONS: NO_SQLITE };

  it("a command that needs the tree goes on in memory, with one warning naming the cause and the fix", async () => {
    ok(await account.fichier(["mkdir", "-p", "/no-sqlite/inner"], { env: broken }));
    const r = ok(await account.fichier(["ls", "/no-sqlite"], { env: broken }));
    expect(r.stdout.trim()).toBe("inner/");
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("fichier: warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /remote index is kept in memory for this run: better-sqlite3's native module did not load/,
    );
    expect(warnings[0]).toMatch(/npm rebuild better-sqlite3.*python3, make and a C\+\+ compiler/);
    const j = await account.fichier(["--json", "ls", "/no-sqlite"], { env: broken });
    const events = j.stderr
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; message: string });
    expect(events.filter((e) => e.type === "warning" && /kept in memory/.test(e.message))).toHaveLength(1);
  });

  it("a command that does not need the tree says nothing of it", async () => {
    const r = ok(await account.fichier(["about"], { env: broken }));
    expect(r.stderr).not.toMatch(/sqlite|index/i);
  });

  it("doctor says where the index lives: a warning when in memory", async () => {
    const bad = json<{ checks: { name: string; status: string; detail: string }[] }>(
      await account.fichier(["doctor", "--json"], { env: broken }),
    );
    expect(bad.checks.find((c) => c.name === "remote index")).toMatchObject({ status: "warn" });
    const good = json<{ checks: { name: string; status: string; detail: string }[] }>(
      ok(await account.fichier(["doctor", "--json"])),
    );
    const check = good.checks.find((c) => c.name === "remote index");
    expect(check?.status).toBe("ok");
    expect(check?.detail).toMatch(/index-[0-9a-f]+-[0-9a-f]{8}\.sqlite/);
  });
});

describe("a folder of more than 5 000 files", () => {
  it("ls reads all 6 000 (one folder/ls.cgi, then a file/ls.cgi page)", async () => {
    const big = await account.client.folders.create({ name: "big" });
    seedFiles(account.emu, {
      owner: "canary-index-fallback@test.local",
      folder: big.folderId,
      count: 6_000,
      perSecond: 7,
      start: Date.UTC(2026, 0, 1),
      prefix: "f",
    });
    const stats = () => account.emu.admin.stats().byEndpoint;
    const before = { folder: stats()["folder/ls.cgi"] ?? 0, file: stats()["file/ls.cgi"] ?? 0 };
    // The page waits for the folder's 30 s listing spacing (the command's governor is the real one).
    const r = await account.fichier(["--json", "ls", "/big"]);
    const listed = json<{ files: { filename: string }[] }>(ok(r));
    expect(listed.files).toHaveLength(6_000);
    expect(new Set(listed.files.map((f) => f.filename)).size).toBe(6_000);
    expect((stats()["folder/ls.cgi"] ?? 0) - before.folder).toBe(2);
    expect((stats()["file/ls.cgi"] ?? 0) - before.file).toBe(1);
  }, 90_000);
});
