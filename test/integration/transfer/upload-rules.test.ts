// Upload rules found by an exploratory test: the same file never goes up twice (named twice, two workers,
// two processes), a folder id that does not exist is an error (1fichier would store at the root), a
// `--to` path naming a file is refused, a rerun asked for a password puts it on the copy it finds, a
// symbolic link to a folder is not followed, and a single file's rerun costs one file/info call.
import { execFileSync, spawn } from "node:child_process";
import { mkdir, readdir, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createClient } from "../../../src/api/client.js";
import { InvalidNameError, NotFoundError } from "../../../src/api/errors.js";
import { WrongKindError } from "../../../src/remote-index/errors.js";
import { downloadFolder } from "../../../src/transfer/download.js";
import { UploadJournal } from "../../../src/transfer/upload-journal.js";
import { uploadTree } from "../../../src/transfer/upload-tree.js";
import { randomFile, useTransferHarness } from "./support.js";

const h = useTransferHarness();

const named = async (folderId: number, name: string) =>
  (await h.client.files.list({ folderId })).filter((f) => f.filename === name);
const newFolder = async (name: string) => (await h.client.folders.create({ name, parentId: 0 })).folderId;
const count = (endpoint: string) => h.em.admin.stats().byEndpoint[endpoint] ?? 0;

describe("never the same file twice", () => {
  it("a file named twice on one command line goes up once", async () => {
    const folderId = await newFolder("twice");
    const src = join(h.tmp, "twice.bin");
    await randomFile(src, 3000);
    const journal = new UploadJournal(join(h.tmp, "state-twice"), "acc");
    const r = await uploadTree(h.client, { paths: [src, src], to: String(folderId), parallel: 2, journal });
    expect(r.failed).toEqual([]);
    expect(r.uploaded).toHaveLength(1);
    expect(await named(folderId, "twice.bin")).toHaveLength(1);
  });

  it("two runs of the same upload at once (two journals on one state folder, as two processes): one copy", async () => {
    const folderId = await newFolder("concurrent");
    const src = join(h.tmp, "conc.bin");
    await randomFile(src, 6_000_000);
    const state = join(h.tmp, "state-conc");
    const run = () =>
      uploadTree(createClient({ apiKey: h.key, apiUrl: h.em.apiUrl, governor: false }), {
        paths: [src],
        to: String(folderId),
        journal: new UploadJournal(state, "acc"),
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect([...a.failed, ...b.failed]).toEqual([]);
    const results = [...a.uploaded, ...b.uploaded];
    expect(results).toHaveLength(2);
    // One sent it, the other waited for it and found it in the journal.
    expect(results.filter((r) => r.skipped === "journal")).toHaveLength(1);
    expect(new Set(results.map((r) => r.url)).size).toBe(1);
    expect(await named(folderId, "conc.bin")).toHaveLength(1);
  });
});

describe("a lost answer", () => {
  it("a body handed over whose answer never came: end.pl and the folder lack it, so it is sent again, once", async () => {
    const folderId = await newFolder("lost-reset");
    const src = join(h.tmp, "lost-reset.bin");
    await randomFile(src, 100_000);
    const warnings: string[] = [];
    // `lost`: the node reads the whole body, then cuts the connection instead of answering, storing nothing.
    h.em.admin.setFaults("lost=1,seed=7");
    try {
      const r = await uploadTree(h.client, {
        paths: [src],
        to: String(folderId),
        journal: new UploadJournal(join(h.tmp, "state-lost-reset"), "acc"),
        endPollMs: 20,
        lostAnswerTimeoutMs: 200,
        onWarning: (m) => {
          warnings.push(m);
          // The node stops cutting connections once the client has noticed the lost answer.
          if (m.includes("answer was lost")) h.em.admin.setFaults("");
        },
      });
      expect(r.failed).toEqual([]);
      expect(warnings.some((w) => w.includes("did not land") && w.includes("sending it again"))).toBe(true);
      expect(await named(folderId, "lost-reset.bin")).toHaveLength(1);
      expect((await h.client.files.info({ url: r.uploaded[0]!.url })).checksum).toBe(
        r.uploaded[0]!.whirlpool,
      );
    } finally {
      h.em.admin.setFaults("");
    }
  });
});

describe("the claim on a file's upload", () => {
  /** A process that claims `file` and then dies by SIGKILL: no release, its claim stays on disk. */
  async function claimAndDie(
    state: string,
    file: { localPath: string; remoteName: string; folderId: number },
  ) {
    // The BUILT journal (dist/), as the command runs it.
    const journalModule = new URL("../../../dist/transfer/upload-journal.js", import.meta.url).href;
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { UploadJournal } = await import(${JSON.stringify(journalModule)});
         await new UploadJournal(${JSON.stringify(state)}, "acc").claim(${JSON.stringify(file)});
         console.log("claimed"); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => d.toString().includes("claimed") && resolve());
      child.on("exit", (code) => reject(new Error(`the claiming process exited early (${code})`)));
    });
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  it("a claim left by a killed process is taken over at once, without waiting for it", async () => {
    const state = join(h.tmp, "state-killed");
    const file = { localPath: "/data/killed.bin", remoteName: "killed.bin", folderId: 0 };
    await claimAndDie(state, file);
    let waited = false;
    const release = await new UploadJournal(state, "acc").claim(file, { onWait: () => (waited = true) });
    expect(waited).toBe(false);
    await release();
    // A live holder, though, is waited for.
    const journal = new UploadJournal(state, "acc");
    const first = await journal.claim(file);
    let saidWaiting: () => void = () => {};
    const waiting = new Promise<void>((r) => {
      saidWaiting = r;
    });
    let secondHeld = false;
    const second = journal.claim(file, { onWait: () => saidWaiting() }).then((release) => {
      secondHeld = true;
      return release;
    });
    await waiting;
    expect(secondHeld).toBe(false);
    await first();
    await (await second)();
  });
  it("a claim that cannot be proven dead is taken over once its lock is stale (another machine's pid, not refreshed), not failed on", async () => {
    const state = join(h.tmp, "state-stale");
    const file = { localPath: "/data/stale.bin", remoteName: "stale.bin", folderId: 0 };
    await claimAndDie(state, file);
    // As after a reboot in a container with a new host name: the owner is "pid 1 on another host".
    const names = await readdir(state);
    const owner = names.find((n) => n.endsWith(".owner"));
    const lock = names.find((n) => n.endsWith(".lock"));
    expect(owner && lock).toBeTruthy();
    await writeFile(join(state, owner!), "1 another-host");
    const old = new Date(Date.now() - 120_000);
    await utimes(join(state, lock!), old, old);
    const release = await new UploadJournal(state, "acc").claim(file);
    await release();
    expect((await readdir(state)).filter((n) => n.endsWith(".lock") || n.endsWith(".owner"))).toEqual([]);
  });
});

