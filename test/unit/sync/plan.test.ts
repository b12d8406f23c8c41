// The sync plan over hand-built listings (no I/O): both directions, replacements, duplicates, deletions under
// their guards, conflicts, and check's report.
import { describe, expect, it } from "vitest";
import { deletionVerdict, maxDeleteLimit } from "../../../src/sync/guards.js";
import { march, type SyncEntry } from "../../../src/sync/march.js";
import { hashesNeeded, planCheck, planSync } from "../../../src/sync/plan.js";

const H = (c: string) => c.repeat(128);
const dir = (path: string): SyncEntry => ({ path, kind: "dir" });
const local = (path: string, size: number, whirlpool?: string): SyncEntry => ({
  path,
  kind: "file",
  size,
  ...(whirlpool ? { whirlpool } : {}),
});
const remote = (
  path: string,
  size: number,
  whirlpool: string,
  id: string,
  date = "2026-01-01 10:00:00",
): SyncEntry => ({
  path,
  kind: "file",
  size,
  whirlpool,
  url: `https://1fichier.com/?${id}`,
  date,
});

describe("march", () => {
  it("pairs sorted listings by path and kind, several entries a side when names repeat", () => {
    const pairs = march(
      [local("b", 1), dir("a"), local("a/x", 1)],
      [remote("a/x", 1, H("a"), "id0001"), remote("a/x", 2, H("b"), "id0002"), local("c", 1), dir("a")],
    );
    expect(pairs.map((p) => [p.path, p.kind, p.source.length, p.destination.length])).toEqual([
      ["a", "dir", 1, 1],
      ["a/x", "file", 1, 2],
      ["b", "file", 1, 0],
      ["c", "file", 0, 1],
    ]);
  });
});

describe("planSync, local to remote", () => {
  const src = {
    entries: [
      dir("photos"),
      dir("photos/2026"),
      local("photos/2026/new.jpg", 10),
      local("photos/same.jpg", 5, H("s")),
      local("photos/changed.jpg", 5, H("n")),
      local("photos/grown.jpg", 9),
      local("notes.txt", 3, H("t")),
    ],
  };
  const dst = {
    entries: [
      dir("photos"),
      dir("old"),
      remote("photos/same.jpg", 5, H("s"), "same001"),
      remote("photos/changed.jpg", 5, H("o"), "chan001"),
      remote("photos/grown.jpg", 4, H("g"), "grow001"),
      remote("notes.txt", 3, H("t"), "note001"),
      remote("old/gone.txt", 1, H("x"), "gone001"),
      remote("stale.txt", 2, H("y"), "stal001"),
    ],
  };

  it("hashes only local files whose size matches the remote one", () => {
    expect(
      hashesNeeded({ entries: src.entries.map((e) => ({ ...e, whirlpool: undefined })) }, dst, {
        direction: "upload",
      }),
    ).toEqual(["notes.txt", "photos/changed.jpg", "photos/same.jpg"]);
    expect(hashesNeeded(src, dst, { direction: "upload", sizeOnly: true })).toEqual([]);
  });

  it("uploads new files, replaces changed ones, skips same ones, makes folders parents first", () => {
    const plan = planSync(src, dst, { direction: "upload" });
    expect(plan.mkdirs).toEqual(["photos/2026"]);
    expect(plan.transfers.map((t) => [t.path, t.replaces.map((r) => r.url)])).toEqual([
      ["photos/2026/new.jpg", []],
      ["photos/changed.jpg", ["https://1fichier.com/?chan001"]],
      ["photos/grown.jpg", ["https://1fichier.com/?grow001"]],
    ]);
    expect(plan.bytes).toBe(10 + 5 + 9);
    expect(plan.skips).toEqual([
      { path: "notes.txt", byHash: true },
      { path: "photos/same.jpg", byHash: true },
    ]);
    // No `delete`: nothing removed, whatever the destination has more.
    expect([plan.deletions, plan.rmdirs, plan.verdict]).toEqual([[], [], { deletions: "none" }]);
  });

  it("with delete, removes what the source lacks, files then folders deepest first", () => {
    const plan = planSync(src, dst, { direction: "upload", delete: true });
    expect(plan.deletions.map((d) => d.path)).toEqual(["old/gone.txt", "stale.txt"]);
    expect(plan.rmdirs).toEqual(["old"]);
    expect(plan.verdict).toEqual({ deletions: "allowed", count: 2, limit: 100 });
  });

  it("size-only compares by size", () => {
    const plan = planSync(src, dst, { direction: "upload", sizeOnly: true });
    expect(plan.skips.map((s) => [s.path, s.byHash])).toEqual([
      ["notes.txt", false],
      ["photos/changed.jpg", false],
      ["photos/same.jpg", false],
    ]);
  });

  it("refuses to plan with a missing hash it needs (a caller's bug, not a silent re-upload)", () => {
    expect(() =>
      planSync(
        { entries: [local("a", 1)] },
        { entries: [remote("a", 1, H("a"), "aaaa01")] },
        { direction: "upload" },
      ),
    ).toThrow(/Whirlpool of a is needed/);
  });

  it("settles duplicates an interrupted replacement left: keeps the one that is the source's file", () => {
    const plan = planSync(
      { entries: [local("db.sql", 7, H("n"))] },
      {
        entries: [
          remote("db.sql", 6, H("o"), "old0001", "2026-01-01 10:00:00"),
          remote("db.sql", 7, H("n"), "new0001", "2026-01-02 10:00:00"),
        ],
      },
      { direction: "upload" },
    );
    expect(plan.transfers).toEqual([]);
    expect(plan.settle.map((s) => [s.path, s.keep.url, s.remove.map((r) => r.url)])).toEqual([
      ["db.sql", "https://1fichier.com/?new0001", ["https://1fichier.com/?old0001"]],
    ]);
    // None of them the source's file: one replacement of both.
    const again = planSync(
      { entries: [local("db.sql", 8, H("z"))] },
      { entries: [remote("db.sql", 6, H("o"), "old0001"), remote("db.sql", 7, H("n"), "new0001")] },
      { direction: "upload" },
    );
    expect(again.transfers.map((t) => t.replaces.length)).toEqual([2]);
    expect(again.settle).toEqual([]);
  });
});

