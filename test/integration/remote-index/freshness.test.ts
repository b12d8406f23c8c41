// The index's freshness against the emulator: a folder read within the listing window is served without a
// call; an older one is listed again; `refresh` forces a listing; `cached` never calls and says how old each
// entry is; listings the client makes for other reasons feed the index too.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/api/errors.js";
import { NotIndexedError } from "../../../src/remote-index/errors.js";
import { createMemoryIndex } from "../../../src/remote-index/memory-store.js";
import { openIndex } from "../../../src/remote-index/open.js";
import { useEmulator } from "../../helpers/emulator.js";
import { clientOn, listings, uploadOne } from "./support.js";

const emu = useEmulator();

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

  it("stamps a listing that waited for its slot when it was sent, so the next read within the window is free", async () => {
    const { client, clock } = clientOn(emu, { folderListIntervalMs: 30_000 });
    const dir = await client.folders.create({ name: "fresh-waited" });
    await uploadOne(client, "w.txt", "w", dir.folderId);
    const index = await openIndex(client, { memory: true });
    await index.list(dir.folderId);
    clock.t += 2_000;
    // --refresh 2 s later: the governor holds the listing 28 s for the folder's spacing, then sends it.
    const n0 = listings(emu);
    const refreshed = await index.list(dir.folderId, { refresh: true });
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(28_000);
    expect(refreshed.ageMs).toBe(0);
    clock.t += 25_000;
    const next = await index.list(dir.folderId);
    expect(next.fromIndex).toBe(true);
    expect(next.ageMs).toBe(25_000);
    expect(listings(emu) - n0).toBe(1);
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

  it("listedSince (--refresh): entries older than it are listed again, once; those since are served", async () => {
    const { client, clock } = clientOn(emu);
    const stateDir = mkdtempSync(join(tmpdir(), "fichier-index-since-"));
    const dir = await client.folders.create({ name: "fresh-since" });
    // An earlier run listed the root and the folder into the index file.
    const earlier = await openIndex(client, { stateDir });
    await earlier.list(0);
    await earlier.list(dir.folderId);
    await earlier.close();
    const n0 = listings(emu);
    const listedSince = clock.t + 1;
    clock.t += 5_000;
    const index = await openIndex(client, { stateDir, listedSince });
    expect(index.isFresh(dir.folderId)).toBe(false);
    await index.list(dir.folderId);
    expect(listings(emu) - n0).toBe(1);
    // Listed since: served, however often the run reads it.
    expect(index.isFresh(dir.folderId)).toBe(true);
    expect((await index.list(dir.folderId)).fromIndex).toBe(true);
    // The walk lists the root again (once); a folder made since is known empty, served.
    const made = await index.resolveFolder("/fresh-since/new", { create: true });
    expect(made.created).toBe(true);
    expect((await index.list(made.id)).fromIndex).toBe(true);
    expect((await index.list(0)).fromIndex).toBe(true);
    expect(listings(emu) - n0).toBe(2);
    // Already there: not made again, and not said to be.
    expect((await index.resolveFolder("/fresh-since/new", { create: true })).created).toBeUndefined();
    expect(listings(emu) - n0).toBe(2);
    await index.close();
    await client.close();
  });

  it("markStale: the next read lists the folder again, with no call until then", async () => {
    const { client } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    const dir = await index.resolveFolder("/fresh-stale", { create: true });
    expect(index.isFresh(dir.id)).toBe(true);
    const n0 = listings(emu);
    index.markStale(dir.id);
    expect(listings(emu) - n0).toBe(0);
    expect(index.isFresh(dir.id)).toBe(false);
    expect((await index.list(dir.id)).fromIndex).toBe(false);
    expect(listings(emu) - n0).toBe(1);
    await index.close();
    await client.close();
  });

  it("cached: a path through a folder never listed is NotIndexedError, not a plain not-found", async () => {
    const { client } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    const root = await index.list(0);
    const known = root.subFolders[0];
    expect(known).toBeDefined();
    // Known from its parent's listing, never listed itself: what it holds is unknown.
    const e = await index.resolve(`/${known?.name}/anything`, { cached: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotIndexedError);
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as Error).message).toBe(
      `/${known?.name} has never been listed: the index does not know what it holds`,
    );
    // A name missing from a folder that was listed is a plain not-found, even cached.
    const missing = await index.resolve("/no-such-name-here", { cached: true }).catch((x: unknown) => x);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).not.toBeInstanceOf(NotIndexedError);
    await index.close();
    await client.close();
  });

  it("createMemoryIndex reads through any source with the client's listing calls", async () => {
    const { client } = clientOn(emu);
    const dir = await client.folders.create({ name: "fresh-memory" });
    await uploadOne(client, "m.txt", "m", dir.folderId);
    const index = createMemoryIndex(client);
    expect(index.location).toBe("memory");
    expect((await index.resolveFile("/fresh-memory/m.txt")).size).toBe(1);
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