describe("where the file goes", () => {
  it("a folder id that does not exist is an error, and nothing lands at the root", async () => {
    const src = join(h.tmp, "nowhere.bin");
    await randomFile(src, 1000);
    const before = await named(0, "nowhere.bin");
    await expect(uploadTree(h.client, { paths: [src], to: "999999" })).rejects.toThrow(NotFoundError);
    expect(await named(0, "nowhere.bin")).toEqual(before);
  });

  it("a --to path naming a file is refused, and no folder of that name is made", async () => {
    const folderId = await newFolder("has-a-file");
    const src = join(h.tmp, "inside.bin");
    await randomFile(src, 1000);
    await uploadTree(h.client, { paths: [src], to: String(folderId) });
    const other = join(h.tmp, "other.bin");
    await randomFile(other, 1000);
    const err = await uploadTree(h.client, { paths: [other], to: "/has-a-file/inside.bin" }).catch((e) => e);
    expect(err).toBeInstanceOf(WrongKindError);
    expect((err as Error).message).toBe("/has-a-file/inside.bin is a file, not a folder");
    const listing = await h.client.folders.list({ folderId, fresh: true });
    expect(listing.subFolders).toEqual([]);
  });

  it('a --to path with ".." is an invalid name (usage), not "not found"', async () => {
    const src = join(h.tmp, "dots.bin");
    await randomFile(src, 1000);
    await expect(uploadTree(h.client, { paths: [src], to: "/a/../b" })).rejects.toThrow(InvalidNameError);
  });
});

describe("reruns", () => {
  it("a rerun asked for a password puts it on the copy it finds instead of leaving it open", async () => {
    const folderId = await newFolder("pw-rerun");
    const src = join(h.tmp, "pw.bin");
    await randomFile(src, 5000);
    const journal = new UploadJournal(join(h.tmp, "state-pw"), "acc");
    const first = await uploadTree(h.client, { paths: [src], to: String(folderId), journal });
    expect((await h.client.files.info({ url: first.uploaded[0]!.url })).password).toBe(false);
    const warnings: string[] = [];
    const again = await uploadTree(h.client, {
      paths: [src],
      to: String(folderId),
      journal,
      password: "s3cret-pass",
      onWarning: (m) => warnings.push(m),
    });
    expect(again.uploaded[0]).toMatchObject({ skipped: "journal", url: first.uploaded[0]!.url });
    expect((await h.client.files.info({ url: first.uploaded[0]!.url })).password).toBe(true);
    expect(warnings.join("\n")).toContain("the password given was set on that copy");
    expect(await named(folderId, "pw.bin")).toHaveLength(1);
  });

  it("a single finished file is checked with one file/info call, not a folder listing", async () => {
    const folderId = await newFolder("single-rerun");
    const path = "/single-rerun";
    const src = join(h.tmp, "single.bin");
    await randomFile(src, 5000);
    const journal = new UploadJournal(join(h.tmp, "state-single"), "acc");
    await uploadTree(h.client, { paths: [src], to: path, journal });
    const before = { info: count("file/info.cgi"), ls: count("file/ls.cgi"), up: count("upload.cgi") };
    const again = await uploadTree(h.client, { paths: [src], to: path, journal });
    expect(again.uploaded[0]?.skipped).toBe("journal");
    expect(count("file/info.cgi") - before.info).toBe(1);
    expect(count("file/ls.cgi") - before.ls).toBe(0);
    expect(count("upload.cgi")).toBe(before.up);
    expect(await named(folderId, "single.bin")).toHaveLength(1);
  });
});

