// Folder checks on the gateway's remote index, against the emulator: what the gateway itself listed or made
// within the listing window is checked with no call (counted at the emulator), what is older is asked again,
// the index outlives a restart, and no id the index learnt opens a way out: not an id learnt through another
// token, not a folder the owner moved out of the token's folder directly on 1fichier.
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FichierClient } from "../../src/api/client.js";
import type { Clock } from "../../src/api/governor.js";
import { startGateway } from "../../src/gateway/server.js";
import { uploadFile } from "../../src/transfer/upload.js";
import { FAST } from "../integration/client/support.js";
import { CANARY, type GatewayHarness, withGateway } from "./support.js";

/** Real time plus a skew the test moves forward: waits stay real, the listing window can be jumped past. */
function skewedClock(): Clock & { skip(ms: number): void } {
  let skew = 0;
  return {
    now: () => Date.now() + skew,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, Math.max(0, ms));
        signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(signal.reason);
        });
      }),
    skip(ms) {
      skew += ms;
    },
  };
}

const WINDOW = 30_000;
const NOT_ALLOWED = { status: "KO", message: "Resource not allowed #631" };

let h: GatewayHarness;
let clock: ReturnType<typeof skewedClock>;
let owner: FichierClient; // the real key, straight to the emulator: the owner acting on 1fichier directly
let tmp: string;
const ids = { backups: 0, nas: 0, sub: 0, deep: 0, other: 0 };
const urls = { inside: "", outside: "" };
let nas: string; // token confined to /backups/nas
let other: string; // token confined to /backups/other

async function put(client: FichierClient, name: string, folderId: number): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, randomBytes(1000));
  return (await uploadFile(client, { path, folderId })).url;
}

/** Calls the gateway and says how many requests reached the emulator meanwhile. */
async function counted(endpoint: string, token: string, body: Record<string, unknown>) {
  const before = h.emu.admin.stats().requests;
  const r = await h.call(endpoint, token, body);
  return { ...r, upstream: h.emu.admin.stats().requests - before };
}

