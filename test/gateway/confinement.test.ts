// A token confined to /backups/nas, against the emulator: what is inside works (listings, mkdir and then its
// listing, uploads, moves within), every escape gets the API's own not-allowed answer, and answers that list
// things show nothing from outside.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FichierClient } from "../../src/api/client.js";
import { NotAllowedError } from "../../src/api/errors.js";
import { uploadFile } from "../../src/transfer/upload.js";
import { FAST } from "../integration/client/support.js";
import { CANARY, type GatewayHarness, withGateway } from "./support.js";

let h: GatewayHarness;
let owner: FichierClient; // the real key, straight to the emulator: builds the tree
let token: string;
let nasClient: FichierClient; // the confined token, through the gateway
let tmp: string;
const ids = { backups: 0, nas: 0, sub: 0, other: 0 };
const urls = { inside: "", outside: "" };

const NOT_ALLOWED = { status: "KO", message: "Resource not allowed #631" };

async function put(client: FichierClient, name: string, folderId: number): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, randomBytes(1000));
  return (await uploadFile(client, { path, folderId })).url;
}

beforeAll(async () => {
  h = await withGateway();
  tmp = await mkdtemp(join(tmpdir(), "fichier-gw-confine-"));
  owner = createClient({ apiKey: CANARY, apiUrl: h.emu.apiUrl, governor: FAST });
  ids.backups = (await owner.folders.create({ name: "backups" })).folderId;
  ids.nas = (await owner.folders.create({ name: "nas", parentId: ids.backups })).folderId;
  ids.sub = (await owner.folders.create({ name: "sub", parentId: ids.nas })).folderId;
  ids.other = (await owner.folders.create({ name: "other", parentId: ids.backups })).folderId;
  urls.inside = await put(owner, "in.bin", ids.sub);
  urls.outside = await put(owner, "out.bin", ids.other);
  token = await h.token("nas", { folder: { path: "/backups/nas", id: ids.nas } });
  nasClient = createClient({ apiKey: token, apiUrl: h.gw.apiUrl, governor: FAST });
});
afterAll(async () => {
  await owner?.close();
  await nasClient?.close();
  await h?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe("inside the token's folder", () => {
  it("lists its folder and sub-folders; the listing holds nothing from outside", async () => {
    const r = await h.call("folder/ls.cgi", token, { folder_id: ids.nas });
    expect(r.status).toBe(200);
    expect((r.json.sub_folders as { id: number }[]).map((f) => f.id)).toEqual([ids.sub]);
    expect(JSON.stringify(r.json)).not.toMatch(/other|backups/);
    const files = await nasClient.files.list({ folderId: ids.sub });
    expect(files.map((f) => f.url)).toEqual([urls.inside]);
  });

  it("creates a folder and uses it at once, uploads into it, moves a file within", async () => {
    const made = await nasClient.folders.create({ name: "new", parentId: ids.nas });
    expect((await nasClient.folders.list({ folderId: made.folderId })).subFolders).toEqual([]);
    const url = await put(nasClient, "up.bin", made.folderId);
    expect((await owner.files.info({ url })).folderId).toBe(made.folderId);
    await nasClient.files.move({ urls: [url], folderId: ids.sub });
    expect((await owner.files.info({ url })).folderId).toBe(ids.sub);
    expect((await nasClient.download.getToken({ url })).url).toMatch(/^http/);
  });
});

describe("escapes are refused with 403 #631", () => {
  const cases: [string, string, () => Record<string, unknown>][] = [
    ["the root's listing", "folder/ls.cgi", () => ({})],
    ["a parent's listing", "folder/ls.cgi", () => ({ folder_id: ids.backups })],
    ["a sibling's listing", "file/ls.cgi", () => ({ folder_id: ids.other })],
    ["the whole account's files", "file/ls.cgi", () => ({ folder_id: -1 })],
    ["info on a file outside", "file/info.cgi", () => ({ url: urls.outside })],
    ["a download token for a file outside", "download/get_token.cgi", () => ({ url: urls.outside })],
    ["mv into the outside", "file/mv.cgi", () => ({ urls: [urls.inside], destination_folder_id: ids.other })],
    ["mv to the root", "file/mv.cgi", () => ({ urls: [urls.inside] })],
    ["cp out of it", "file/cp.cgi", () => ({ urls: [urls.inside], folder_id: ids.other })],
    ["rm of a file outside", "file/rm.cgi", () => ({ files: [{ url: urls.outside }] })],
    ["a share of a parent", "folder/share.cgi", () => ({ folder_id: ids.backups, share: 1 })],
    [
      "moving its own folder away",
      "folder/mv.cgi",
      () => ({ folder_id: ids.nas, destination_folder_id: ids.other }),
    ],
    [
      "moving a sub-folder out",
      "folder/mv.cgi",
      () => ({ folder_id: ids.sub, destination_folder_id: ids.other }),
    ],
    ["deleting its own folder", "folder/rm.cgi", () => ({ folder_id: ids.nas })],
    ["mkdir outside", "folder/mkdir.cgi", () => ({ folder_id: ids.other, name: "x" })],
    ["remote upload into the root", "remote/request.cgi", () => ({ urls: ["http://127.0.0.1:9/x"] })],
  ];
  for (const [what, endpoint, body] of cases) {
    it(what, async () => {
      const r = await h.call(endpoint, token, body());
      expect(r.status, JSON.stringify(r.json)).toBe(403);
      expect(r.json).toEqual(NOT_ALLOWED);
    });
  }

  it("nothing outside changed", async () => {
    expect((await owner.files.info({ url: urls.outside })).folderId).toBe(ids.other);
    expect((await owner.files.info({ url: urls.inside })).folderId).toBe(ids.sub);
    expect(
      (await owner.folders.list({ folderId: ids.backups, fresh: true })).subFolders.map((f) => f.id).sort(),
    ).toEqual([ids.nas, ids.other].sort());
    expect((await owner.files.list({ folderId: ids.other, fresh: true })).map((f) => f.url)).toEqual([
      urls.outside,
    ]);
  });

  it("an upload into a folder outside reaches nothing (the did is read on the way)", async () => {
    const path = join(tmp, "sneak.bin");
    await writeFile(path, randomBytes(50_000));
    await expect(uploadFile(nasClient, { path, folderId: ids.other })).rejects.toBeInstanceOf(
      NotAllowedError,
    );
    await expect(uploadFile(nasClient, { path })).rejects.toBeInstanceOf(NotAllowedError);
    expect((await owner.files.list({ folderId: ids.other, fresh: true })).map((f) => f.filename)).toEqual([
      "out.bin",
    ]);
    expect((await owner.files.list({ folderId: 0, fresh: true })).map((f) => f.filename)).toEqual([]);
  });

  it("a malformed target is a bad request, not a guess", async () => {
    const r = await h.call("folder/ls.cgi", token, { folder_id: `${ids.nas} OR 1` });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ status: "KO", message: "Bad request #9005" });
  });

  it("the audit log names the targets and the reason, never the token", async () => {
    const refused = h.records.filter((r) => r.reason?.startsWith("folder"));
    expect(refused.length).toBeGreaterThanOrEqual(16);
    expect(refused.every((r) => r.token === "nas" && r.status === 403 && r.code === 631)).toBe(true);
    expect(await h.auditText()).not.toContain(token);
  });
});
