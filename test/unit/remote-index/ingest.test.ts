// Ingest and write-through rules on the memory store (the SQLite store runs the same code): what a listing
// replaces or only adds, and how listings and this machine's own changes that overlap in time keep each other.
import { describe, expect, it } from "vitest";
import type { FileItem, ListingEvent } from "../../../src/api/types.js";
import { applyChange, coverageOf, ingestListing, LISTING_CAP } from "../../../src/remote-index/ingest.js";
import { MemoryIndexStore } from "../../../src/remote-index/memory-store.js";

const item = (id: string, name: string, date = "2026-01-01 10:00:00"): FileItem => ({
  url: `https://1fichier.com/?${id}`,
  filename: name,
  size: name.length,
  date,
  checksum: "a".repeat(128),
  contentType: "text/plain",
  password: false,
  acl: false,
  cdn: false,
});

const full = (
  folderId: number,
  startedAt: number,
  files: FileItem[],
  subs: [number, string][] = [],
): ListingEvent => ({
  endpoint: "folder/ls.cgi",
  folderId,
  startedAt,
  folder: {
    name: folderId === 0 ? "" : `f${folderId}`,
    createDate: "",
    password: false,
    shared: null,
    fileCount: files.length,
  },
  subFolders: subs.map(([id, name]) => ({ id, name, createDate: "2026-01-01 00:00:00", password: false })),
  files,
});

const ingest = (store: MemoryIndexStore, e: ListingEvent) => ingestListing(store, e, coverageOf(e));

describe("coverage of a listing", () => {
  it("is complete only for folder/ls with files under the cap and matching the count", () => {
    expect(coverageOf(full(1, 0, [item("aaaaa1", "a")]))).toEqual({
      subFolders: true,
      files: true,
      listed: true,
    });
    const short = {
      ...full(1, 0, [item("aaaaa1", "a")]),
      folder: { ...full(1, 0, []).folder!, fileCount: 2 },
    };
    expect(coverageOf(short).files).toBe(false);
    const capped = full(
      1,
      0,
      Array.from({ length: LISTING_CAP }, (_, i) => item(`id${i}xxxx`, `n${i}`)),
    );
    expect(coverageOf(capped).listed).toBe(false);
    const page: ListingEvent = {
      endpoint: "file/ls.cgi",
      folderId: 1,
      startedAt: 0,
      files: [],
      sentAfter: "x",
    };
    expect(coverageOf(page)).toEqual({ subFolders: false, files: false, listed: false });
    const noFiles: ListingEvent = { ...full(1, 0, []), files: undefined };
    expect(coverageOf(noFiles)).toEqual({ subFolders: true, files: false, listed: false });
  });
});

