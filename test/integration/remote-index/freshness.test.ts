// The index's freshness against the emulator: a folder read within the listing window is served without a
// call; an older one is listed again; `refresh` forces a listing; `cached` never calls and says how old each
// entry is; listings the client makes for other reasons feed the index too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/api/errors.js";
import { openIndex } from "../../../src/remote-index/open.js";
import { type TestEmulator, withEmulator } from "../../helpers/emulator.js";
import { clientOn, listings, uploadOne } from "./support.js";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await withEmulator();
});
afterAll(async () => {
  await emu?.close();
});

describe("freshness", () => {
  it("serves a folder from the index within the window, lists it after, on refresh, never when cached", async () => {
    const { client, clock } = clientOn(emu);
    const dir = await client.folders.create({ name: "fresh-a" });
    await uploadOne(client, "b.txt", "bbb", dir.folderId);
    await uploadOne(client, "a.txt", "a", dir.folderId);
    const index = await openIndex(client, { memory: true });

    const n0 = listings(emu);
    const first = await index.list(dir.folderId);
    expect(listings(emu) - n0).toBe(1);
    expect(first.fromIndex).toBe(false);
    expect(first.ageMs).toBe(0);
    expect(first.files.map((f) => [f.name, f.size])).toEqual([
      ["a.txt", 1],
      ["b.txt", 3],
    ]);
    expect(first.files[0]?.whirlpool).toMatch(/^[0-9a-f]{128}$/);

    clock.t += 29_000;
    const again = await index.list(dir.folderId);
    expect(listings(emu) - n0).toBe(1);
    expect(again.fromIndex).toBe(true);
    expect(again.ageMs).toBe(29_000);
    expect(again.files).toEqual(first.files);

    clock.t += 2_000;
    expect((await index.list(dir.folderId)).fromIndex).toBe(false);
    expect(listings(emu) - n0).toBe(2);
    expect((await index.list(dir.folderId, { refresh: true })).ageMs).toBe(0);
    expect(listings(emu) - n0).toBe(3);

    clock.t += 3_600_000;
    const cached = await index.list(dir.folderId, { cached: true });
    expect(listings(emu) - n0).toBe(3);
    expect(cached.ageMs).toBe(3_600_000);
    expect(cached.files).toHaveLength(2);
    await expect(index.list(987654, { cached: true })).rejects.toBeInstanceOf(NotFoundError);
    await index.close();
    await client.close();
  });

  it("takes in the listings the client makes for other reasons", async () => {
    const { client } = clientOn(emu);
    const dir = await client.folders.create({ name: "fresh-b" });
    await uploadOne(client, "seen.txt", "s", dir.folderId);
    const index = await openIndex(client, { memory: true });
    // A listing with files, made by someone else holding the same client: complete, so the folder is listed.
    await client.folders.list({ folderId: dir.folderId, files: true });
    const v = await index.list(dir.folderId, { cached: true });
    expect(v.ageMs).toBe(0);
    expect(v.files.map((f) => f.name)).toEqual(["seen.txt"]);
    // A listing of sub-folders only places them, but does not make the folder listed. (Made by another
    // client, so this index has no write-through of it.)
    const { client: elsewhere } = clientOn(emu);
    const other = await elsewhere.folders.create({ name: "fresh-c" });
    const sub = await elsewhere.folders.create({ name: "inner", parentId: other.folderId });
    await client.folders.list({ folderId: 0 });
    await client.folders.list({ folderId: other.folderId });
    expect(index.ageOf(other.folderId)).toBeNull();
    expect(index.knownPath(sub.folderId)).toBe("/fresh-c/inner");
    await elsewhere.close();
    await index.close();
    await client.close();
  });

  it("lists a folder once for parallel readers", async () => {
    const { client } = clientOn(emu);
    const dir = await client.folders.create({ name: "fresh-d" });
    const index = await openIndex(client, { memory: true });
    const n0 = listings(emu);
    const views = await Promise.all([1, 2, 3, 4].map(() => index.list(dir.folderId)));
    expect(listings(emu) - n0).toBe(1);
    expect(new Set(views.map((v) => v.folder.id))).toEqual(new Set([dir.folderId]));
    await index.close();
    await client.close();
  });
});
