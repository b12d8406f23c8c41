// The index-backed folder view on its own, with a scripted 1fichier (every question it asks is recorded) and a
// clock the test moves: fresh knowledge asks nothing, stale links are asked one by one, unknown folders walk
// the token's subtree, and forget() (an index write that failed) makes every check ask again.
import { beforeEach, describe, expect, it } from "vitest";
import { IndexFolderView, type TreeSource } from "../../src/gateway/folder-view.js";
import { MemoryIndexStore } from "../../src/remote-index/memory-store.js";
import { RemoteIndex } from "../../src/remote-index/remote-index.js";

// 0 ─┬─ 1 (the token's root) ─┬─ 2 ── 4
//    │                        └─ 3
//    └─ 5 (outside)
let tree: Map<number, number[]>;
let t: number;
let asked: string[];
let view: IndexFolderView;

const WINDOW = 30_000;
const noReads = {
  folders: {
    list: () => Promise.reject(new Error("no reads")),
    create: () => Promise.reject(new Error("no")),
  },
  files: { list: () => Promise.reject(new Error("no reads")) },
};

beforeEach(() => {
  tree = new Map([
    [0, [1, 5]],
    [1, [2, 3]],
    [2, [4]],
    [3, []],
    [4, []],
    [5, []],
  ]);
  t = Date.UTC(2026, 0, 5, 9);
  asked = [];
  const index = new RemoteIndex(new MemoryIndexStore(), noReads, { now: () => t });
  // As the gateway's upstream does: what 1fichier answers is fed back to the view.
  const source: TreeSource = {
    async subFolders(id) {
      asked.push(`ls ${id}`);
      const subs = tree.get(id) ?? [];
      view.listed({
        endpoint: "folder/ls.cgi",
        folderId: id,
        startedAt: t,
        subFolders: subs.map((s) => ({ id: s, name: `f${s}`, createDate: "", password: false })),
      });
      return subs;
    },
    async folderOfFile() {
      asked.push("info");
      return undefined;
    },
  };
  view = new IndexFolderView(index, source, { now: () => t });
});

describe("IndexFolderView", () => {
  it("an unknown folder walks the root's subtree once; then the same question asks nothing", async () => {
    expect(await view.isInside(4, 1)).toBe(true);
    expect(asked).toEqual(["ls 1", "ls 2"]);
    asked = [];
    expect(await view.isInside(4, 1)).toBe(true);
    expect(await view.isInside(3, 1)).toBe(true);
    expect(asked).toEqual([]);
  });

  it("outside: a fresh chain to the account's root asks nothing; an unknown id walks the stale part once", async () => {
    await view.isInside(4, 1); // lists 1 and 2
    expect(await view.isInside(5, 0)).toBe(true); // lists the root: 5 is known now
    asked = [];
    expect(await view.isInside(5, 1)).toBe(false);
    expect(asked).toEqual([]);
    expect(await view.isInside(999, 1)).toBe(false);
    expect(asked).toEqual(["ls 3", "ls 4"]); // 1 and 2 are fresh: only what was never listed
    asked = [];
    expect(await view.isInside(999, 1)).toBe(false);
    expect(asked).toEqual([]);
  });

  it("past the window, each stale link is confirmed once; a moved folder is then outside", async () => {
    await view.isInside(4, 1);
    t += WINDOW + 1;
    asked = [];
    expect(await view.isInside(4, 1)).toBe(true);
    expect(asked).toEqual(["ls 2", "ls 1"]);
    t += WINDOW + 1;
    asked = [];
    tree.set(2, []);
    tree.set(5, [4]); // 4 moved out, to 5, directly on 1fichier
    expect(await view.isInside(4, 1)).toBe(false);
    expect(asked).toEqual(["ls 2", "ls 1", "ls 3"]);
  });

  it("forget(): what the index could not record is asked again", async () => {
    await view.isInside(4, 1);
    view.forget();
    asked = [];
    expect(await view.isInside(4, 1)).toBe(true);
    expect(asked).toEqual(["ls 2", "ls 1"]);
  });

  it("what the gateway made is known at once", async () => {
    await view.isInside(3, 1);
    t += WINDOW + 1;
    view.changed({ type: "folder-created", parentId: 3, folderId: 9, name: "new", at: t });
    asked = [];
    expect(await view.isInside(9, 1)).toBe(true);
    expect(asked).toEqual(["ls 1"]);
  });
});
