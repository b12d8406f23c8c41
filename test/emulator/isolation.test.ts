// Isolation between accounts (DECISIONS "Identity and formats", "Errors"): key B can neither see, change,
// download nor delete A's private files, nor touch A's folders, through any endpoint.
import { beforeAll, describe, expect, it } from "vitest";
import { expectKo, ko, type Uploaded, useHarness } from "./support/http.js";

const h = useHarness();
let a: string; // owner
let b: string; // intruder
let file: Uploaded;
let folder: number;

const NOT_ALLOWED = ko("Resource not allowed #631");
const NO_FOLDER = ko("Folder not found #9001");

beforeAll(async () => {
  a = h.premium;
  b = h.gold;
  folder = await h.raw.mkdir(a, "a-private");
  [file] = (await h.raw.uploadMany([{ name: "a-secret.txt", data: "A's data" }], {
    key: a,
    fields: { did: String(folder) },
  })) as [Uploaded];
});

async function ownerStillSees() {
  const info = await h.raw.ok("file/info.cgi", { url: file.url }, a);
  expect(info).toMatchObject({ filename: "a-secret.txt", folder_id: folder, description: "" });
  expect(info.pass).toBe(0);
  const ls = await h.raw.ok("folder/ls.cgi", { folder_id: folder }, a);
  expect(ls.name).toBe("a-private");
  return info;
}

describe("B cannot see A's files", () => {
  it("file/info.cgi -> 403 #631", async () => {
    const r = await h.raw.api("file/info.cgi", { url: file.url }, b);
    expectKo(r, 403, NOT_ALLOWED);
  });

  it("file/ls.cgi -1 and root do not show them", async () => {
    for (const folder_id of [-1, 0]) {
      const j = await h.raw.ok("file/ls.cgi", { folder_id }, b);
      expect(j.items.map((i: { url: string }) => i.url)).not.toContain(file.url);
    }
  });

  it("file/ls.cgi and folder/ls.cgi on A's folder id -> 404 #9001", async () => {
    for (const path of ["file/ls.cgi", "folder/ls.cgi"]) {
      const r = await h.raw.api(path, { folder_id: folder }, b);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.json).toEqual(NO_FOLDER);
    }
  });

  it("folder/ls.cgi of B's root does not show A's folders", async () => {
    const j = await h.raw.ok("folder/ls.cgi", { folder_id: 0 }, b);
    expect(j.sub_folders.map((f: { id: number }) => f.id)).not.toContain(folder);
  });
});

describe("B cannot download A's files", () => {
  it("download/get_token.cgi -> 403 #631", async () => {
    const r = await h.raw.api("download/get_token.cgi", { url: file.url }, b);
    expectKo(r, 403, NOT_ALLOWED);
  });

  it("file/cp.cgi of A's file into B's root -> 403 #631, nothing copied", async () => {
    const r = await h.raw.api("file/cp.cgi", { urls: [file.url], folder_id: 0 }, b);
    expectKo(r, 403, NOT_ALLOWED);
    const mine = await h.raw.ok("file/ls.cgi", { folder_id: 0 }, b);
    expect(mine.items.map((i: { filename: string }) => i.filename)).not.toContain("a-secret.txt");
  });
});

describe("B cannot change or delete A's files", () => {
  it.each([
    ["file/rm.cgi", () => ({ files: [{ url: file.url }] })],
    ["file/mv.cgi", () => ({ urls: [file.url], destination_folder_id: 0 })],
    ["file/rename.cgi", () => ({ urls: [{ url: file.url, filename: "pwned.txt" }] })],
    ["file/chattr.cgi", () => ({ urls: [file.url], description: "pwned", pass: "pwned-pass" })],
    ["file/scan.cgi", () => ({ url: file.url })],
  ])("%s -> 403 #631 and the file is unchanged", async (path, body) => {
    const r = await h.raw.api(path, body(), b);
    expectKo(r, 403, NOT_ALLOWED);
    await ownerStillSees();
  });

  it("file/mv.cgi cannot move B's file into A's folder (404 #9001)", async () => {
    const mine = await h.raw.upload(b, "b-file.txt", "b");
    const r = await h.raw.api("file/mv.cgi", { urls: [mine.url], destination_folder_id: folder }, b);
    expectKo(r, 404, NO_FOLDER);
  });

  it("file/cp.cgi cannot copy B's file into A's folder (404 #9001)", async () => {
    const mine = await h.raw.upload(b, "b-copy.txt", "b");
    const r = await h.raw.api("file/cp.cgi", { urls: [mine.url], folder_id: folder }, b);
    expectKo(r, 404, NO_FOLDER);
  });

  it("an upload by B with did = A's folder lands at B's root (invalid did)", async () => {
    const [up] = await h.raw.uploadMany([{ name: "b-upload.txt", data: "b" }], {
      key: b,
      fields: { did: String(folder) },
    });
    expect((await h.raw.ok("file/info.cgi", { url: up?.url }, b)).folder_id).toBe(0);
    const aList = await h.raw.ok("file/ls.cgi", { folder_id: folder }, a);
    expect(aList.items.map((i: { filename: string }) => i.filename)).not.toContain("b-upload.txt");
  });
});

describe("B cannot touch A's folders", () => {
  it.each([
    ["folder/mkdir.cgi", () => ({ name: "intruder", folder_id: folder })],
    ["folder/rm.cgi", () => ({ folder_id: folder })],
    ["folder/mv.cgi", () => ({ folder_id: folder, rename: "pwned" })],
    ["folder/share.cgi", () => ({ folder_id: folder, share: 1 })],
  ])("%s -> 404 #9001 and the folder is unchanged", async (path, body) => {
    const r = await h.raw.api(path, body(), b);
    expectKo(r, 404, NO_FOLDER);
    const ls = await h.raw.ok("folder/ls.cgi", { folder_id: folder }, a);
    expect(ls.name).toBe("a-private");
    expect(ls.sub_folders).toEqual([]);
    expect(ls.shared ?? "").toBe("");
  });

  it("folder/mv.cgi cannot move B's folder under A's folder", async () => {
    const mine = await h.raw.mkdir(b, "b-folder");
    const r = await h.raw.api("folder/mv.cgi", { folder_id: mine, destination_folder_id: folder }, b);
    expectKo(r, 404, NO_FOLDER);
  });
});

describe("the owner keeps full access", () => {
  it("A can still download its file", async () => {
    await ownerStillSees();
    const got = await h.raw.fetch(await h.raw.token(a, file.url));
    expect(got.text).toBe("A's data");
  });
});
