// Folder endpoints (spec §7.13-§7.17): shapes (sub-folder key `id`), and the folder rows of DECISIONS.md
// (#9001 unknown, #9002 duplicate, #9003 not empty or root, #9004 invalid name).
import { describe, expect, it } from "vitest";
import { expectKo, ko, PARIS_DATE, useHarness } from "./support/http.js";

const h = useHarness();

describe("folder/mkdir.cgi", () => {
  it("creates a folder and answers {status, folder_id: int, name} (§7.14)", async () => {
    const r = await h.raw.api("folder/mkdir.cgi", { name: "made", folder_id: 0 }, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
    expect(Number.isInteger(r.json.folder_id)).toBe(true);
    expect(r.json.folder_id).toBeGreaterThan(0);
    expect(r.json.name).toBe("made");
  });

  it("creates at the root when folder_id is absent", async () => {
    const j = await h.raw.ok("folder/mkdir.cgi", { name: "rootless" }, h.premium);
    const root = await h.raw.ok("folder/ls.cgi", { folder_id: 0 }, h.premium);
    expect(root.sub_folders.some((f: { id: number }) => f.id === j.folder_id)).toBe(true);
  });

  it("refuses a duplicate name under one parent: 200 KO 'Folder already exists #9002'", async () => {
    await h.raw.mkdir(h.premium, "twice");
    const r = await h.raw.api("folder/mkdir.cgi", { name: "twice", folder_id: 0 }, h.premium);
    expectKo(r, 200, ko("Folder already exists #9002"));
  });

  it("allows the same name under different parents, and names differing only by case (§5)", async () => {
    const a = await h.raw.mkdir(h.premium, "parent-a");
    const b = await h.raw.mkdir(h.premium, "parent-b");
    await h.raw.mkdir(h.premium, "child", a);
    await h.raw.mkdir(h.premium, "child", b);
    await h.raw.mkdir(h.premium, "Child", b);
  });

  it("answers 404 #9001 for an unknown parent", async () => {
    const r = await h.raw.api("folder/mkdir.cgi", { name: "orphan", folder_id: 777777 }, h.premium);
    expectKo(r, 404, ko("Folder not found #9001"));
  });

  it.each([
    ["a forbidden character", 'say "hi"'],
    ["an apostrophe", "it's"],
    ["a backslash", "a\\b"],
    ["a leading space", " lead"],
    ["a trailing space", "trail "],
    ["251 characters", "f".repeat(251)],
  ])("answers 200 KO 'Invalid name #9004' for a name with %s", async (_label, name) => {
    const r = await h.raw.api("folder/mkdir.cgi", { name, folder_id: 0 }, h.premium);
    expectKo(r, 200, ko("Invalid name #9004"));
  });

  it("accepts a name of exactly 250 characters", async () => {
    const j = await h.raw.ok("folder/mkdir.cgi", { name: "f".repeat(250), folder_id: 0 }, h.premium);
    expect(j.name).toBe("f".repeat(250));
  });
});

describe("folder/ls.cgi", () => {
  it("describes a folder and its sub-folders with key `id` (§7.13)", async () => {
    const top = await h.raw.mkdir(h.premium, "ls-top");
    const sub = await h.raw.mkdir(h.premium, "ls-sub", top);
    await h.raw.uploadMany(
      [
        { name: "one.txt", data: "1" },
        { name: "two.txt", data: "22" },
      ],
      { key: h.premium, fields: { did: String(top) } },
    );
    const r = await h.raw.api("folder/ls.cgi", { folder_id: top }, h.premium);
    expect(r.status).toBe(200);
    const j = r.json;
    expect(j).toMatchObject({ status: "OK", folder_id: top, name: "ls-top", pass: 0, files: 2, size: 3 });
    expect(j.create_date).toMatch(PARIS_DATE);
    expect(j.sub_folders).toHaveLength(1);
    const s = j.sub_folders[0];
    expect(s).toMatchObject({ id: sub, name: "ls-sub", pass: 0 });
    expect(s.create_date).toMatch(PARIS_DATE);
    expect(s).not.toHaveProperty("folder_id");
    expect(j).not.toHaveProperty("items");
  });

  it("adds the files as items with files: 1", async () => {
    const top = await h.raw.mkdir(h.premium, "ls-files");
    const [up] = await h.raw.uploadMany([{ name: "f.txt", data: "f" }], {
      key: h.premium,
      fields: { did: String(top) },
    });
    const j = await h.raw.ok("folder/ls.cgi", { folder_id: top, files: 1 }, h.premium);
    expect(j.items).toHaveLength(1);
    expect(j.items[0]).toMatchObject({
      url: up?.url,
      filename: "f.txt",
      size: 1,
      "content-type": "text/plain",
    });
  });

  it("lists the root with folder_id 0 or absent", async () => {
    const id = await h.raw.mkdir(h.premium, "root-child");
    for (const body of [{ folder_id: 0 }, {}]) {
      const j = await h.raw.ok("folder/ls.cgi", body, h.premium);
      expect(j.folder_id).toBe(0);
      expect(
        j.sub_folders.some((f: { id: number; name: string }) => f.id === id && f.name === "root-child"),
      ).toBe(true);
    }
  });

  it('names the root "" (§7.13, E)', async () => {
    expect((await h.raw.ok("folder/ls.cgi", { folder_id: 0 }, h.premium)).name).toBe("");
  });

  it("answers 404 #9001 for an unknown folder", async () => {
    const r = await h.raw.api("folder/ls.cgi", { folder_id: 888888 }, h.premium);
    expectKo(r, 404, ko("Folder not found #9001"));
  });
});

describe("folder/rm.cgi", () => {
  it("deletes an empty folder (§7.17)", async () => {
    const id = await h.raw.mkdir(h.premium, "rm-empty");
    const r = await h.raw.api("folder/rm.cgi", { folder_id: id }, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
    const gone = await h.raw.api("folder/ls.cgi", { folder_id: id }, h.premium);
    expectKo(gone, 404, ko("Folder not found #9001"));
  });

  it("refuses a folder holding a file: 200 KO 'Folder not empty #9003'", async () => {
    const id = await h.raw.mkdir(h.premium, "rm-file");
    await h.raw.uploadMany([{ name: "keep.txt", data: "k" }], {
      key: h.premium,
      fields: { did: String(id) },
    });
    const r = await h.raw.api("folder/rm.cgi", { folder_id: id }, h.premium);
    expectKo(r, 200, ko("Folder not empty #9003"));
    expect((await h.raw.api("folder/ls.cgi", { folder_id: id }, h.premium)).status).toBe(200);
  });

  it("refuses a folder holding a sub-folder with #9003", async () => {
    const id = await h.raw.mkdir(h.premium, "rm-sub");
    await h.raw.mkdir(h.premium, "inner", id);
    const r = await h.raw.api("folder/rm.cgi", { folder_id: id }, h.premium);
    expectKo(r, 200, ko("Folder not empty #9003"));
  });

  it("refuses the root with #9003", async () => {
    const r = await h.raw.api("folder/rm.cgi", { folder_id: 0 }, h.premium);
    expectKo(r, 200, ko("Folder not empty #9003"));
  });

  it("answers 404 #9001 for an unknown folder", async () => {
    const r = await h.raw.api("folder/rm.cgi", { folder_id: 999991 }, h.premium);
    expectKo(r, 404, ko("Folder not found #9001"));
  });
});

describe("folder/mv.cgi", () => {
  it("moves a folder and answers {status, old_name, new_name} (§7.16)", async () => {
    const a = await h.raw.mkdir(h.premium, "mv-src");
    const dest = await h.raw.mkdir(h.premium, "mv-dst");
    const j = await h.raw.ok("folder/mv.cgi", { folder_id: a, destination_folder_id: dest }, h.premium);
    expect(j.old_name).toBe("mv-src");
    expect(j.new_name).toBe("mv-src");
    const ls = await h.raw.ok("folder/ls.cgi", { folder_id: dest }, h.premium);
    expect(ls.sub_folders.map((f: { id: number }) => f.id)).toContain(a);
  });

  it("treats a missing destination_folder_id as the root (§7.16, rclone omitempty)", async () => {
    const p = await h.raw.mkdir(h.premium, "mv-parent");
    const c = await h.raw.mkdir(h.premium, "mv-to-root", p);
    await h.raw.ok("folder/mv.cgi", { folder_id: c }, h.premium);
    const root = await h.raw.ok("folder/ls.cgi", { folder_id: 0 }, h.premium);
    expect(root.sub_folders.map((f: { id: number }) => f.id)).toContain(c);
  });

  it("renames a folder with rename", async () => {
    const a = await h.raw.mkdir(h.premium, "before-rename");
    const j = await h.raw.ok("folder/mv.cgi", { folder_id: a, rename: "after-rename" }, h.premium);
    expect(j).toMatchObject({ old_name: "before-rename", new_name: "after-rename" });
    expect((await h.raw.ok("folder/ls.cgi", { folder_id: a }, h.premium)).name).toBe("after-rename");
  });

  it("refuses a rename onto an existing sibling name with #9002", async () => {
    await h.raw.mkdir(h.premium, "taken");
    const a = await h.raw.mkdir(h.premium, "not-taken");
    const r = await h.raw.api("folder/mv.cgi", { folder_id: a, rename: "taken" }, h.premium);
    expectKo(r, 200, ko("Folder already exists #9002"));
  });

  it("refuses an invalid new name with #9004", async () => {
    const a = await h.raw.mkdir(h.premium, "mv-invalid");
    const r = await h.raw.api("folder/mv.cgi", { folder_id: a, rename: "a>b" }, h.premium);
    expectKo(r, 200, ko("Invalid name #9004"));
  });

  it("answers 404 #9001 for an unknown folder or destination", async () => {
    const a = await h.raw.mkdir(h.premium, "mv-unknown");
    for (const body of [
      { folder_id: 999992, destination_folder_id: 0 },
      { folder_id: a, destination_folder_id: 999993 },
    ]) {
      const r = await h.raw.api("folder/mv.cgi", body, h.premium);
      expectKo(r, 404, ko("Folder not found #9001"));
    }
  });

  it("refuses to move a folder into its own descendant", async () => {
    const a = await h.raw.mkdir(h.premium, "cycle-a");
    const b = await h.raw.mkdir(h.premium, "cycle-b", a);
    const r = await h.raw.api("folder/mv.cgi", { folder_id: a, destination_folder_id: b }, h.premium);
    expect(r.json.status).toBe("KO");
    expect((await h.raw.ok("folder/ls.cgi", { folder_id: b }, h.premium)).sub_folders).toEqual([]);
  });
});

describe("folder/share.cgi", () => {
  it("shares a folder publicly and returns https://1fichier.com/dir/<hash> (§7.15)", async () => {
    const id = await h.raw.mkdir(h.premium, "shared");
    const j = await h.raw.ok("folder/share.cgi", { folder_id: id, share: 1 }, h.premium);
    expect(j.url).toMatch(/^https:\/\/1fichier\.com\/dir\/[A-Za-z0-9]+$/);
    const ls = await h.raw.ok("folder/ls.cgi", { folder_id: id }, h.premium);
    expect(ls.shared).toBe(j.url);
  });

  it("refuses a share password shorter than 6 characters (§7.15)", async () => {
    const id = await h.raw.mkdir(h.premium, "short-share-pass");
    const r = await h.raw.api("folder/share.cgi", { folder_id: id, share: 1, pass: "12345" }, h.premium);
    expect(r.json.status).toBe("KO");
  });

  it("gives a hash that is not the numeric folder id (§3.3)", async () => {
    const id = await h.raw.mkdir(h.premium, "shared-hash");
    const j = await h.raw.ok("folder/share.cgi", { folder_id: id, share: 1 }, h.premium);
    expect(j.url.split("/").pop()).not.toBe(String(id));
  });

  it("answers 404 #9001 for an unknown folder", async () => {
    const r = await h.raw.api("folder/share.cgi", { folder_id: 999994, share: 1 }, h.premium);
    expectKo(r, 404, ko("Folder not found #9001"));
  });
});
