// `fichier sync` and `fichier check`, the built command spawned against the emulator with a canary key: both
// directions, --json summaries, --dry-run's plan, a re-sync that reads no local file and makes no call within the
// listing window, check's exit 0 / 1, the refusals (exit 2 and 3), a partial run (exit 9), filters' warnings.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { canaryAccount, errorLines, json, ok } from "./support.js";

const account = canaryAccount("canary-sync@test.local");
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "fichier-cli-sync-"));
});

function tree(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

interface SyncJson {
  direction: string;
  uploaded: number;
  downloaded: number;
  replaced: number;
  deleted: number;
  skipped: number;
  failed: { item: string; error: string }[];
  hashed: number;
  cachedHashes: number;
  calls: number;
  bytes: number;
  plan?: { transfers: { path: string }[]; deletions: string[]; mkdirs: string[] };
}

describe("fichier sync", () => {
  it("uploads a tree, then a re-sync with the same state reads nothing and calls nothing", async () => {
    const src = tree("up", { "a.txt": "alpha", "d/b.txt": "bravo" });
    const state = mkdtempSync(join(tmpdir(), "fichier-sync-state-"));
    const env = { FICHIER_STATE_DIR: state };
    const first = json<SyncJson>(
      ok(await account.fichier(["--json", "sync", `${src}/`, "fichier:/cli-up"], { env })),
    );
    expect(first).toMatchObject({
      direction: "upload",
      uploaded: 2,
      replaced: 0,
      deleted: 0,
      failed: [],
      bytes: 10,
    });
    const again = json<SyncJson>(
      ok(await account.fichier(["--json", "sync", `${src}/`, "fichier:/cli-up"], { env })),
    );
    expect(again).toMatchObject({ uploaded: 0, skipped: 2, hashed: 0, cachedHashes: 2, calls: 0 });
    const human = ok(await account.fichier(["sync", `${src}/`, "fichier:/cli-up"], { env }));
    expect(human.stdout).toMatch(
      /^0 uploaded, 0 replaced, 0 deleted, 2 unchanged, 0 failed; 0 B in [\d.]+ s, 0 API calls$/m,
    );
  });

  it("--dry-run prints the plan and changes nothing", async () => {
    const src = tree("dry", { "n.txt": "new", "sub/m.txt": "more" });
    const r = ok(await account.fichier(["sync", `${src}/`, "fichier:/cli-dry", "--dry-run"]));
    expect(r.stdout).toContain("mkdir    /cli-dry");
    expect(r.stdout).toMatch(/^upload {3}n\.txt {2}3 B$/m);
    expect(r.stdout).toMatch(
      /^dry run, nothing changed: 2 to upload, 0 to replace, 0 to delete, 2 folders to make/m,
    );
    const j = json<SyncJson>(
      ok(await account.fichier(["--json", "sync", `${src}/`, "fichier:/cli-dry", "--dry-run"])),
    );
    expect(j.plan?.transfers.map((t) => t.path)).toEqual(["n.txt", "sub/m.txt"]);
    expect((await account.client.folders.list({ folderId: 0 })).subFolders.map((s) => s.name)).not.toContain(
      "cli-dry",
    );
  });

  it("downloads a remote folder into a local one (the source's name kept without a trailing slash)", async () => {
    const src = tree("down-src", { "x.txt": "xray", "y/z.txt": "zulu" });
    ok(await account.fichier(["sync", `${src}/`, "fichier:/cli-down"]));
    const out = join(root, "down-out");
    const r = json<SyncJson>(ok(await account.fichier(["--json", "sync", "fichier:/cli-down", out])));
    expect(r).toMatchObject({ direction: "download", downloaded: 2, failed: [] });
    expect(readFileSync(join(out, "cli-down", "y", "z.txt"), "utf8")).toBe("zulu");
  });

  it("--delete refuses more than --max-delete (exit 2, nothing changed); an empty filter match warns", async () => {
    const src = tree("del", { "1.txt": "1", "2.txt": "2", "3.txt": "3" });
    ok(await account.fichier(["sync", `${src}/`, "fichier:/cli-del"]));
    const only = tree("del-one", { "1.txt": "1" });
    const r = await account.fichier([
      "sync",
      `${only}/`,
      "fichier:/cli-del",
      "--delete",
      "--max-delete",
      "1",
    ]);
    expect(r.code).toBe(2);
    expect(errorLines(r)).toEqual([
      expect.stringMatching(
        /^fichier: 2 files to delete, more than --max-delete 1: rerun with --max-delete 2/,
      ),
    ]);
    const w = ok(await account.fichier(["sync", `${only}/`, "fichier:/cli-del", "--exclude", "*.nomatch"]));
    expect(w.stderr).toContain('fichier: warning: --exclude: "*.nomatch" matched nothing');
    const deleted = json<SyncJson>(
      ok(await account.fichier(["--json", "sync", `${only}/`, "fichier:/cli-del", "--delete"])),
    );
    expect(deleted.deleted).toBe(2);
  });

  it("a file 1fichier cannot store fails alone: the others go, exit 9, and no deletion", async () => {
    const src = tree("partial", { "ok.txt": "fine", [`${"l".repeat(247)}.txt`]: "a name of 251 characters" });
    const r = await account.fichier(["--json", "sync", `${src}/`, "fichier:/cli-partial", "--delete"]);
    expect(r.code, r.stderr).toBe(9);
    const j = json<SyncJson>(r);
    expect(j.uploaded).toBe(1);
    expect(j.failed).toHaveLength(1);
  });

  it("--bwlimit in both directions (a bad rate is upload's exit 2 line); --refresh lists again", async () => {
    const src = tree("bw", { "a.txt": "alpha", "d/b.txt": "bravo" });
    const bad = await account.fichier(["sync", `${src}/`, "fichier:/cli-bw", "--bwlimit", "fast"]);
    expect(bad.code).toBe(2);
    expect(errorLines(bad)).toEqual([
      expect.stringMatching(/^fichier: --bwlimit "fast" is not a rate\. Give bytes per second/),
    ]);
    const state = mkdtempSync(join(tmpdir(), "fichier-sync-state-"));
    const env = { FICHIER_STATE_DIR: state };
    const up = ["--json", "sync", `${src}/`, "fichier:/cli-bw", "--bwlimit", "1M"];
    expect(json<SyncJson>(ok(await account.fichier(up, { env })))).toMatchObject({ uploaded: 2, failed: [] });
    // Within the listing window the index serves the re-sync; the global --refresh lists the folders again (the
    // destination named by id: the root, listed moments ago, would wait out its 30 s spacing).
    expect(json<SyncJson>(ok(await account.fichier(up, { env }))).calls).toBe(0);
    const root0 = await account.client.folders.list({ folderId: 0 });
    const id = root0.subFolders.find((f) => f.name === "cli-bw")?.id;
    const refresh = ["--refresh", "--json", "sync", `${src}/`, `fichier:${id}`];
    const fresh = json<SyncJson>(ok(await account.fichier(refresh, { env })));
    expect(fresh).toMatchObject({ uploaded: 0, skipped: 2 });
    expect(fresh.calls).toBe(2);
    const out = join(root, "bw-out");
    const down = ["--json", "sync", "fichier:/cli-bw/", out, "--bwlimit", "512k"];
    expect(json<SyncJson>(ok(await account.fichier(down, { env })))).toMatchObject({
      direction: "download",
      downloaded: 2,
      failed: [],
    });
    expect(readFileSync(join(out, "d", "b.txt"), "utf8")).toBe("bravo");
  });

  it("refusals: two local ends (exit 2), a missing source (exit 3), one line each", async () => {
    const a = tree("ref-a", { "f.txt": "f" });
    const both = await account.fichier(["sync", `${a}/`, a]);
    expect(both.code).toBe(2);
    expect(errorLines(both)).toEqual([expect.stringMatching(/are the same folder.*fichier:\/path/)]);
    const missing = await account.fichier(["sync", `${join(root, "nope")}/`, "fichier:/x"]);
    expect(missing.code).toBe(3);
    expect(errorLines(missing)).toEqual([expect.stringMatching(/nope does not exist/)]);
  });
});

describe("fichier check", () => {
  it("exit 0 when identical, 1 with one line per difference", async () => {
    const src = tree("chk", { "same.txt": "same", "diff.txt": "local" });
    ok(await account.fichier(["sync", `${src}/`, "fichier:/cli-chk"]));
    ok(await account.fichier(["check", `${src}/`, "fichier:/cli-chk"]));
    writeFileSync(join(src, "diff.txt"), "LOCAL");
    writeFileSync(join(src, "new.txt"), "new");
    const r = await account.fichier(["check", `${src}/`, "fichier:/cli-chk"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("+ new.txt\n* diff.txt  (whirlpool differs)\n2 differences, 1 identical\n");
    expect(errorLines(r)).toEqual([expect.stringMatching(/differ: 2 differences/)]);
    const j = json<{ identical: boolean; differ: unknown[] }>(
      await account.fichier(["--json", "check", `${src}/`, "fichier:/cli-chk"]),
    );
    expect(j).toMatchObject({ identical: false, differ: [{ path: "diff.txt", why: "whirlpool" }] });
  });
});
