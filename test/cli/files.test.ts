// The built command against an emulator: listing, info, folders, rm/mv/cp/rename/attr, share, link, play.
// Human and --json output, exit codes, confirmation rules (stdin is never a terminal here).
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/api/client.js";
import { uploadFile } from "../../src/transfer/upload.js";
import { canaryAccount, captured, errorLines, json, ok, runTTY } from "./support.js";

const account = canaryAccount("canary-files@test.local");
const { fichier } = account;
const work = mkdtempSync(join(tmpdir(), "fichier-cli-files-"));

async function seedFile(folderId: number, name: string, content: string | Buffer): Promise<string> {
  const p = join(work, `${Math.random().toString(36).slice(2)}-${name}`);
  writeFileSync(p, content);
  return (await uploadFile(account.client, { path: p, folderId, name })).url;
}
async function seedFolder(name: string, parentId = 0): Promise<number> {
  return (await account.client.folders.create({ name, parentId })).folderId;
}

describe("ls and tree", () => {
  let docs: number;
  let aUrl: string;
  beforeAll(async () => {
    docs = await seedFolder("docs");
    const sub = await seedFolder("sub", docs);
    aUrl = await seedFile(docs, "a.txt", "hello a");
    await seedFile(sub, "b.txt", "hello b!");
    await seedFile(0, "root.bin", randomBytes(1000));
  });

  it("lists the root: folders with a slash, then files", async () => {
    const r = ok(await fichier(["ls"]));
    const lines = r.stdout.trim().split("\n");
    expect(lines).toContain("docs/");
    expect(lines).toContain("root.bin");
    expect(lines.indexOf("docs/")).toBeLessThan(lines.indexOf("root.bin"));
  });

  it("-l shows size, local date and name in 80 columns; --url, --hash and -h add to it", async () => {
    const long = ok(await fichier(["ls", "-l", "/docs"], { env: { TZ: "UTC" } }));
    const line = long.stdout.split("\n").find((l) => l.endsWith("a.txt")) ?? "";
    expect(line).toMatch(/^7 {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}a\.txt$/);
    for (const l of long.stdout.split("\n")) expect(l.length).toBeLessThanOrEqual(80);
    expect(long.stdout).toContain("sub/");
    const full = ok(await fichier(["ls", "-l", "--url", "--hash", "-h", "/docs"]));
    const fullLine = full.stdout.split("\n").find((l) => l.endsWith("a.txt")) ?? "";
    expect(fullLine).toContain(aUrl);
    expect(fullLine).toMatch(/\b[0-9a-f]{128}\b/);
    expect(fullLine).toMatch(/^7 B {2}/);
  });

  it("--json has the documented shape, its dates in RFC 3339", async () => {
    const j = json<{
      folder: { id: number; path: string };
      folders: { name: string; path: string; createDate: string }[];
      files: Record<string, unknown>[];
    }>(ok(await fichier(["--json", "ls", "/docs"])));
    expect(j.folder).toEqual({ id: docs, path: "/docs" });
    expect(j.folders.map((f) => f.path)).toEqual(["/docs/sub"]);
    expect(j.folders[0]?.createDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(j.files).toHaveLength(1);
    expect(j.files[0]).toMatchObject({ url: aUrl, filename: "a.txt", path: "/docs/a.txt", size: 7 });
    // Uploaded a moment ago: the date, read as Paris time and converted, is now.
    expect(Math.abs(Date.parse(String(j.files[0]?.date)) - Date.now())).toBeLessThan(10 * 60_000);
    expect(Object.keys(j.files[0] ?? {}).sort()).toEqual(
      ["acl", "cdn", "checksum", "contentType", "date", "filename", "password", "path", "size", "url"].sort(),
    );
  });

  it("-R descends; a folder id, a file URL and a file path are accepted", async () => {
    const rec = json<{ files: { path: string }[] }>(ok(await fichier(["ls", "-R", "/docs", "--json"])));
    expect(rec.files.map((f) => f.path).sort()).toEqual(["/docs/a.txt", "/docs/sub/b.txt"]);
    const human = ok(await fichier(["ls", "-R", "/docs"]));
    expect(human.stdout).toContain("/docs/sub:\nb.txt");
    const byId = json<{ files: { filename: string }[] }>(ok(await fichier(["ls", String(docs), "--json"])));
    expect(byId.files.map((f) => f.filename)).toEqual(["a.txt"]);
    const byUrl = json<{ files: { filename: string }[] }>(ok(await fichier(["ls", aUrl, "--json"])));
    expect(byUrl.files.map((f) => f.filename)).toEqual(["a.txt"]);
    const byPath = ok(await fichier(["ls", "/docs/a.txt"]));
    expect(byPath.stdout.trim()).toBe("a.txt");
  });

  it("a missing path exits 3 with one error line", async () => {
    const r = await fichier(["ls", "/nope/nothing"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(errorLines(r)).toHaveLength(1);
  });

  it("tree draws the folders and counts", async () => {
    const r = ok(await fichier(["tree", "/docs"]));
    expect(r.stdout).toContain("├── sub/");
    expect(r.stdout).toContain("│   └── b.txt");
    expect(r.stdout).toContain("└── a.txt");
    expect(r.stdout).toContain("1 folder, 2 files");
    const j = json<{
      folderCount: number;
      fileCount: number;
      folders: { name: string; files: { filename: string }[] }[];
    }>(ok(await fichier(["tree", "/docs", "--json"])));
    expect(j.folderCount).toBe(1);
    expect(j.fileCount).toBe(2);
    expect(j.folders[0]?.files[0]?.filename).toBe("b.txt");
  });
});

describe("info", () => {
  let url: string;
  beforeAll(async () => {
    url = await seedFile(0, "info.txt", "information");
  });

  it("prints everything file/info.cgi says, human and JSON", async () => {
    const h = ok(await fichier(["info", url]));
    expect(h.stdout).toContain("info.txt");
    expect(h.stdout).toMatch(/Size\s+11 bytes/);
    expect(h.stdout).toMatch(/Whirlpool\s+[0-9a-f]{128}/);
    const j = json<{ files: Record<string, unknown>[]; failed: unknown[] }>(
      ok(await fichier(["info", "/info.txt", "--json"])),
    );
    expect(j.failed).toEqual([]);
    expect(j.files[0]).toMatchObject({ url, filename: "info.txt", size: 11, folderId: 0, inline: false });
  });

  it("an unknown URL exits 3; one good and one bad exit 9 with the failure listed", async () => {
    const bad = "https://1fichier.com/?zzzzzzzzzzzzzzzzzzzz";
    const one = await fichier(["info", bad]);
    expect(one.code).toBe(3);
    expect(errorLines(one)).toHaveLength(1);
    expect(one.stderr).toMatch(/\(#469\)/);
    // A file URL is not a folder id: the fix is about the URL.
    expect(errorLines(one)[0]).toMatch(/Check the URL/);
    expect(one.stderr).not.toMatch(/folder id/);
    const both = await fichier(["info", url, bad, "--json"]);
    expect(both.code).toBe(9);
    const j = json<{ files: unknown[]; failed: { item: string; code?: number }[] }>(both);
    expect(j.files).toHaveLength(1);
    expect(j.failed).toEqual([expect.objectContaining({ item: bad, code: 469 })]);
  });
});

describe("mkdir and rmdir", () => {
  it("mkdir creates; again fails; -p creates parents and tolerates existing", async () => {
    const j = json<{ folderId: number; path: string; created: boolean }>(
      ok(await fichier(["mkdir", "/made", "--json"])),
    );
    expect(j).toMatchObject({ path: "/made", created: true });
    const listing = await account.client.folders.list({ folderId: 0 });
    expect(listing.subFolders.find((f) => f.name === "made")?.id).toBe(j.folderId);
    const again = await fichier(["mkdir", "/made"]);
    expect(again.code).toBe(1);
    expect(errorLines(again)).toHaveLength(1);
    const deep = json<{ created: boolean }>(ok(await fichier(["mkdir", "-p", "/made/x/y", "--json"])));
    expect(deep.created).toBe(true);
    const twice = json<{ created: boolean }>(ok(await fichier(["mkdir", "-p", "/made/x/y", "--json"])));
    expect(twice.created).toBe(false);
    const noParent = await fichier(["mkdir", "/absent/child"]);
    expect(noParent.code).toBe(3);
    const trailing = ok(await fichier(["mkdir", "/trailing "]));
    expect(trailing.stdout.trim()).toMatch(/^created \/trailing \(folder \d+\)$/);
    expect(trailing.stderr).toMatch(
      /warning: the name "\/trailing " has spaces at its ends.*it is \/trailing$/m,
    );
  });

  it("rmdir deletes an empty folder; a full one needs -r, and -r needs --yes without a terminal", async () => {
    await seedFolder("empty");
    ok(await fichier(["rmdir", "/empty"]));
    expect(
      (await account.client.folders.list({ folderId: 0 })).subFolders.some((f) => f.name === "empty"),
    ).toBe(false);

    const full = await seedFolder("full");
    const inner = await seedFolder("inner", full);
    await seedFile(full, "f1.txt", "1");
    await seedFile(inner, "f2.txt", "2");
    await seedFile(inner, "f3.txt", "3");
    const notEmpty = await fichier(["rmdir", "/full"]);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toContain("rmdir -r");
    const noYes = await fichier(["rmdir", "-r", "/full"]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain("--yes");
    expect((await account.client.folders.list({ folderId: full })).fileCount).toBe(1);
    const yes = json<{ removedFiles: number; removedFolders: number }>(
      ok(await fichier(["rmdir", "-r", "--yes", "/full", "--json"])),
    );
    expect(yes).toMatchObject({ removedFiles: 3, removedFolders: 2 });
    expect(
      (await account.client.folders.list({ folderId: 0 })).subFolders.some((f) => f.name === "full"),
    ).toBe(false);
  });
});

describe("rm", () => {
  it("one file by path goes without asking; several need --yes; a missing one exits 3", async () => {
    const folder = await seedFolder("rmme");
    const u1 = await seedFile(folder, "one.txt", "1");
    const u2 = await seedFile(folder, "two.txt", "2");
    const u3 = await seedFile(folder, "three.txt", "3");
    const single = json<{ removed: number; urls: string[] }>(
      ok(await fichier(["rm", "/rmme/one.txt", "--json"])),
    );
    expect(single.removed).toBe(1);
    expect(single.urls).toEqual([u1]);
    const ask = await fichier(["rm", u2, u3]);
    expect(ask.code).toBe(2);
    expect(ask.stderr).toContain("--yes");
    expect((await account.client.files.list({ folderId: folder })).length).toBe(2);
    const many = ok(await fichier(["rm", "-y", u2, u3]));
    expect(many.stdout.trim()).toBe("deleted 2 files");
    expect(await account.client.files.list({ folderId: folder })).toEqual([]);
    const missing = await fichier(["rm", "/rmme/none.txt"]);
    expect(missing.code).toBe(3);
    const folderGiven = await fichier(["rm", "/rmme"]);
    expect(folderGiven.code).toBe(2);
    const u4 = await seedFile(folder, "four.txt", "4");
    const partial = await fichier(["rm", "-y", u4, "/rmme/absent.txt", "--json"]);
    expect(partial.code).toBe(9);
    const pj = json<{ removed: number; failed: { item: string }[] }>(partial);
    expect(pj.removed).toBe(1);
    expect(pj.failed.map((f) => f.item)).toEqual(["/rmme/absent.txt"]);
    // --json: the failed item is an error event with its item, as in upload (one shape for a failed item),
    // and the closing line is an error event (docs/cli.md "--json: stdout and stderr").
    const events = partial.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.filter((e) => e.item === "/rmme/absent.txt")).toEqual([
      expect.objectContaining({ type: "error", item: "/rmme/absent.txt" }),
    ]);
    expect(events.some((e) => e.type === "warning")).toBe(false);
    expect(JSON.parse(partial.stderr.trim().split("\n").at(-1) ?? "")).toMatchObject({
      type: "error",
      message: "1 of 2 items failed.",
      exit: 9,
    });
  });
});

describe("confirmation on a terminal", () => {
  it("rm of several files asks; n keeps them, y deletes them", async () => {
    const folder = await seedFolder("tty-rm");
    const u1 = await seedFile(folder, "t1.txt", "1");
    const u2 = await seedFile(folder, "t2.txt", "2");
    const no = await runTTY(["rm", u1, u2], "n\n", account.env);
    expect(no.stdout).toContain("Delete 2 files? [y/N]");
    expect(no.code).toBe(1);
    expect(no.stdout).toContain("cancelled: nothing was deleted");
    expect((await account.client.files.list({ folderId: folder })).length).toBe(2);
    const yes = await runTTY(["rm", u1, u2], "y\n", account.env);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toContain("deleted 2 files");
    expect(await account.client.files.list({ folderId: folder })).toEqual([]);
  });

  it("rmdir -r says how many files will go before asking", async () => {
    const folder = await seedFolder("tty-rmdir");
    await seedFile(folder, "x.txt", "x");
    await seedFile(await seedFolder("in", folder), "y.txt", "y");
    const r = await runTTY(["rmdir", "-r", "/tty-rmdir"], "y\n", account.env);
    expect(r.stdout).toContain("Delete /tty-rmdir: 2 files in 2 folders? [y/N]");
    expect(r.code).toBe(0);
    expect(
      (await account.client.folders.list({ folderId: 0 })).subFolders.some((f) => f.name === "tty-rmdir"),
    ).toBe(false);
  });
});

describe("mv, cp, rename", () => {
  it("moves a file into a folder, renames through mv, moves a folder", async () => {
    const src = await seedFolder("mvsrc");
    const dst = await seedFolder("mvdst");
    const url = await seedFile(src, "m.txt", "move me");
    const moved = json<{ moved: { type: string; from: string; to: string; folderId: number }[] }>(
      ok(await fichier(["mv", "/mvsrc/m.txt", "/mvdst", "--json"])),
    );
    expect(moved.moved).toEqual([expect.objectContaining({ type: "file", from: url, folderId: dst })]);
    expect((await account.client.files.list({ folderId: dst })).map((f) => f.filename)).toEqual(["m.txt"]);
    ok(await fichier(["mv", "/mvdst/m.txt", "/mvsrc/renamed.txt"]));
    expect((await account.client.files.list({ folderId: src })).map((f) => f.filename)).toEqual([
      "renamed.txt",
    ]);
    ok(await fichier(["mv", "/mvsrc", "/mvdst"]));
    const dstListing = await account.client.folders.list({ folderId: dst });
    expect(dstListing.subFolders.map((f) => f.name)).toEqual(["mvsrc"]);
    const two = await fichier(["mv", "/mvdst/mvsrc/renamed.txt", "/mvdst/nothing-here.txt", "/not/there"]);
    expect(two.code).toBe(2);
  });

  it("copies a file (new URL, same bytes) and a folder tree", async () => {
    const src = await seedFolder("cpsrc");
    const sub = await seedFolder("deeper", src);
    const url = await seedFile(src, "c.txt", "copy me");
    await seedFile(sub, "d.txt", "and me");
    const copied = json<{ copied: { type: string; from: string; to: string }[] }>(
      ok(await fichier(["cp", url, "/copy-of-c.txt", "--json"])),
    );
    expect(copied.copied[0]?.from).toBe(url);
    expect(copied.copied[0]?.to).not.toBe(url);
    const info = await account.client.files.info({ url: copied.copied[0]?.to ?? "" });
    expect(info.filename).toBe("copy-of-c.txt");
    expect(info.checksum).toBe((await account.client.files.info({ url })).checksum);
    ok(await fichier(["cp", "/cpsrc", "/cpdst"]));
    const tree = json<{ fileCount: number; folderCount: number }>(
      ok(await fichier(["tree", "/cpdst", "--json"])),
    );
    expect(tree).toMatchObject({ fileCount: 2, folderCount: 1 });
  });

  it("rename renames a file and a folder in place", async () => {
    const f = await seedFolder("ren");
    const url = await seedFile(f, "old.txt", "x");
    const j = json<{ type: string; oldName: string; newName: string; url: string }>(
      ok(await fichier(["rename", url, "new.txt", "--json"])),
    );
    expect(j).toMatchObject({ type: "file", oldName: "old.txt", newName: "new.txt", url });
    ok(await fichier(["rename", "/ren", "renamed-folder"]));
    expect(
      (await account.client.folders.list({ folderId: 0 })).subFolders.some(
        (s) => s.name === "renamed-folder",
      ),
    ).toBe(true);
    const slash = await fichier(["rename", url, "a/b"]);
    expect(slash.code).toBe(2);
  });
});

describe("mv and cp say what went where, by path", () => {
  it("moves and copies print paths and counts; --json has fromPath, toPath and folderPath", async () => {
    const src = await seedFolder("wsrc");
    await seedFolder("wdst");
    await seedFile(src, "one.txt", "1");
    const deeper = await seedFolder("inner", src);
    await seedFile(deeper, "two.txt", "2");
    const mv = ok(await fichier(["mv", "/wsrc/one.txt", "/wdst"]));
    expect(mv.stdout.trim()).toBe("moved /wsrc/one.txt -> /wdst/one.txt");
    const back = json<{ moved: Record<string, unknown>[] }>(
      ok(await fichier(["mv", "/wdst/one.txt", "/wsrc/uno.txt", "--json"])),
    );
    expect(back.moved[0]).toMatchObject({
      type: "file",
      fromPath: "/wdst/one.txt",
      toPath: "/wsrc/uno.txt",
      folderPath: "/wsrc",
      name: "uno.txt",
    });
    const cp = ok(await fichier(["cp", "/wsrc/inner", "/wdst"]));
    expect(cp.stdout.trim()).toBe("copied /wsrc/inner -> /wdst/inner (1 file)");
    expect(cp.stderr).toContain("copied 1 file\n");
    expect(cp.stderr).not.toContain("1 files");
    const url = (await account.client.files.list({ folderId: src }))[0]?.url ?? "";
    const byUrl = ok(await fichier(["mv", url, "/wdst"]));
    expect(byUrl.stdout.trim()).toBe(`moved ${url} -> /wdst/`);
  });

  it("a folder moved into itself is refused at once, with a fix and no 'message above'", async () => {
    await seedFolder("self", await seedFolder("selfparent"));
    for (const dest of ["/selfparent/2026", "/selfparent/self", "/selfparent"]) {
      const r = await fichier(["mv", "/selfparent", dest]);
      expect(r.code, dest).toBe(2);
      expect(errorLines(r)).toHaveLength(1);
      expect(errorLines(r)[0]).toMatch(/cannot move \/selfparent into itself.*Choose a destination outside/);
      expect(r.stderr).not.toMatch(/message above/i);
    }
  });
});

describe("JSON shapes shared across commands", () => {
  it("info and ls give a file the same path; tree nodes are folders with a path and full files", async () => {
    const shape = await seedFolder("shape");
    await seedFile(shape, "s.txt", "shape");
    await seedFolder("kid", shape);
    const info = json<{ files: Record<string, unknown>[] }>(
      ok(await fichier(["info", "/shape/s.txt", "--json"])),
    );
    const ls = json<{ files: Record<string, unknown>[] }>(ok(await fichier(["ls", "/shape", "--json"])));
    expect(info.files[0]).toMatchObject({ path: "/shape/s.txt", folderPath: "/shape", folderId: shape });
    expect(ls.files[0]?.path).toBe(info.files[0]?.path);
    expect(ls.files[0]?.date).toBe(info.files[0]?.date);
    const tree = json<Record<string, unknown> & { folders: Record<string, unknown>[]; files: unknown[] }>(
      ok(await fichier(["tree", "/shape", "--json"])),
    );
    expect(tree).toMatchObject({ id: shape, name: "shape", path: "/shape", folderCount: 1, fileCount: 1 });
    expect(tree.folders[0]).toMatchObject({ name: "kid", path: "/shape/kid", folders: [], files: [] });
    expect(tree.files[0]).toEqual(ls.files[0]);
  });
});

describe("cp --password", () => {
  it("copies another account's password-protected file only with its password (read from stdin)", async () => {
    // A file of a publicly shared folder, protected by its own password (spec §7.11 `pass`).
    const shared = await seedFolder("public-locked");
    await account.client.folders.share({ folderId: shared, share: true });
    const p = join(work, "locked.txt");
    writeFileSync(p, "locked bytes");
    const url = (
      await uploadFile(account.client, {
        path: p,
        folderId: shared,
        name: "locked.txt",
        password: "s3cret-pw",
      })
    ).url;
    const reader = `READER${randomBytes(20).toString("hex").slice(0, 26)}`;
    account.emu.admin.createAccount({ email: "reader-cp@test.local", offer: 1, apiKey: reader });
    const asReader = { FICHIER_API_KEY: reader };
    const refused = await fichier(["cp", url, "/copied-locked.txt"], { env: asReader });
    expect(refused.code).toBe(1);
    expect(errorLines(refused)[0]).toMatch(/password.*#631/);
    const copied = json<{ copied: { from: string; to: string }[] }>(
      ok(
        await fichier(["cp", url, "/copied-locked.txt", "--json", "--password"], {
          env: asReader,
          input: "s3cret-pw\n",
        }),
      ),
    );
    expect(copied.copied[0]?.from).toBe(url);
    const mine = createClient({ apiKey: reader, apiUrl: account.emu.apiUrl, governor: false });
    try {
      expect((await mine.files.info({ url: copied.copied[0]?.to ?? "" })).filename).toBe("copied-locked.txt");
    } finally {
      await mine.close();
    }
    for (const r of captured) expect(r).not.toContain("s3cret-pw");
  });
});

describe("attr", () => {
  it("sets description, inline, CDN and a password; clears the password", async () => {
    const url = await seedFile(0, "attr.txt", "attributes");
    const j = json<{ updated: number }>(
      ok(await fichier(["attr", url, "--description", "my notes", "--inline", "--cdn", "--json"])),
    );
    expect(j.updated).toBe(1);
    let info = await account.client.files.info({ url });
    expect(info).toMatchObject({ description: "my notes", inline: true, cdn: true });
    ok(await fichier(["attr", url, "--password"], { input: "secret-pass\n" }));
    info = await account.client.files.info({ url, password: "secret-pass" });
    expect(info.password).toBe(true);
    ok(await fichier(["attr", url, "--no-password", "--no-inline"]));
    info = await account.client.files.info({ url });
    expect(info).toMatchObject({ password: false, inline: false });
    ok(await fichier(["attr", "/attr.txt", "--acl-ip", "10.0.0.0/8", "192.168.1.1", "--acl-country", "FR"]));
    const withAcl = json<{ files: { acl: boolean; aclRules: { ip: string[]; country: string[] } | null }[] }>(
      ok(await fichier(["info", url, "--json"])),
    );
    expect(withAcl.files[0]?.aclRules?.ip).toEqual(["10.0.0.0/8", "192.168.1.1"]);
    expect(withAcl.files[0]?.aclRules?.country).toEqual(["FR"]);
    ok(await fichier(["attr", url, "--no-acl"]));
    const noAcl = json<{ files: { aclRules: { ip: string[] } | null }[] }>(
      ok(await fichier(["info", url, "--json"])),
    );
    expect(noAcl.files[0]?.aclRules?.ip ?? []).toEqual([]);
    const nothing = await fichier(["attr", url]);
    expect(nothing.code).toBe(2);
    expect(errorLines(nothing)).toHaveLength(1);
  });
});

describe("share", () => {
  it("prints the public /dir/ link, lists it, and --off stops it", async () => {
    const f = await seedFolder("shared");
    await seedFile(f, "s1.txt", "shared one");
    await seedFile(f, "s2.txt", "shared two");
    const r = ok(await fichier(["share", "/shared"]));
    const link = r.stdout.trim();
    expect(link).toMatch(/^https:\/\/1fichier\.com\/dir\/\S+$/);
    const listed = json<{ share: string; files: { filename: string; size: number }[] }>(
      ok(await fichier(["ls", link, "--json"])),
    );
    expect(listed.files.map((x) => x.filename).sort()).toEqual(["s1.txt", "s2.txt"]);
    const j = json<{ url: string | null }>(ok(await fichier(["share", "--off", "/shared", "--json"])));
    expect(j.url).toBeNull();
    // A share that no longer exists is "not found" (exit 3), at once: nothing to retry.
    const gone = await fichier(["ls", link], { env: { FICHIER_RETRIES: "0", FICHIER_FLOOD_RETRIES: "0" } });
    expect(gone.code).toBe(3);
  });

  it("a password-protected share needs the password to list", async () => {
    const f = await seedFolder("private-share");
    await seedFile(f, "p.txt", "private");
    const link = ok(
      await fichier(["share", "/private-share", "--password"], { input: "sharepass1\n" }),
    ).stdout.trim();
    const withPass = json<{ files: { filename: string }[] }>(
      ok(await fichier(["ls", link, "--password", "--json"], { input: "sharepass1\n" })),
    );
    expect(withPass.files.map((x) => x.filename)).toEqual(["p.txt"]);
    const without = await fichier(["ls", link], {
      env: { FICHIER_RETRIES: "0", FICHIER_FLOOD_RETRIES: "0" },
    });
    expect(without.code).not.toBe(0);
    expect(errorLines(without)).toHaveLength(1);
  });

  it("--with shares with a registered user, without a public link", async () => {
    await seedFolder("team");
    const j = json<{ url: string | null; shares: { email: string; rw: boolean; hideLinks: boolean }[] }>(
      ok(await fichier(["share", "/team", "--no-public", "--with", "free@emulator.local:rw", "--json"])),
    );
    expect(j.url).toBeNull();
    expect(j.shares).toEqual([{ email: "free@emulator.local", rw: true, hideLinks: false }]);
    const human = ok(await fichier(["share", "/team", "--with", "gold@emulator.local:hide"]));
    expect(human.stdout).toMatch(
      /^https:\/\/1fichier\.com\/dir\/\S+\nshared with gold@emulator\.local \(links hidden\)/,
    );
  });

  it("--json reports the folder's shares as 1fichier lists them; an unknown e-mail gets a fix about it", async () => {
    await seedFolder("team2");
    ok(await fichier(["share", "/team2", "--with", "free@emulator.local"]));
    // Without --with the user shares are left as they are: reported from the folder's listing (spec §7.13).
    const again = json<{ shares: unknown }>(ok(await fichier(["share", "/team2", "--json"])));
    expect(again.shares).toEqual([{ email: "free@emulator.local", rw: false, hideLinks: false }]);
    const human = ok(await fichier(["share", "/team2"]));
    expect(human.stdout).toMatch(/\nshared with free@emulator\.local$/m);
    const off = json<{ shares: unknown }>(ok(await fichier(["share", "--off", "/team2", "--json"])));
    expect(off.shares).toEqual([]);
    const r = await fichier(["share", "/team2", "--with", "nobody@nowhere.test"]);
    expect(r.code).toBe(3);
    expect(errorLines(r)[0]).toMatch(/--with e-mail must be the e-mail of a registered 1fichier account/);
    expect(r.stderr).not.toMatch(/folder id/);
  });

  it("rejects a malformed --with", async () => {
    const r = await fichier(["share", "/docs", "--with", "not-an-email"]);
    expect(r.code).toBe(2);
  });
});

describe("link and play", () => {
  it("link prints a working direct link (not masked) with its expiry", async () => {
    const url = await seedFile(0, "play.bin", Buffer.from("0123456789abcdef"));
    const r = ok(await fichier(["link", url]));
    const direct = r.stdout.trim();
    expect(direct).not.toContain("****");
    expect(r.stderr).toContain("valid until");
    const res = await fetch(direct, { headers: { range: "bytes=4-7" } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe("4567");
    const j = json<{ url: string; file: string; expiresAt: string }>(
      ok(await fichier(["link", "/play.bin", "--json"])),
    );
    expect(j.file).toBe(url);
    expect(Date.parse(j.expiresAt)).toBeGreaterThan(Date.now());
  });

  it("link is inline by default and an attachment with --attachment", async () => {
    await seedFile(0, "disp.txt", "disposition");
    const inline = ok(await fichier(["link", "/disp.txt"])).stdout.trim();
    expect((await fetch(inline)).headers.get("content-disposition")).toMatch(/^inline/);
    const attached = ok(await fichier(["link", "/disp.txt", "--attachment"])).stdout.trim();
    expect((await fetch(attached)).headers.get("content-disposition")).toMatch(/^attachment/);
  });

  it("play hands a fresh link to the player", async () => {
    await seedFile(0, "movie.bin", Buffer.from("not really a movie"));
    const seen = join(work, "player-saw.txt");
    const player = join(work, "fake-player.sh");
    writeFileSync(player, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`);
    chmodSync(player, 0o755);
    const r = ok(await fichier(["play", "/movie.bin", "--player", player]));
    expect(r.stderr).toContain("playing movie.bin");
    const handed = readFileSync(seen, "utf8");
    expect(await (await fetch(handed)).text()).toBe("not really a movie");
    const missing = await fichier(["play", "/movie.bin", "--player", join(work, "no-such-player")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no player found");
  });

  it("play says once which player it uses, and gives mpv and VLC -- before the link", async () => {
    await seedFile(0, "film.bin", Buffer.from("a film"));
    const bin = mkdtempSync(join(tmpdir(), "fichier-players-"));
    const seen = join(bin, "argv.txt");
    // Only "vlc" is on this PATH: play finds it before fetching a link.
    writeFileSync(join(bin, "vlc"), `#!/bin/sh\nprintf '%s\\n' "$@" > '${seen}'\n`);
    chmodSync(join(bin, "vlc"), 0o755);
    const r = ok(await fichier(["play", "/film.bin"], { env: { PATH: bin } }));
    expect(r.stderr.split("\n").filter((l) => l.includes("playing"))).toEqual([
      "fichier: playing film.bin with vlc",
    ]);
    const [dashes, url] = readFileSync(seen, "utf8").trim().split("\n");
    expect(dashes).toBe("--");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dl\//);
    const none = await fichier(["play", "/film.bin"], { env: { PATH: "/nonexistent" } });
    expect(none.code).toBe(1);
    expect(none.stderr).not.toContain("playing");
    expect(errorLines(none)).toEqual([
      "fichier: no player found (mpv, vlc). Install mpv or VLC, or pass --player <command> (or set FICHIER_PLAYER).",
    ]);
  });

  it("a free account gets exit 5 for a direct link", async () => {
    const freeUrl = await (async () => {
      const freeClient = createClient({
        apiKey: account.emu.free.apiKey,
        apiUrl: account.emu.apiUrl,
        governor: false,
      });
      const p = join(work, "free.txt");
      writeFileSync(p, "free");
      const u = (await uploadFile(freeClient, { path: p })).url;
      await freeClient.close();
      return u;
    })();
    const r = await fichier(["link", freeUrl], { env: { FICHIER_API_KEY: account.emu.free.apiKey } });
    expect(r.code).toBe(5);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).toContain("#200");
  });
});
