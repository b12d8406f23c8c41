// Confinement: what each call touches (pure), and the decision against a folder view with a known tree.
import { describe, expect, it } from "vitest";
import { auditTargets, BadTargetError, checkInside, targetsOf } from "../../src/gateway/confine.js";
import type { FolderView } from "../../src/gateway/folder-view.js";

// A small tree: 0 ─┬─ 1 (root of the token) ─┬─ 2 ── 4
//                  │                         └─ 3
//                  └─ 5 (outside)
const parents = new Map([
  [1, 0],
  [2, 1],
  [3, 1],
  [4, 2],
  [5, 0],
]);
const files = new Map([
  ["https://1fichier.com/?insideaaaaaaaaaaaaaa", 4],
  ["https://1fichier.com/?outsideaaaaaaaaaaaaa", 5],
]);
const view: FolderView = {
  async folderOf(url) {
    return files.get(url);
  },
  async isInside(folderId, rootId) {
    for (let f: number | undefined = folderId; f !== undefined; f = parents.get(f))
      if (f === rootId) return true;
    return false;
  },
  listed() {},
  changed() {},
  fileSeen() {},
};
const IN = "https://1fichier.com/?insideaaaaaaaaaaaaaa";
const OUT = "https://1fichier.com/?outsideaaaaaaaaaaaaa";
const check = (endpoint: string, body: Record<string, unknown>, jobs: number[] = []) =>
  checkInside(targetsOf(endpoint, body), 1, view, jobs);

describe("targetsOf", () => {
  it("reads the targets of each endpoint, with the API's defaults", () => {
    expect(targetsOf("file/ls.cgi", {})).toMatchObject({ folders: [0] });
    expect(targetsOf("file/ls.cgi", { folder_id: "3" })).toMatchObject({ folders: [3] });
    expect(targetsOf("file/ls.cgi", { folder_id: -1 }).unconfinable).toBe("the whole account's listing");
    expect(targetsOf("file/mv.cgi", { urls: [IN] })).toMatchObject({ files: [IN], folders: [0] });
    expect(targetsOf("file/rm.cgi", { files: [{ url: IN }] })).toMatchObject({ files: [IN] });
    expect(targetsOf("file/rename.cgi", { urls: [{ url: IN, filename: "x" }] })).toMatchObject({
      files: [IN],
    });
    expect(targetsOf("folder/mv.cgi", { folder_id: 2, rename: "x" })).toMatchObject({
      own: [2],
      folders: [],
    });
    expect(targetsOf("folder/mv.cgi", { folder_id: 2 })).toMatchObject({ own: [2], folders: [0] });
    expect(targetsOf("download/get_token.cgi", { folder_id: 3, filename: "a" })).toMatchObject({
      folders: [3],
    });
    expect(targetsOf("user/info.cgi", {}).unconfinable).toBeUndefined();
    expect(targetsOf("user/info.cgi", { use_cdn: 1 }).unconfinable).toBe("the account's settings");
    expect(targetsOf("ftp/users/add.cgi", {}).unconfinable).toBe("the whole account");
    expect(targetsOf("folder/ls.cgi", { folder_id: 2, sharing_user: "a@b.c" }).unconfinable).toBe(
      "another user's share",
    );
  });

  it("refuses types the API would not take", () => {
    expect(() => targetsOf("folder/ls.cgi", { folder_id: "2 OR 1" })).toThrow(BadTargetError);
    expect(() => targetsOf("file/mv.cgi", { urls: IN })).toThrow(BadTargetError);
    expect(() => targetsOf("file/rm.cgi", { files: [{ url: 3 }] })).toThrow(BadTargetError);
    expect(() => targetsOf("folder/rm.cgi", {})).toThrow(BadTargetError);
  });

  it("auditTargets keeps ids only and never throws", () => {
    expect(auditTargets("file/mv.cgi", { urls: [IN], destination_folder_id: 3 })).toEqual({
      files: ["insideaaaaaaaaaaaaaa"],
      folders: [3],
    });
    expect(auditTargets("folder/ls.cgi", { folder_id: {} })).toEqual({});
  });
});

describe("checkInside (token confined to folder 1)", () => {
  it("allows what stays inside", async () => {
    expect(await check("folder/ls.cgi", { folder_id: 1 })).toBeUndefined();
    expect(await check("file/ls.cgi", { folder_id: 4 })).toBeUndefined();
    expect(await check("file/mv.cgi", { urls: [IN], destination_folder_id: 3 })).toBeUndefined();
    expect(await check("file/cp.cgi", { urls: [IN], folder_id: 2 })).toBeUndefined();
    expect(await check("folder/mkdir.cgi", { folder_id: 1, name: "n" })).toBeUndefined();
    expect(await check("folder/share.cgi", { folder_id: 1, share: 1 })).toBeUndefined();
    expect(await check("folder/mv.cgi", { folder_id: 4, destination_folder_id: 3 })).toBeUndefined();
    expect(await check("remote/info.cgi", { id: 8 }, [8])).toBeUndefined();
  });

  it("refuses every escape", async () => {
    const escapes: [string, Record<string, unknown>][] = [
      ["folder/ls.cgi", {}], // the root's listing
      ["folder/ls.cgi", { folder_id: 5 }],
      ["folder/ls.cgi", { folder_id: 999 }], // unknown ids are outside
      ["file/ls.cgi", { folder_id: -1 }],
      ["file/info.cgi", { url: OUT }],
      ["file/info.cgi", { url: "https://1fichier.com/?unknownaaaaaaaaaaaa" }],
      ["download/get_token.cgi", { url: OUT }],
      ["file/mv.cgi", { urls: [IN], destination_folder_id: 5 }], // mv into the outside
      ["file/mv.cgi", { urls: [IN] }], // to the root
      ["file/mv.cgi", { urls: [OUT], destination_folder_id: 2 }], // pull in from outside
      ["file/cp.cgi", { urls: [IN], folder_id: 5 }], // cp out of it
      ["file/rm.cgi", { files: [{ url: IN }, { url: OUT }] }],
      ["folder/share.cgi", { folder_id: 0, share: 1 }], // a share of a parent
      ["folder/mv.cgi", { folder_id: 1, destination_folder_id: 3 }], // the root itself
      ["folder/rm.cgi", { folder_id: 1 }],
      ["folder/mv.cgi", { folder_id: 2, destination_folder_id: 5 }],
      ["folder/mkdir.cgi", { name: "x" }],
      ["remote/request.cgi", { urls: ["http://x"] }],
      ["remote/info.cgi", { id: 9 }],
      ["user/info.cgi", { ftp_did: 5 }],
      ["vouchers/use.cgi", { voucher: "v" }],
      ["file/mv.cgi", { urls: [IN], destination_folder_id: 0, destination_user: "x@y.z" }],
    ];
    for (const [endpoint, body] of escapes) {
      expect(await check(endpoint, body), `${endpoint} ${JSON.stringify(body)}`).toBeDefined();
    }
  });
});
