// Which end of `sync`/`check` is local and which is on 1fichier, the trailing-slash rule, and the refusals that
// need no call; and the local walk (filters, working files, what 1fichier cannot take).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInside, parseSyncEnds, SyncRefusedError } from "../../../src/sync/ends.js";
import { buildFilter } from "../../../src/sync/filter.js";
import { walkLocal, withoutPaths } from "../../../src/sync/local-walk.js";
import { has, titled } from "../../helpers/system-deps.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fichier-ends-"));
  mkdirSync(join(dir, "photos", "2026"), { recursive: true });
  writeFileSync(join(dir, "photos", "a.jpg"), "a");
  writeFileSync(join(dir, "photos", "2026", "b.jpg"), "bb");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseSyncEnds", () => {
  it("an existing local folder is local; the other end is then remote", async () => {
    const up = await parseSyncEnds(join(dir, "photos"), "/backups/photos");
    expect(up).toEqual({
      direction: "upload",
      source: { kind: "local", path: join(dir, "photos") },
      destination: { kind: "remote", ref: "/backups/photos" },
      contents: false,
    });
    const down = await parseSyncEnds("/backups/photos/", join(dir, "photos"));
    expect(down).toMatchObject({ direction: "download", source: { ref: "/backups/photos" }, contents: true });
  });

  it("fichier:PATH is remote, ./ ../ ~/ are local, even when they do not exist", async () => {
    expect(await parseSyncEnds("fichier:/b", "./restore")).toMatchObject({
      direction: "download",
      source: { kind: "remote", ref: "/b" },
      destination: { kind: "local" },
    });
    expect(await parseSyncEnds("fichier:42/", "~/restore")).toMatchObject({
      source: { ref: "42" },
      contents: true,
    });
    expect(await parseSyncEnds("../nowhere", "x")).toMatchObject({
      direction: "upload",
      destination: { ref: "x" },
    });
  });

  it("refuses two ends of one kind, and ends of unknown kind, naming the fix", async () => {
    const both = parseSyncEnds(join(dir, "photos"), dir);
    await expect(both).rejects.toBeInstanceOf(SyncRefusedError);
    await expect(both).rejects.toThrow(/are the same folder/);
    await expect(parseSyncEnds(`${join(dir, "photos")}/`, join(dir, "photos", "2026"))).rejects.toThrow(
      /2026 is inside .*photos\/?: a sync would copy into itself/,
    );
    // photos/2026 would land in DIR/2026: not nested, still two local folders.
    await expect(parseSyncEnds(join(dir, "photos", "2026"), dir)).rejects.toThrow(/are both on this machine/);
    await expect(parseSyncEnds(`${join(dir, "photos")}/`, `${dir}/`)).rejects.toThrow(/is inside/);
    await expect(parseSyncEnds("fichier:/a", "fichier:/b")).rejects.toThrow(/both on 1fichier/);
    const unknown = parseSyncEnds("no-such-a", "no-such-b");
    await expect(unknown).rejects.toThrow(/which one is on 1fichier/);
    await expect(unknown.catch((e: SyncRefusedError) => e.hint)).resolves.toMatch(/fichier:\/no-such-a/);
  });

  it("isInside compares whole path elements", () => {
    expect(isInside("/a/b", "/a")).toBe(true);
    expect(isInside("/ab", "/a")).toBe(false);
    expect(isInside("/a", "/a")).toBe(false);
  });
});

describe("walkLocal", () => {
  it("walks in name order, prunes excluded folders, skips working files and links to folders", async () => {
    const root = join(dir, "walk");
    mkdirSync(join(root, "keep", ".fichier-partial"), { recursive: true });
    mkdirSync(join(root, "cache"));
    writeFileSync(join(root, "keep", "z.txt"), "z");
    writeFileSync(join(root, "keep", ".fichier-partial", "z.txt.part"), "working");
    writeFileSync(join(root, "cache", "c.bin"), "c");
    writeFileSync(join(root, "a.tmp"), "t");
    writeFileSync(join(root, "empty.txt"), "");
    symlinkSync(join(dir, "photos"), join(root, "linked"));
    symlinkSync(join(root, "missing"), join(root, "dangling"));
    const warnings: string[] = [];
    const side = await walkLocal(root, {
      filter: buildFilter({ exclude: ["cache/", "*.tmp"] }),
      forUpload: true,
      onWarning: (m) => warnings.push(m),
    });
    expect(side.entries.map((e) => `${e.kind} ${e.path}`)).toEqual(["dir keep", "file keep/z.txt"]);
    expect(side.leftOut.map((l) => `${l.reason} ${l.path}`)).toEqual([
      "dangling dangling",
      "empty empty.txt",
    ]);
    expect(warnings.some((w) => /linked: a symbolic link to a folder, not followed/.test(w))).toBe(true);
    expect(side.state).toBeUndefined();
    // Downloads keep empty local files: they are compared like any other.
    const down = await walkLocal(root, { filter: buildFilter({ exclude: ["cache/", "*.tmp"] }) });
    expect(down.entries.map((e) => e.path)).toContain("empty.txt");
  });

  // Root reads every folder: this one needs an ordinary user.
  it.skipIf(!has("non-root"))(
    titled("a folder that cannot be read makes the side unreadable", "non-root"),
    async () => {
      const root = join(dir, "locked-walk");
      mkdirSync(join(root, "secret"), { recursive: true });
      chmodSync(join(root, "secret"), 0o000);
      try {
        const side = await walkLocal(root);
        expect(side.state).toBe("unreadable");
        expect(side.problems?.[0]).toMatch(/^secret: EACCES/);
      } finally {
        chmodSync(join(root, "secret"), 0o755);
      }
    },
  );

  it("withoutPaths removes a path and everything below it", () => {
    const side = {
      entries: [
        { path: "a", kind: "dir" as const },
        { path: "a/b.txt", kind: "file" as const },
        { path: "ab.txt", kind: "file" as const },
      ],
    };
    expect(withoutPaths(side, new Set(["a"])).entries.map((e) => e.path)).toEqual(["ab.txt"]);
  });
});
