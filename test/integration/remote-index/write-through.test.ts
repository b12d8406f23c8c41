// Write-through against the emulator: every change the client makes updates the index from the service's
// answer, so what fichier itself just did is known without a listing (counted at the emulator).
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/api/errors.js";
import { openIndex } from "../../../src/remote-index/open.js";
import { useEmulator } from "../../helpers/emulator.js";
import { callsTo, clientOn, listings, uploadOne } from "./support.js";

const emu = useEmulator();

describe("write-through", () => {
  it("mkdir -p then resolving and listing the new folders makes no listing", async () => {
    const { client } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    const made = await index.resolveFolder("/wt-a/b/c", { create: true });
    expect(made.path).toBe("/wt-a/b/c");
    expect(callsTo(emu, "mkdir")).toBeGreaterThanOrEqual(3);

    const n0 = listings(emu);
    expect(await index.resolve("/wt-a/b/c")).toMatchObject({
      type: "folder",
      id: made.id,
      path: "/wt-a/b/c",
    });
    const v = await index.list(made.id);
    expect(v).toMatchObject({ fromIndex: true, subFolders: [], files: [] });
    expect(await index.folderPath(made.id)).toBe("/wt-a/b/c");
    expect((await index.ancestors(made.id)).length).toBe(3);
    expect(listings(emu) - n0).toBe(0);
    await index.close();
    await client.close();
  });

  it("client.paths.resolveFolder (the client's memory index) needs no listing for what it made", async () => {
    const { client } = clientOn(emu);
    const id = await client.paths.resolveFolder("/wt-paths/x/y", { create: true });
    const n0 = listings(emu);
    expect(await client.paths.resolveFolder("wt-paths/x/y/")).toBe(id);
    expect(await client.paths.resolveFolder(String(id))).toBe(id);
    expect(listings(emu) - n0).toBe(0);
    await client.close();
  });

  it("copy, move, rename, attributes, remove, folder rename and share are written through", async () => {
    const { client } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    await index.list(0);
    const src = await client.folders.create({ name: "wt-src" });
    const dst = await client.folders.create({ name: "wt-dst" });
    const up = await uploadOne(client, "one.txt", "first", src.folderId);
    const n0 = listings(emu);

    const { urls } = await client.files.copy({
      urls: [up.download],
      folderId: dst.folderId,
      rename: "copy.txt",
    });
    const copy = (await index.list(dst.folderId)).files;
    expect(copy.map((f) => [f.name, f.url, f.size, f.whirlpool])).toEqual([
      ["copy.txt", urls[0]?.to, 5, up.whirlpool],
    ]);

    await client.files.move({ urls: [up.download], folderId: dst.folderId });
    expect((await index.list(src.folderId)).files).toEqual([]);
    await client.files.rename({ url: up.download, filename: "renamed.txt" });
    await client.files.setAttributes({ urls: [up.download], password: "secret-pass", cdn: true });
    const moved = index.file(up.download);
    expect(moved).toMatchObject({ name: "renamed.txt", folderId: dst.folderId, password: true, cdn: true });

    await client.files.remove([urls[0]!.to]);
    expect((await index.list(dst.folderId)).files.map((f) => f.name)).toEqual(["renamed.txt"]);

    await client.folders.move({ folderId: dst.folderId, rename: "wt-dst2" });
    expect(await index.resolve("/wt-dst2/renamed.txt")).toMatchObject({ type: "file", url: up.download });
    const { url } = await client.folders.share({ folderId: dst.folderId, share: true });
    expect(index.folder(dst.folderId)?.shared).toBe(url);
    expect(listings(emu) - n0).toBe(0);

    await client.files.remove([up.download]);
    await client.folders.remove({ folderId: dst.folderId });
    expect(index.folder(dst.folderId)).toBeUndefined();
    await expect(index.list(dst.folderId)).rejects.toBeInstanceOf(NotFoundError);
    await index.close();
    await client.close();
  });

  it("an upload's files are known at once: end.pl's links are written through", async () => {
    const { client } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    // Made through client.paths: both the client's own memory index and this one see the mkdir.
    const dir = { id: await client.paths.resolveFolder("/wt-up", { create: true }) };
    const link = await uploadOne(client, "up.bin", "payload", dir.id);
    const n0 = listings(emu);
    expect(await index.resolveFile("/wt-up/up.bin")).toMatchObject({
      url: link.download,
      size: 7,
      whirlpool: link.whirlpool,
    });
    // And in client.paths: a --to path naming the file is refused at once.
    await expect(client.paths.resolveFolder("/wt-up/up.bin/x", { create: true })).rejects.toThrow(
      "/wt-up/up.bin is a file, not a folder",
    );
    expect(listings(emu) - n0).toBe(0);
    await index.close();
    await client.close();
  });
});
