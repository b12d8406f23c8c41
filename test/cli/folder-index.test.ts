// The command's folder index against the emulator: each folder listed once per run, and `--to` paths made
// as `mkdir -p` makes them, even when another process makes the same folder between our listing and our
// mkdir (#9002, "Folder already exists").
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/api/client.js";
import { FolderIndex } from "../../src/cli/targets.js";
import { useEmulator } from "../helpers/emulator.js";
import { FAST } from "../integration/client/support.js";

const emu = useEmulator();

const lists = () =>
  Object.entries(emu.admin.stats().byEndpoint)
    .filter(([k]) => k.includes("folder/ls"))
    .reduce((n, [, v]) => n + v, 0);

describe("FolderIndex", () => {
  it("makes missing folders once and lists each folder at most once", async () => {
    const client = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: FAST });
    const index = new FolderIndex(client);
    const before = lists();
    const id = await index.resolve("/fi-a/b/c", true);
    // Only the root is listed: folders just made are known to be empty.
    expect(lists() - before).toBe(1);
    expect(await index.resolve("/fi-a/b/c")).toBe(id);
    expect(lists() - before).toBe(1);
    const l = await client.folders.list({ folderId: 0, fresh: true });
    expect(l.subFolders.filter((f) => f.name === "fi-a")).toHaveLength(1);
    await client.close();
  });

  it("takes the folder another process made after our listing instead of failing on #9002", async () => {
    const ours = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: FAST });
    const other = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: FAST });
    const index = new FolderIndex(ours);
    await index.list(0);
    const theirs = await other.folders.create({ name: "fi-race" });
    const id = await index.resolve("/fi-race/inner", true);
    const inner = await other.folders.list({ folderId: theirs.folderId, fresh: true });
    expect(inner.subFolders.map((f) => [f.name, f.id])).toEqual([["inner", id]]);
    const root = await other.folders.list({ folderId: 0, fresh: true });
    expect(root.subFolders.filter((f) => f.name === "fi-race")).toHaveLength(1);
    await ours.close();
    await other.close();
  });

  it("names the first missing folder without create", async () => {
    const client = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: FAST });
    await expect(new FolderIndex(client).resolve("/fi-none/x")).rejects.toThrow(
      /no folder named "fi-none" in \//,
    );
    await client.close();
  });
});
