// Persistence (contract `dataDir`): a restart on the same data folder keeps accounts and keys, created
// accounts, rotated keys, folders, files and their bytes, shares, and pending end.pl results.
import { stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, withEmulator } from "../helpers/emulator.js";
import { type Harness, rawHarness, type Uploaded } from "./support/http.js";

let dir: { dir: string; remove(): Promise<void> };
let first: Harness | undefined;
let second: Harness | undefined;

const state = {} as {
  accounts: unknown;
  canaryKey: string;
  rotatedKey: string;
  folder: number;
  sub: number;
  file: Uploaded;
  shareHash: string;
  pendingXid: string;
};

/** The four accounts made on first start, as plain {email, offer, apiKey} (a copy, not a live view). */
function defaults(accounts: ReadonlyArray<{ email: string; offer: number; apiKey: string }>) {
  return accounts
    .filter((a) => /^(free|premium|access|gold)@emulator\.local$/.test(a.email))
    .map(({ email, offer, apiKey }) => ({ email, offer, apiKey }));
}

beforeAll(async () => {
  dir = await tempDir();
  first = rawHarness(await withEmulator({ dataDir: dir.dir }));
  const { raw, em, premium } = first;
  state.accounts = defaults(em.accounts);
  state.canaryKey = em.admin.createAccount({ email: "kept@emulator.local", offer: 2 }).apiKey;
  em.admin.createAccount({ email: "rotated@emulator.local", offer: 1 });
  state.rotatedKey = em.admin.regenerateKey("rotated@emulator.local");
  state.folder = await raw.mkdir(premium, "kept-folder");
  state.sub = await raw.mkdir(premium, "kept-sub", state.folder);
  [state.file] = (await raw.uploadMany(
    [{ name: "kept.bin", data: Buffer.from("persist me, byte for byte") }],
    {
      key: premium,
      fields: { did: String(state.folder) },
    },
  )) as [Uploaded];
  await raw.ok("file/chattr.cgi", { urls: [state.file.url], description: "kept note" }, premium);
  const share = await raw.ok("folder/share.cgi", { folder_id: state.folder, share: 1 }, premium);
  state.shareHash = (share.url as string).split("/").pop() ?? "";
  // An upload whose end.pl has not been read yet.
  const node = await raw.uploadServer(premium);
  const up = await raw.postUpload(node.url, node.id, [{ name: "pending.txt", data: "pending" }], {
    key: premium,
  });
  expect(up.status).toBe(302);
  state.pendingXid = node.id;
  await first.close();
  first = undefined;
  second = rawHarness(await withEmulator({ dataDir: dir.dir }));
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await dir?.remove();
});

describe("restart on the same data folder", () => {
  it("keeps the default accounts and their keys", () => {
    expect(defaults(second?.em.accounts ?? [])).toEqual(state.accounts);
    expect(second?.em.dataDir).toBe(dir.dir);
  });

  it("keeps created accounts and rotated keys", async () => {
    const s = second as Harness;
    expect((await s.raw.api("folder/ls.cgi", {}, state.canaryKey)).json.status).toBe("OK");
    expect((await s.raw.api("folder/ls.cgi", {}, state.rotatedKey)).json.status).toBe("OK");
  });

  it("keeps folders, files, their metadata and bytes", async () => {
    const s = second as Harness;
    const ls = await s.raw.ok("folder/ls.cgi", { folder_id: state.folder, files: 1 }, s.premium);
    expect(ls.name).toBe("kept-folder");
    expect(ls.sub_folders.map((f: { id: number; name: string }) => [f.id, f.name])).toEqual([
      [state.sub, "kept-sub"],
    ]);
    const info = await s.raw.ok("file/info.cgi", { url: state.file.url }, s.premium);
    expect(info).toMatchObject({
      filename: "kept.bin",
      folder_id: state.folder,
      description: "kept note",
      checksum: state.file.whirlpool,
    });
    const got = await s.raw.fetch(await s.raw.token(s.premium, state.file.url));
    expect(got.text).toBe("persist me, byte for byte");
  });

  it("keeps shares", async () => {
    const s = second as Harness;
    const r = await s.raw.fetch(`${s.em.webUrl}/dir/${state.shareHash}?json=1`);
    expect(r.json).toEqual([{ filename: "kept.bin", link: state.file.url, size: 25 }]);
  });

  it("keeps pending end.pl results", async () => {
    const s = second as Harness;
    // The upload host carries the port, which may change across restarts: ask the new one.
    const r = await s.raw.endpl(s.em.uploadHost, state.pendingXid, "json");
    expect(r.json?.links?.map((l: { filename: string }) => l.filename)).toEqual(["pending.txt"]);
  });

  it("keeps ids unique: a new file or folder never reuses a kept id", async () => {
    const s = second as Harness;
    const f = await s.raw.mkdir(s.premium, "after-restart");
    expect(f).not.toBe(state.folder);
    expect(f).not.toBe(state.sub);
    const up = await s.raw.upload(s.premium, "new.txt", "new");
    expect(up.url).not.toBe(state.file.url);
  });

  it("leaves the data folder in place after close", async () => {
    await expect(stat(dir.dir)).resolves.toBeDefined();
  });
});
