// What the gateway's traffic tells its index (pure): listings as the client's observers get them, the changes
// read from each call's body and answer, and nothing from calls about another user's share.
import { describe, expect, it } from "vitest";
import { changeOf, fileSeenOf, listingOf, uploadAdded } from "../../src/gateway/index-feed.js";

const A = "https://1fichier.com/?aaaaaaaaaaaaaaaaaaaa";
const B = "https://1fichier.com/?bbbbbbbbbbbbbbbbbbbb";
const at = 1_000;
const item = {
  url: A,
  filename: "a%20b.txt",
  size: "3",
  date: "2026-01-05 10:00:00",
  checksum: "00",
  pass: 0,
  cdn: 0,
};
const folder = {
  folder_id: 7,
  name: "seven",
  create_date: "2026-01-05 10:00:00",
  pass: 0,
  files: 1,
  size: 3,
  sub_folders: [{ id: 8, name: "eight", create_date: "2026-01-05 10:00:00", pass: 0 }],
  items: [item],
};

describe("listingOf", () => {
  it("reads folder/ls.cgi (files only when asked for) and file/ls.cgi pages", () => {
    const plain = listingOf({ endpoint: "folder/ls.cgi", body: { folder_id: 7 }, json: folder, at });
    expect(plain).toMatchObject({ folderId: 7, startedAt: at, subFolders: [{ id: 8, name: "eight" }] });
    expect(plain?.files).toBeUndefined();
    const full = listingOf({
      endpoint: "folder/ls.cgi",
      body: { folder_id: "7", files: 1 },
      json: folder,
      at,
    });
    expect(full?.files?.map((f) => f.filename)).toEqual(["a%20b.txt"]);
    const page = listingOf({
      endpoint: "file/ls.cgi",
      body: { folder_id: 7, sent_after: "2026-01-01 00:00:00" },
      json: { items: [item] },
      at,
    });
    expect(page).toMatchObject({ endpoint: "file/ls.cgi", folderId: 7, sentAfter: "2026-01-01 00:00:00" });
  });

  it("tells nothing of another user's share, the whole account, a mismatched or unexpected answer", () => {
    const skip = [
      { endpoint: "folder/ls.cgi", body: { folder_id: 7, sharing_user: "x@y.z" }, json: folder },
      { endpoint: "file/ls.cgi", body: { folder_id: -1 }, json: { items: [item] } },
      { endpoint: "folder/ls.cgi", body: { folder_id: 9 }, json: folder },
      { endpoint: "folder/ls.cgi", body: { folder_id: 7 }, json: { status: "OK" } },
      { endpoint: "folder/ls.cgi", body: { folder_id: "7 OR 1" }, json: folder },
      // A sub-folder numbered as the root (an id missing) or as the folder itself.
      {
        endpoint: "folder/ls.cgi",
        body: { folder_id: 7 },
        json: { ...folder, sub_folders: [{ name: "x", create_date: "", pass: 0 }] },
      },
      {
        endpoint: "folder/ls.cgi",
        body: { folder_id: 7 },
        json: { ...folder, sub_folders: [{ id: 7, name: "x", create_date: "", pass: 0 }] },
      },
    ];
    for (const c of skip) expect(listingOf({ ...c, at }), JSON.stringify(c.body)).toBeUndefined();
  });
});

describe("changeOf", () => {
  const change = (endpoint: string, body: Record<string, unknown>, json: Record<string, unknown> = {}) =>
    changeOf({ endpoint, body, json: { status: "OK", ...json }, at });

  it("reads every change the index keeps, names decoded", () => {
    expect(change("folder/mkdir.cgi", { folder_id: 7, name: "n" }, { folder_id: 9, name: "＜a＞" })).toEqual({
      type: "folder-created",
      parentId: 7,
      folderId: 9,
      name: "<a>",
      at,
    });
    expect(change("folder/mkdir.cgi", { name: "n" }, { folder_id: 9, name: "n" })).toMatchObject({
      parentId: 0,
    });
    expect(change("folder/mv.cgi", { folder_id: 9 })).toEqual({
      type: "folder-moved",
      folderId: 9,
      parentId: 0,
      at,
    });
    expect(change("folder/mv.cgi", { folder_id: 9, rename: "r" })).toEqual({
      type: "folder-moved",
      folderId: 9,
      name: "r",
      at,
    });
    expect(change("folder/rm.cgi", { folder_id: 9 })).toEqual({ type: "folder-removed", folderId: 9, at });
    expect(change("file/mv.cgi", { urls: [A, B], destination_folder_id: 7 }, { urls: [A] })).toEqual({
      type: "files-moved",
      folderId: 7,
      urls: [A],
      at,
    });
    expect(
      change("file/cp.cgi", { urls: [A], folder_id: 7 }, { urls: [{ from_url: A, to_url: B }] }),
    ).toEqual({
      type: "files-copied",
      folderId: 7,
      copies: [{ from: A, to: B }],
      at,
    });
    expect(change("file/rm.cgi", { files: [{ url: A }, { url: 3 }] })).toEqual({
      type: "files-removed",
      urls: [A],
      at,
    });
  });

  it("nothing for reads, other users' shares, or an answer without what it needs", () => {
    expect(change("file/info.cgi", { url: A })).toBeUndefined();
    expect(
      change("file/mv.cgi", { urls: [A], destination_folder_id: 7, destination_user: "x@y.z" }),
    ).toBeUndefined();
    expect(change("folder/mkdir.cgi", { folder_id: 7, name: "n" })).toBeUndefined();
    expect(change("folder/rm.cgi", { folder_id: "x" })).toBeUndefined();
    // What would bend the tree: a new folder numbered as the root or its own parent, the root moved.
    expect(
      change("folder/mkdir.cgi", { folder_id: 7, name: "n" }, { folder_id: 0, name: "n" }),
    ).toBeUndefined();
    expect(
      change("folder/mkdir.cgi", { folder_id: 7, name: "n" }, { folder_id: 7, name: "n" }),
    ).toBeUndefined();
    expect(change("folder/mv.cgi", { folder_id: 0, destination_folder_id: 7 })).toBeUndefined();
    expect(change("folder/mv.cgi", { folder_id: 7, destination_folder_id: 7 })).toBeUndefined();
  });
});

describe("fileSeenOf and uploadAdded", () => {
  it("a file's folder from file/info.cgi; an upload's files from end.pl", () => {
    const info = { ...item, folder_id: 7, path: "/seven", description: "", inline: 0, no_ssl: 0 };
    expect(fileSeenOf({ endpoint: "file/info.cgi", body: { url: A }, json: info, at })).toEqual({
      url: A,
      folderId: 7,
    });
    const links = [{ download: A, filename: "up.bin", remove: "r", size: "10", whirlpool: "ff" }];
    expect(uploadAdded(7, { incoming: 0, links }, at)).toEqual({
      type: "files-added",
      folderId: 7,
      files: [{ url: A, name: "up.bin", size: 10, whirlpool: "ff" }],
      at,
    });
    expect(uploadAdded(7, { incoming: 1, links: [] }, at)).toBeUndefined();
  });
});
