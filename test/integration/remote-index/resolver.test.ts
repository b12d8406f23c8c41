// The one path resolver against the emulator: one behaviour for a path through a file, exact names after
// decoding, duplicates, folders another process makes meanwhile (#9002), and each kind of reference.
import { describe, expect, it } from "vitest";
import { InvalidNameError, NotFoundError } from "../../../src/api/errors.js";
import { exitCodeFor } from "../../../src/cli/exit-codes.js";
import { WrongKindError } from "../../../src/remote-index/errors.js";
import { openIndex } from "../../../src/remote-index/open.js";
import { useEmulator } from "../../helpers/emulator.js";
import { callsTo, clientOn, uploadOne } from "./support.js";

const emu = useEmulator();

describe("resolver", () => {
  it("a path through a file, or naming a file where a folder is needed, is exit 2 everywhere", async () => {
    const { client } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    const dir = await index.resolveFolder("/rs-kind", { create: true });
    await uploadOne(client, "notes.txt", "n", dir.id);
    await index.list(dir.id, { refresh: true });
    for (const attempt of [
      () => index.resolveFolder("/rs-kind/notes.txt/sub"),
      () => index.resolveFolder("/rs-kind/notes.txt/sub", { create: true }),
      () => index.resolveFolder("/rs-kind/notes.txt", { create: true }),
      () => index.resolve("/rs-kind/notes.txt/x"),
      () => client.paths.resolveFolder("/rs-kind/notes.txt/sub", { create: true }),
    ]) {
      const e = await attempt().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WrongKindError);
      expect((e as Error).message).toBe("/rs-kind/notes.txt is a file, not a folder");
      expect(exitCodeFor(e)).toBe(2);
    }
    const folderAsFile = await index.resolveFile("/rs-kind").catch((x: unknown) => x);
    expect(folderAsFile).toBeInstanceOf(WrongKindError);
    expect(exitCodeFor(folderAsFile)).toBe(2);
    await index.close();
    await client.close();
  });

  it("classifies references by one rule each", async () => {
    const { client } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    const share = "https://1fichier.com/dir/AbCd1234";
    expect(await index.resolve(share)).toEqual({ type: "share", url: share, hash: "AbCd1234" });
    await expect(index.resolveFolder(share)).rejects.toThrow(/is a public share, not a folder/);
    await expect(client.paths.resolveFolder(share)).rejects.toThrow(/share/);
    const url = "https://1fichier.com/?abcdefghij0123456789&af=1";
    expect(await index.resolve(url)).toEqual({
      type: "file",
      url: "https://1fichier.com/?abcdefghij0123456789",
      name: "https://1fichier.com/?abcdefghij0123456789",
    });
    await expect(index.resolveFolder(url)).rejects.toBeInstanceOf(WrongKindError);
    expect(await index.resolveFolder("12345")).toEqual({ id: 12345 });
    await expect(index.resolveFolder("1234567890123456")).rejects.toThrow(/at most 15 digits/);
    const up = await index.resolve("/a/../b").catch((x: unknown) => x);
    expect(up).toBeInstanceOf(InvalidNameError);
    expect(exitCodeFor(up)).toBe(2);
    expect(await index.resolve("/")).toEqual({ type: "folder", id: 0, name: "", path: "/" });
    await index.close();
    await client.close();
  });

  it("matches names exactly after decoding, drops `.` segments, and takes the newest of duplicates", async () => {
    const { client, clock } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    const odd = await index.resolveFolder("/rs-names/a <b> 'c'", { create: true });
    const { client: other } = clientOn(emu);
    expect(await other.paths.resolveFolder("/rs-names/./a <b> 'c'/")).toBe(odd.id);
    await expect(other.paths.resolveFolder("/rs-names/A <b> 'c'")).rejects.toBeInstanceOf(NotFoundError);
    const older = await uploadOne(client, "dup.txt", "old", odd.id);
    emu.admin.advanceClock(2_000);
    const newer = await uploadOne(client, "dup.txt", "newer", odd.id);
    // A listing that starts after the uploads has the service's dates (the write-through had the client's).
    clock.t += 1_000;
    await index.list(odd.id, { refresh: true });
    const hit = await index.resolveFile("/rs-names/a <b> 'c'/dup.txt");
    expect(hit.url).not.toBe(older.download);
    expect(hit).toMatchObject({ url: newer.download, size: 5, duplicates: 1 });
    await index.close();
    await client.close();
    await other.close();
  });

  it("takes the folder another process made between our listing and our mkdir (#9002)", async () => {
    const { client } = clientOn(emu);
    const { client: other } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    await index.list(0);
    const theirs = await other.folders.create({ name: "rs-race" });
    const mkdirs = callsTo(emu, "mkdir");
    const inner = await index.resolveFolder("/rs-race/inner", { create: true });
    // One refused mkdir (theirs exists), one made: inner.
    expect(callsTo(emu, "mkdir") - mkdirs).toBe(2);
    expect(index.folder(inner.id)?.parentId).toBe(theirs.folderId);
    const root = await other.folders.list({ folderId: 0, fresh: true });
    expect(root.subFolders.filter((f) => f.name === "rs-race")).toHaveLength(1);
    await index.close();
    await client.close();
    await other.close();
  });
});
