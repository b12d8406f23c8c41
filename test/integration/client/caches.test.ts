// Caches: listings are served from cache within their interval and dropped by the client's own changes;
// the account info is shared between clients (processes) using the same key through the state file.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../../src/api/client.js";
import { useEmulator } from "../../helpers/emulator.js";
import { FAST, uploadOne, virtualClock } from "./support.js";

const emu = useEmulator();
let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "fichier-caches-"));
});
afterAll(async () => {
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

const count = (part: string) =>
  Object.entries(emu.admin.stats().byEndpoint)
    .filter(([k]) => k.includes(part))
    .reduce((n, [, v]) => n + v, 0);

describe("listing cache", () => {
  it("serves repeats from cache and drops it after the client's own mkdir and upload", async () => {
    // The governor's time is virtual: the folder's spacing shows as a sleep, not as wall time.
    const clock = virtualClock();
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: { ...FAST, folderListIntervalMs: 400, clock },
    });
    const first = await client.folders.list({ folderId: 0, files: true });
    const n0 = count("folder/ls");
    const again = await client.folders.list({ folderId: 0, files: true });
    expect(count("folder/ls")).toBe(n0);
    expect(again).toEqual(first);

    const made = await client.folders.create({ name: "cache-new" });
    clock.slept.length = 0;
    const after = await client.folders.list({ folderId: 0, files: true });
    expect(count("folder/ls")).toBe(n0 + 1);
    expect(after.subFolders.some((f) => f.id === made.folderId)).toBe(true);
    // The folder's spacing still applied to the real call: it waited out the 400 ms since the first listing.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(400);

    await uploadOne(client, "cache.txt", "c", made.folderId);
    const items = await client.files.list({ folderId: made.folderId });
    expect(items.map((i) => i.filename)).toEqual(["cache.txt"]);
    await client.close();
  });
});

describe("shared account-info cache", () => {
  it("a second client with the same key and state dir reuses the first one's user/info answer", async () => {
    const gov = { shared: true, stateDir, rate: 100, burst: 100 };
    const a = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: gov });
    const before = count("user/info");
    const infoA = await a.user.info();
    expect(count("user/info")).toBe(before + 1);
    await a.close();
    const b = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: gov });
    const infoB = await b.user.info();
    expect(count("user/info")).toBe(before + 1);
    expect(infoB.email).toBe(infoA.email);
    // Another key does not see it.
    const c = createClient({ apiKey: emu.free.apiKey, apiUrl: emu.apiUrl, governor: gov });
    expect((await c.user.info()).email).toBe(emu.free.email);
    expect(count("user/info")).toBe(before + 2);
    await b.close();
    await c.close();
  });
});