describe("planSync, remote to local", () => {
  it("downloads, keeps the newest of remote duplicates, and leaves a file/folder clash alone", () => {
    const plan = planSync(
      {
        entries: [
          remote("a.txt", 1, H("a"), "aaaa01", "2026-01-01 10:00:00"),
          remote("a.txt", 2, H("b"), "aaaa02", "2026-01-03 10:00:00"),
          dir("clash"),
          remote("clash/in.txt", 1, H("c"), "clsh01"),
          remote("b.txt", 4, H("d"), "bbbb01"),
        ],
      },
      { entries: [local("clash", 3), local("b.txt", 4, H("d"))] },
      { direction: "download", delete: true },
    );
    expect(plan.transfers.map((t) => [t.path, t.source.url])).toEqual([
      ["a.txt", "https://1fichier.com/?aaaa02"],
    ]);
    expect(plan.ignoredDuplicates.map((d) => [d.path, d.ignored.map((i) => i.url)])).toEqual([
      ["a.txt", ["https://1fichier.com/?aaaa01"]],
    ]);
    expect(plan.conflicts.map((c) => c.path)).toEqual(["clash"]);
    expect(plan.skips.map((s) => s.path)).toEqual(["b.txt"]);
    // The local file in the way is not deleted, even with delete.
    expect(plan.deletions).toEqual([]);
  });
});

describe("deletion guards", () => {
  it("the default limit is 100 or 10 % of the destination's files, whichever is larger", () => {
    expect([maxDeleteLimit(0), maxDeleteLimit(1_000), maxDeleteLimit(1_001), maxDeleteLimit(50_000)]).toEqual(
      [100, 100, 101, 5_000],
    );
    expect(maxDeleteLimit(50_000, 3)).toBe(3);
  });

  it("refuses with a missing or empty source, or past the limit, naming the count; skips with an unreadable one", () => {
    const base = { delete: true, count: 120, sourceFiles: 10, destinationFiles: 130 };
    expect(deletionVerdict({ ...base, source: "missing" })).toMatchObject({
      deletions: "refused",
      count: 120,
    });
    // No --max-delete fixes an empty source: its hint says so; past the limit, raising it is the fix.
    expect(deletionVerdict({ ...base, source: "ok", sourceFiles: 0, maxDelete: 1000 })).toMatchObject({
      deletions: "refused",
      reason: "the source has no file (after filters): refusing to delete all 120 files",
      hint: expect.not.stringContaining("--max-delete"),
    });
    expect(deletionVerdict({ ...base, source: "ok" })).toEqual({
      deletions: "refused",
      count: 120,
      limit: 100,
      reason: "120 files to delete, more than --max-delete 100: rerun with --max-delete 120",
      hint: "Nothing was changed. Check the source, or raise --max-delete if the deletions are meant.",
    });
    expect(deletionVerdict({ ...base, source: "ok", maxDelete: 120 })).toEqual({
      deletions: "allowed",
      count: 120,
      limit: 120,
    });
    expect(deletionVerdict({ ...base, source: "unreadable", problems: ["a/", "b/"] })).toEqual({
      deletions: "skipped",
      count: 120,
      reason: "part of the source could not be read (a/, b/): not deleting 120 files",
    });
    expect(deletionVerdict({ ...base, delete: false, source: "missing" })).toEqual({ deletions: "none" });
  });

  it("a plan carries the verdict: an empty source with delete refuses", () => {
    const plan = planSync(
      { entries: [] },
      { entries: [remote("a", 1, H("a"), "aaaa01")] },
      { direction: "upload", delete: true },
    );
    expect(plan.deletions).toHaveLength(1);
    expect(plan.verdict.deletions).toBe("refused");
  });
});

describe("planCheck", () => {
  it("reports missing files on either side and differences, identical only when there are none", () => {
    const r = planCheck(
      {
        entries: [
          local("same", 1, H("a")),
          local("size", 2, H("a")),
          local("hash", 1, H("a")),
          local("only-src", 1, H("a")),
        ],
      },
      {
        entries: [
          remote("same", 1, H("a"), "same01"),
          remote("size", 3, H("a"), "size01"),
          remote("hash", 1, H("b"), "hash01"),
          remote("only-dst", 1, H("a"), "only01"),
        ],
      },
      { direction: "upload" },
    );
    expect(r).toEqual({
      missingOnDestination: ["only-src"],
      missingOnSource: ["only-dst"],
      differ: [
        { path: "hash", why: "whirlpool" },
        { path: "size", why: "size" },
      ],
      same: 1,
      bySizeOnly: 0,
      duplicates: [],
      identical: false,
    });
    const same = planCheck(
      { entries: [local("x", 1, H("a"))] },
      { entries: [remote("x", 1, H("a"), "xxxx01")] },
      { direction: "upload" },
    );
    expect(same.identical).toBe(true);
  });
});