describe("symbolic links in a tree", () => {
  it("a link to a folder is not followed (a warning says so); a link to a file is uploaded", async () => {
    const top = join(h.tmp, "linked-tree");
    await mkdir(join(top, "real"), { recursive: true });
    await randomFile(join(top, "real", "a.bin"), 1000);
    await symlink(join(top, "real"), join(top, "loop"));
    await symlink(join(top, "real", "a.bin"), join(top, "b.bin"));
    const warnings: string[] = [];
    const r = await uploadTree(h.client, { paths: [top], to: "/linked", onWarning: (m) => warnings.push(m) });
    expect(r.failed).toEqual([]);
    expect(r.uploaded.map((u) => u.filename).sort()).toEqual(["a.bin", "b.bin"]);
    expect(warnings.some((w) => w.includes("loop") && w.includes("not followed"))).toBe(true);
  });
});

describe("trees in cron jobs (issue 14 §3)", () => {
  it("an empty file, a fifo and a dangling link inside a tree are skipped, one warning each; named, they fail", async () => {
    const top = join(h.tmp, "cron-tree");
    await mkdir(top, { recursive: true });
    await randomFile(join(top, "good.bin"), 1000);
    await writeFile(join(top, "empty.txt"), "");
    execFileSync("mkfifo", [join(top, "pipe")]);
    await symlink(join(top, "gone.bin"), join(top, "dangling"));
    const warnings: string[] = [];
    const r = await uploadTree(h.client, { paths: [top], to: "/cron", onWarning: (m) => warnings.push(m) });
    expect(r.failed).toEqual([]);
    expect(r.uploaded.map((u) => u.filename)).toEqual(["good.bin"]);
    expect(r.skipped).toEqual([
      { path: join(top, "dangling"), reason: "dangling" },
      { path: join(top, "empty.txt"), reason: "empty" },
      { path: join(top, "pipe"), reason: "special" },
    ]);
    expect(warnings).toEqual([
      `${join(top, "dangling")} is a symbolic link that leads nowhere (its target is missing or loops); skipped`,
      `${join(top, "empty.txt")} is empty: 1fichier drops empty files; skipped`,
      `${join(top, "pipe")} is not a regular file; skipped`,
    ]);

    // Named on the command line, each is still an error (1fichier refuses empty files).
    const named = ["empty.txt", "pipe", "dangling"].map((n) => join(top, n));
    const explicit = await uploadTree(h.client, { paths: named, to: "/cron" });
    expect(explicit.skipped).toEqual([]);
    expect(explicit.failed.map((f) => f.path)).toEqual(named);
  });

  it("`dir/` uploads the folder's contents into the destination, `dir` the folder itself (rsync's rule)", async () => {
    const top = join(h.tmp, "slash-tree");
    await mkdir(join(top, "sub"), { recursive: true });
    await randomFile(join(top, "a.bin"), 1000);
    await randomFile(join(top, "sub", "b.bin"), 1000);
    const contentsId = await newFolder("slash-contents");
    const itselfId = await newFolder("slash-itself");
    await uploadTree(h.client, { paths: [`${top}/`], to: String(contentsId) });
    await uploadTree(h.client, { paths: [top], to: String(itselfId) });
    const contents = await h.client.folders.list({ folderId: contentsId, files: true, fresh: true });
    expect(contents.items?.map((i) => i.filename)).toEqual(["a.bin"]);
    expect(contents.subFolders.map((f) => f.name)).toEqual(["sub"]);
    const itself = await h.client.folders.list({ folderId: itselfId, files: true, fresh: true });
    expect(itself.items ?? []).toEqual([]);
    expect(itself.subFolders.map((f) => f.name)).toEqual(["slash-tree"]);

    // The same rule down: `folder/` fills the output folder, `folder` makes out/<name>.
    const out = join(h.tmp, "slash-out");
    await downloadFolder(h.client, itselfId, { dir: join(out, "itself") });
    await downloadFolder(h.client, contentsId, { dir: join(out, "contents"), contents: true });
    expect((await readdir(join(out, "itself"))).sort()).toEqual(["slash-itself"]);
    expect((await readdir(join(out, "contents"))).sort()).toEqual(["a.bin", "sub"]);
  });
});
