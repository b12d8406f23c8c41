// Folders past the service's 5 000-result listing cap (spec §12) are read completely: 12 000 files, with
// upload seconds cut across page boundaries, are all read, each page one more listing under the folder's
// spacing. More than 5 000 files in one second cannot be paged past: the read says so.
import { describe, expect, it } from "vitest";
import { openIndex } from "../../../src/remote-index/open.js";
import type { IndexEvent } from "../../../src/remote-index/remote-index.js";
import { useEmulator } from "../../helpers/emulator.js";
import { callsTo, clientOn, seedFiles } from "./support.js";

const emu = useEmulator();

describe("folders of more than 5 000 files", () => {
  it("reads 12 000 files completely, paging with sent_after, each page under the folder's spacing", async () => {
    // The governor's listing spacing is the real one (30 s), on the virtual clock: each page waits for it.
    const { client, clock } = clientOn(emu, { folderListIntervalMs: 30_000 });
    const dir = await client.folders.create({ name: "big" });
    // 5 files per second: page boundaries fall inside a second, so the one-second overlap matters.
    seedFiles(emu, {
      owner: emu.premium.email,
      folder: dir.folderId,
      count: 12_000,
      perSecond: 5,
      start: Date.UTC(2026, 0, 1),
      prefix: "f",
    });
    const events: IndexEvent[] = [];
    const index = await openIndex(client, { memory: true, onEvent: (e) => events.push(e) });
    const folderLs = callsTo(emu, "folder/ls");
    const fileLs = callsTo(emu, "file/ls");
    clock.slept.length = 0;
    const v = await index.list(dir.folderId);
    expect(v.complete).toBe(true);
    expect(v.files).toHaveLength(12_000);
    expect(new Set(v.files.map((f) => f.name)).size).toBe(12_000);
    expect(v.files[0]?.name).toBe("f000000.bin");
    expect(v.files.at(-1)?.name).toBe("f011999.bin");
    expect(callsTo(emu, "folder/ls") - folderLs).toBe(1);
    // 5 000 from folder/ls, then pages of files sent from the last second on: 4 995 new, then the rest.
    expect(callsTo(emu, "file/ls") - fileLs).toBe(2);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(events).toEqual([]);
    const cached = await index.list(dir.folderId, { cached: true });
    expect(cached.files).toHaveLength(12_000);
    // Its age counts from the first page: the read itself took the two spacings.
    expect(cached.ageMs).toBe(60_000);
    await index.close();
    await client.close();
  });

  it("more than 5 000 files in one upload second: the read ends incomplete and says so", async () => {
    const { client } = clientOn(emu);
    const events: IndexEvent[] = [];
    const index = await openIndex(client, { memory: true, onEvent: (e) => events.push(e) });
    const dir = await client.folders.create({ name: "burst" });
    seedFiles(emu, {
      owner: emu.premium.email,
      folder: dir.folderId,
      count: 5_200,
      perSecond: 5_200,
      start: Date.UTC(2026, 1, 1),
      prefix: "b",
    });
    // Seeded behind the index's back: the folder it made empty is listed again on request.
    const v = await index.list(dir.folderId, { refresh: true });
    expect(v.complete).toBe(false);
    expect(v.files).toHaveLength(5_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "incomplete", folderId: dir.folderId });
    expect(events[0]?.message).toMatch(
      /^\/burst could not be read in full: more than 5000 of its files share/,
    );
    // A name beyond what could be read is not declared missing without saying why.
    await expect(index.resolveFile("/burst/b005199.bin")).rejects.toThrow(/more files than 1fichier lists/);
    await index.close();
    await client.close();
  });
});