describe("ingest", () => {
  it("a complete listing replaces the folder's content; a page only adds", () => {
    const store = new MemoryIndexStore();
    ingest(store, full(0, 10, [item("aaaaa1", "a"), item("bbbbb1", "b")], [[5, "sub"]]));
    expect(store.folder(0)?.listedAt).toBe(10);
    ingest(store, {
      endpoint: "file/ls.cgi",
      folderId: 0,
      startedAt: 20,
      files: [item("ccccc1", "c")],
      sentAfter: "x",
    });
    expect(
      store
        .filesIn(0)
        .map((f) => f.name)
        .sort(),
    ).toEqual(["a", "b", "c"]);
    expect(store.folder(0)?.listedAt).toBe(10);
    ingest(store, full(0, 30, [item("bbbbb1", "b")]));
    expect(store.filesIn(0).map((f) => f.name)).toEqual(["b"]);
    expect(store.folder(5)).toBeUndefined();
  });

  it("a folder gone from its parent's listing takes its sub-tree with it", () => {
    const store = new MemoryIndexStore();
    ingest(store, full(0, 1, [], [[5, "a"]]));
    ingest(store, full(5, 2, [item("xxxxx1", "x")], [[6, "b"]]));
    ingest(store, full(6, 3, [item("yyyyy1", "y")]));
    ingest(store, full(0, 4, []));
    expect([store.folder(5), store.folder(6), store.file("xxxxx1"), store.file("yyyyy1")]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("a change made after a listing started survives that listing; a removal is not revived by it", () => {
    const store = new MemoryIndexStore();
    ingest(store, full(0, 100, [item("old001", "old.txt")]));
    // mkdir and an upload at 150; a listing that started at 120 (before them) answers at 160 without them.
    applyChange(store, { type: "folder-created", parentId: 0, folderId: 9, name: "new", at: 150 });
    applyChange(store, {
      type: "files-added",
      folderId: 0,
      files: [{ url: "https://1fichier.com/?new001", name: "new.txt", size: 1, whirlpool: "b".repeat(128) }],
      at: 150,
    });
    applyChange(store, { type: "files-removed", urls: ["https://1fichier.com/?old001"], at: 150 });
    ingest(store, full(0, 120, [item("old001", "old.txt")]));
    expect(store.folder(9)?.name).toBe("new");
    expect(store.filesIn(0).map((f) => f.name)).toEqual(["new.txt"]);
    // Even in the same millisecond (a virtual clock), the change is taken as the later.
    applyChange(store, { type: "folder-created", parentId: 0, folderId: 10, name: "same-ms", at: 200 });
    ingest(store, full(0, 200, [], [[9, "new"]]));
    expect(store.folder(10)?.name).toBe("same-ms");
    // A listing that started after them is the truth.
    ingest(store, full(0, 300, []));
    expect([store.folder(9), store.folder(10), store.filesIn(0)]).toEqual([undefined, undefined, []]);
  });

  it("one file on two domains is one row", () => {
    const store = new MemoryIndexStore();
    ingest(store, full(0, 1, [item("abcde12345", "a.txt")]));
    applyChange(store, {
      type: "files-renamed",
      renames: [{ url: "https://alterupload.com/?abcde12345", name: "b.txt" }],
      at: 2,
    });
    expect(store.filesIn(0).map((f) => [f.name, f.url])).toEqual([
      ["b.txt", "https://1fichier.com/?abcde12345"],
    ]);
  });
});

describe("write-through of what the index cannot place", () => {
  it("a copy or move of an unknown file marks the destination for a new listing", () => {
    const store = new MemoryIndexStore();
    ingest(store, full(0, 1, [], [[7, "dst"]]));
    ingest(store, full(7, 1, []));
    applyChange(store, {
      type: "files-copied",
      folderId: 7,
      copies: [{ from: "https://1fichier.com/?unknown1", to: "https://1fichier.com/?copy0001" }],
      at: 5,
    });
    expect(store.folder(7)?.listedAt).toBeNull();
    ingest(store, full(7, 6, []));
    applyChange(store, { type: "files-moved", folderId: 7, urls: ["https://1fichier.com/?unknown2"], at: 8 });
    expect(store.folder(7)?.listedAt).toBeNull();
  });

  it("a folder moved and renamed at once lists both parents again (spec §14: the service may do only one)", () => {
    const store = new MemoryIndexStore();
    ingest(
      store,
      full(
        0,
        1,
        [],
        [
          [7, "a"],
          [8, "b"],
        ],
      ),
    );
    ingest(store, full(7, 1, [], [[9, "c"]]));
    ingest(store, full(8, 1, []));
    applyChange(store, { type: "folder-moved", folderId: 9, parentId: 8, name: "d", at: 2 });
    expect(store.folder(9)).toMatchObject({ parent: 8, name: "d" });
    expect([store.folder(7)?.listedAt, store.folder(8)?.listedAt]).toEqual([null, null]);
    applyChange(store, { type: "folder-moved", folderId: 8, name: "b2", at: 3 });
    expect(store.folder(0)?.listedAt).toBe(1);
  });
});
