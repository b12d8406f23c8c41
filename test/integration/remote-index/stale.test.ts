// Changes made elsewhere (another client that does not feed this index, as the website or another tool would):
// a call that meets a stale entry lists that one folder again and goes on, once, with a warning.
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/api/errors.js";
import { openIndex } from "../../../src/remote-index/open.js";
import type { IndexEvent } from "../../../src/remote-index/remote-index.js";
import { useEmulator } from "../../helpers/emulator.js";
import { clientOn, listings, uploadOne } from "./support.js";

const emu = useEmulator();

describe("stale entries", () => {
  it("a name made elsewhere within the window: the folder is listed again once, with a warning", async () => {
    const { client } = clientOn(emu);
    const { client: web } = clientOn(emu);
    const events: IndexEvent[] = [];
    const index = await openIndex(client, { memory: true, onEvent: (e) => events.push(e) });
    const home = await index.resolveFolder("/stale-home", { create: true });
    await index.list(home.id);
    await web.folders.create({ name: "made-elsewhere", parentId: home.id });

    const n0 = listings(emu);
    const found = await index.resolveFolder("/stale-home/made-elsewhere");
    expect(found.path).toBe("/stale-home/made-elsewhere");
    expect(listings(emu) - n0).toBe(1);
    expect(events.map((e) => e.type)).toEqual(["stale"]);
    expect(events[0]?.message).toMatch(/\/stale-home\/made-elsewhere: \/stale-home was changed elsewhere/);

    // A name missing from the listing this index just made: not listed again (the answer would be the same,
    // after the folder's 30 s spacing).
    expect(index.isOwnListing(home.id)).toBe(true);
    await expect(index.resolveFolder("/stale-home/nothing")).rejects.toThrow(
      /no folder named "nothing" in \/stale-home/,
    );
    expect(listings(emu) - n0).toBe(1);
    // A name really missing from a folder served from the index (made, never listed here): listed again once
    // (the index's entry could be stale), no warning.
    const other = await index.resolveFolder("/stale-other", { create: true });
    expect(index.isOwnListing(other.id)).toBe(false);
    await expect(index.resolveFolder("/stale-other/nothing")).rejects.toThrow(
      /no folder named "nothing" in \/stale-other/,
    );
    expect(listings(emu) - n0).toBe(2);
    // With recheckMissing: false (a new name expected, as `mv a b`'s b), not even that.
    const made = await index.resolveFolder("/stale-new", { create: true });
    await expect(index.resolve("/stale-new/next", { recheckMissing: false })).rejects.toThrow(NotFoundError);
    expect(index.isOwnListing(made.id)).toBe(false);
    expect(listings(emu) - n0).toBe(2);
    expect(events).toHaveLength(1);
    await index.close();
    await client.close();
    await web.close();
  });

  it("retryStale: a #469 on a URL the index gave lists the folder again and the call goes on", async () => {
    const { client, clock } = clientOn(emu);
    const { client: web } = clientOn(emu);
    const events: IndexEvent[] = [];
    const index = await openIndex(client, { memory: true, onEvent: (e) => events.push(e) });
    const dir = await index.resolveFolder("/stale-files", { create: true });
    const old = await uploadOne(client, "report.pdf", "version 1", dir.id);
    // Time passes (the virtual clock moves only when told): later listings are newer than the upload.
    clock.t += 1_000;
    // Replaced elsewhere: the old URL is gone, a new one has the name.
    await web.files.remove([old.download]);
    const fresh = await uploadOne(web, "report.pdf", "version 2", dir.id);

    let attempts = 0;
    const token = await index.retryStale(
      dir.id,
      async () => {
        attempts++;
        const f = await index.resolveFile("/stale-files/report.pdf");
        return { url: f.url, token: await client.download.getToken({ url: f.url }) };
      },
      "download /stale-files/report.pdf",
    );
    expect(attempts).toBe(2);
    expect(token.url).toBe(fresh.download);
    expect(events.map((e) => [e.type, e.folderId])).toEqual([["stale", dir.id]]);

    // Once only: a second not-found is the caller's.
    await web.files.remove([fresh.download]);
    await expect(
      index.retryStale(dir.id, async () => client.download.getToken({ url: fresh.download })),
    ).rejects.toBeInstanceOf(NotFoundError);
    await index.close();
    await client.close();
    await web.close();
  });

  it("a folder removed elsewhere is dropped from the index when a listing says #9001", async () => {
    const { client } = clientOn(emu);
    const { client: web } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    const gone = await index.resolveFolder("/stale-gone/inner", { create: true });
    await web.folders.remove({ folderId: gone.id });
    await expect(index.list(gone.id, { refresh: true })).rejects.toBeInstanceOf(NotFoundError);
    expect(index.folder(gone.id)).toBeUndefined();
    expect(index.knownPath(gone.id)).toBeUndefined();
    await index.close();
    await client.close();
    await web.close();
  });
});