beforeAll(async () => {
  clock = skewedClock();
  h = await withGateway({ governor: { ...FAST, clock } });
  tmp = await mkdtemp(join(tmpdir(), "fichier-gw-index-"));
  owner = createClient({ apiKey: CANARY, apiUrl: h.emu.apiUrl, governor: FAST });
  const folder = (path: string) => owner.paths.resolveFolder(path, { create: true });
  ids.deep = await folder("/backups/nas/sub/deep");
  ids.other = await folder("/backups/other");
  for (const [k, path] of [
    ["backups", "/backups"],
    ["nas", "/backups/nas"],
    ["sub", "/backups/nas/sub"],
  ] as const)
    ids[k] = await folder(path);
  urls.inside = await put(owner, "in.bin", ids.deep);
  urls.outside = await put(owner, "out.bin", ids.other);
  nas = await h.token("nas", { folder: { path: "/backups/nas", id: ids.nas } });
  other = await h.token("other", { folder: { path: "/backups/other", id: ids.other } });
});
afterAll(async () => {
  await owner?.close();
  await h?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe("checks on what the gateway knows cost no call", () => {
  it("a folder below listings the gateway just passed on: one request upstream per call, the call itself", async () => {
    expect((await counted("folder/ls.cgi", nas, { folder_id: ids.nas })).status).toBe(200);
    expect((await counted("folder/ls.cgi", nas, { folder_id: ids.sub, files: 1 })).upstream).toBe(1);
    const deep = await counted("file/ls.cgi", nas, { folder_id: ids.deep });
    expect(deep.status).toBe(200);
    expect(deep.upstream).toBe(1);
    // The file's folder comes from that listing: no file/info.cgi before the call.
    const info = await counted("file/info.cgi", nas, { url: urls.inside });
    expect(info.status).toBe(200);
    expect(info.upstream).toBe(1);
  });

  it("what the gateway made is known at once: mkdir, then its listing, an upload into it, a move of the upload", async () => {
    const made = await counted("folder/mkdir.cgi", nas, { folder_id: ids.sub, name: "made" });
    expect(made.status).toBe(200);
    const id = Number(made.json.folder_id);
    expect((await counted("folder/ls.cgi", nas, { folder_id: id })).upstream).toBe(1);
    const client = createClient({ apiKey: nas, apiUrl: h.gw.apiUrl, governor: FAST });
    try {
      const url = await put(client, "up.bin", id);
      // The file's folder was written through from end.pl: the move's check asks nothing.
      const moved = await counted("file/mv.cgi", nas, { urls: [url], destination_folder_id: ids.deep });
      expect(moved.status).toBe(200);
      expect(moved.upstream).toBe(1);
      expect((await owner.files.info({ url })).folderId).toBe(ids.deep);
    } finally {
      await client.close();
    }
  });

  it("past the listing window, a known folder is confirmed with one listing per stale link, no walk", async () => {
    clock.skip(WINDOW + 1000);
    // deep → sub → nas: two links, each confirmed by listing its parent once.
    const r = await counted("folder/ls.cgi", nas, { folder_id: ids.deep });
    expect(r.status).toBe(200);
    expect(r.upstream).toBe(3);
    expect((await counted("folder/ls.cgi", nas, { folder_id: ids.deep })).upstream).toBe(1);
  });

  it("the index outlives a restart: a gateway started on the same folder knows the tree", async () => {
    expect((await readdir(h.dir)).some((f) => /^index-.*\.sqlite$/.test(f))).toBe(true);
    // A full listing of nas and of sub (files included) marks them read in full, in the index file.
    await h.call("folder/ls.cgi", nas, { folder_id: ids.nas, files: 1 });
    await h.call("folder/ls.cgi", nas, { folder_id: ids.sub, files: 1 });
    const again = await startGateway({
      key: { current: () => CANARY, refresh: async () => false },
      dir: h.dir,
      apiUrl: h.emu.apiUrl,
      port: 0,
      governor: { ...FAST, clock },
    });
    try {
      const before = h.emu.admin.stats().requests;
      const res = await fetch(`${again.apiUrl}/folder/ls.cgi`, {
        method: "POST",
        headers: { authorization: `Bearer ${nas}`, "content-type": "application/json" },
        body: JSON.stringify({ folder_id: ids.deep }),
      });
      expect(res.status).toBe(200);
      expect(h.emu.admin.stats().requests - before).toBe(1);
    } finally {
      await again.close();
    }
  });
});

describe("no id the index learnt opens a way out", () => {
  it("ids learnt through one token are refused to another token confined elsewhere", async () => {
    // nas listed sub and deep just above; `other` tries them, and the file learnt from deep's listing.
    await h.call("file/ls.cgi", nas, { folder_id: ids.deep });
    for (const [endpoint, body] of [
      ["folder/ls.cgi", { folder_id: ids.sub }],
      ["file/ls.cgi", { folder_id: ids.deep }],
      ["file/info.cgi", { url: urls.inside }],
      ["download/get_token.cgi", { url: urls.inside }],
      ["folder/mkdir.cgi", { folder_id: ids.deep, name: "x" }],
      ["file/mv.cgi", { urls: [urls.outside], destination_folder_id: ids.deep }],
    ] as const) {
      const r = await h.call(endpoint, other, body);
      expect(r.status, `${endpoint} ${JSON.stringify(body)}`).toBe(403);
      expect(r.json).toEqual(NOT_ALLOWED);
    }
    // And the other way round: what `other` learns is no use to nas.
    await h.call("file/ls.cgi", other, { folder_id: ids.other });
    expect((await h.call("file/info.cgi", nas, { url: urls.outside })).status).toBe(403);
    expect((await h.call("folder/ls.cgi", nas, { folder_id: ids.other })).status).toBe(403);
  });

  it("a folder the owner moves out directly on 1fichier is refused once the window has passed", async () => {
    const moving = (await owner.folders.create({ name: "moving", parentId: ids.sub })).folderId;
    const file = await put(owner, "moving.bin", moving);
    // The gateway learns the folder and its file through the token.
    await h.call("folder/ls.cgi", nas, { folder_id: ids.sub });
    expect((await h.call("file/ls.cgi", nas, { folder_id: moving })).status).toBe(200);
    await owner.folders.move({ folderId: moving, destinationId: ids.other });
    clock.skip(WINDOW + 1000);
    for (const [endpoint, body] of [
      ["folder/ls.cgi", { folder_id: moving }],
      ["file/ls.cgi", { folder_id: moving }],
      ["file/info.cgi", { url: file }],
      ["download/get_token.cgi", { url: file }],
      ["folder/mkdir.cgi", { folder_id: moving, name: "x" }],
      ["file/rm.cgi", { files: [{ url: file }] }],
    ] as const) {
      const r = await h.call(endpoint, nas, body);
      expect(r.status, `${endpoint} ${JSON.stringify(body)}`).toBe(403);
      expect(r.json).toEqual(NOT_ALLOWED);
    }
    expect((await owner.files.info({ url: file })).folderId).toBe(moving);
    // The other way: moved back in by the owner, it is allowed again once the window has passed.
    await owner.folders.move({ folderId: moving, destinationId: ids.deep });
    clock.skip(WINDOW + 1000);
    expect((await h.call("folder/ls.cgi", nas, { folder_id: moving })).status).toBe(200);
    expect((await h.call("file/info.cgi", nas, { url: file })).status).toBe(200);
  });

  it("a file the owner moves out directly is refused once the window has passed", async () => {
    const file = await put(owner, "leaving.bin", ids.deep);
    expect((await h.call("file/ls.cgi", nas, { folder_id: ids.deep })).status).toBe(200);
    await owner.files.move({ urls: [file], folderId: ids.other });
    clock.skip(WINDOW + 1000);
    const r = await h.call("download/get_token.cgi", nas, { url: file });
    expect(r.status).toBe(403);
    expect(r.json).toEqual(NOT_ALLOWED);
  });
});
