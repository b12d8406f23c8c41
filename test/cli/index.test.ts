// One remote index for the command (issue 13 §1), against an emulator with its real limits (one listing of a
// folder per 30 s, 3 calls a second): the commands of one machine share the index file in the state folder, so
// what one command listed, made or changed, the next one knows without listing it again. Calls are counted at the
// emulator (admin stats), never timed, and told apart by folder with the run's own --debug trace. Every command of
// the file runs on the same machine (one state folder: the governor's budget and the index), as the real limits
// are the account's; each scenario works in folders of its own, made moments before, so they are fresh. The
// root is shared by every scenario: when its entry has aged out of the 30 s window, listing it again is right.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/api/client.js";
import { uploadOne } from "../integration/client/support.js";
import { canaryAccount, errorLines, json, ok, type RunResult } from "./support.js";

const account = canaryAccount("canary-index@test.local", { limits: "real" });
const work = mkdtempSync(join(tmpdir(), "fichier-cli-index-"));

/** Calls the emulator answered so far whose endpoint contains `part` (all calls without one). */
function calls(part = ""): number {
  return Object.entries(account.emu.admin.stats().byEndpoint)
    .filter(([k]) => k.includes(part))
    .reduce((n, [, v]) => n + v, 0);
}
const listings = () => calls("folder/ls") + calls("file/ls");

/** The machine's state folder: the governor's budget and the index file, shared by every command here. */
const state = mkdtempSync(join(tmpdir(), "fichier-index-state-"));
const fichier = (args: string[]): Promise<RunResult> =>
  account.fichier(args, { env: { FICHIER_STATE_DIR: state } });

/** The folder ids a run listed (`folder/ls.cgi`, `file/ls.cgi`), read from its --debug trace. */
function listedIds(r: RunResult): number[] {
  const lines = r.stderr.split("\n").map((l) => {
    if (!l.startsWith("{")) return l;
    const e = JSON.parse(l) as { type?: string; message?: string };
    return e.type === "debug" ? (e.message ?? "") : "";
  });
  return lines.flatMap((l) => {
    const m = /^> POST \S+\/(?:folder|file)\/ls\.cgi (\{.*\})$/.exec(l);
    return m ? [(JSON.parse(m[1] as string) as { folder_id?: number }).folder_id ?? 0] : [];
  });
}

/**
 * Runs a command with --debug and returns it with the folders it listed (besides the root: see the top). The
 * emulator's count of listings during the run must match the trace, so nothing is missed.
 */
async function counted(args: string[]) {
  const before = listings();
  const r = await fichier(["--debug", ...args]);
  const ids = listedIds(r);
  expect(listings() - before).toBe(ids.length);
  return { r, listed: ids.filter((id) => id !== 0) };
}

function localFile(name: string, text: string): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}

type Listed = {
  files: { filename: string; url: string }[];
  folders: { name: string }[];
  listings: { path: string; fromIndex: boolean; ageMs: number | null; listedAt: string | null }[];
};

describe("what one command did, the next knows without listing", () => {
  it("upload f --to /x, then download /x/f: no listing of /x, and no wait for the 30 s spacing", async () => {
    ok(await fichier(["upload", localFile("up-down.txt", "from the index"), "--to", "/x"]));
    const out = mkdtempSync(join(work, "out-"));
    const { r, listed } = await counted(["download", "/x/up-down.txt", "-o", out]);
    ok(r);
    expect(listed).toEqual([]);
    expect(r.stderr).not.toMatch(/waiting/);
    expect(readFileSync(join(out, "up-down.txt"), "utf8")).toBe("from the index");
  });

  it("mkdir -p /a/b/c, then three ls of it: no listing while fresh; --refresh lists it", async () => {
    const made = json<{ created: boolean }>(ok(await fichier(["--json", "mkdir", "-p", "/a/b/c"])));
    expect(made.created).toBe(true);
    for (let i = 0; i < 3; i++) {
      const { r, listed } = await counted(["--json", "ls", "/a/b/c"]);
      expect(listed).toEqual([]);
      const l = json<Listed>(ok(r));
      expect(l.listings).toMatchObject([{ path: "/a/b/c", fromIndex: true }]);
    }
    const again = json<{ created: boolean; folderId: number }>(
      ok(await fichier(["--json", "mkdir", "-p", "/a/b/c"])),
    );
    expect(again.created).toBe(false);
    // By id: no path to walk, so only the folder itself is listed again (its parents were listed moments ago,
    // and listing them again would wait for their 30 s spacing).
    const { r, listed } = await counted(["--json", "--refresh", "ls", String(again.folderId)]);
    expect(listed).toEqual([again.folderId]);
    expect(json<Listed>(ok(r)).listings[0]?.fromIndex).toBe(false);
  });

  it("rm and rename are written through: the next ls shows them, listing nothing", async () => {
    const one = localFile("one.txt", "one");
    const two = localFile("two.txt", "two");
    ok(await fichier(["upload", one, two, "--to", "/w"]));
    const rm = await counted(["rm", "/w/one.txt"]);
    ok(rm.r);
    expect(rm.listed).toEqual([]);
    const ren = await counted(["rename", "/w/two.txt", "deux.txt"]);
    ok(ren.r);
    expect(ren.listed).toEqual([]);
    const { r, listed } = await counted(["--json", "ls", "/w"]);
    expect(listed).toEqual([]);
    expect(json<Listed>(ok(r)).files.map((f) => f.filename)).toEqual(["deux.txt"]);
  });

  it("mv and cp are written through: the next ls of both folders lists nothing", async () => {
    ok(await fichier(["upload", localFile("moved.txt", "moved"), "--to", "/mv-from"]));
    ok(await fichier(["mkdir", "-p", "/mv-to"]));
    const mv = await counted(["mv", "/mv-from/moved.txt", "/mv-to"]);
    ok(mv.r);
    expect(mv.listed).toEqual([]);
    const cp = await counted(["cp", "/mv-to/moved.txt", "/mv-from/copy.txt"]);
    ok(cp.r);
    expect(cp.listed).toEqual([]);
    const from = await counted(["--json", "ls", "/mv-from"]);
    const to = await counted(["--json", "ls", "/mv-to"]);
    expect([...from.listed, ...to.listed]).toEqual([]);
    expect(json<Listed>(ok(from.r)).files.map((f) => f.filename)).toEqual(["copy.txt"]);
    expect(json<Listed>(ok(to.r)).files.map((f) => f.filename)).toEqual(["moved.txt"]);
  });

  it("rmdir and share are written through: the next ls of the parent lists nothing", async () => {
    ok(await fichier(["mkdir", "-p", "/parent/gone"]));
    ok(await fichier(["mkdir", "-p", "/parent/kept"]));
    const rmdir = await counted(["rmdir", "/parent/gone"]);
    ok(rmdir.r);
    expect(rmdir.listed).toEqual([]);
    // share lists the shared folder itself once: only its listing gives the user shares (spec §7.13).
    const share = await counted(["--json", "share", "/parent/kept"]);
    expect(json<{ url: string; shares: unknown[] }>(ok(share.r))).toMatchObject({ shares: [] });
    expect(share.listed).toHaveLength(1);
    const { r, listed } = await counted(["--json", "ls", "/parent"]);
    expect(listed).toEqual([]);
    expect(json<Listed>(ok(r)).folders.map((f) => f.name)).toEqual(["kept"]);
  });
});

describe("--cached", () => {
  it("makes no call at all and says how old each folder's entry is", async () => {
    ok(await fichier(["mkdir", "-p", "/cached/inner"]));
    const before = calls();
    const human = ok(await fichier(["ls", "--cached", "/cached"]));
    expect(human.stdout.trim()).toBe("inner/");
    expect(human.stderr).toMatch(/^fichier: \/cached: listed (just now|\d+ s ago)$/m);
    const tree = json<{ folderCount: number } & Listed>(
      ok(await fichier(["--json", "tree", "--cached", "/cached"])),
    );
    expect(tree.folderCount).toBe(1);
    expect(tree.listings.map((l) => l.path)).toEqual(["/cached", "/cached/inner"]);
    for (const l of tree.listings) {
      expect(l.ageMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(l.listedAt ?? "")).toBeLessThanOrEqual(Date.now());
    }
    expect(calls() - before).toBe(0);
  });

  it("a folder never listed is exit 3, saying so, with no call", async () => {
    // Another machine: a state folder whose index has never listed anything.
    const blank = mkdtempSync(join(tmpdir(), "fichier-index-blank-"));
    const elsewhere = (args: string[]) => account.fichier(args, { env: { FICHIER_STATE_DIR: blank } });
    const before = calls();
    const r = await elsewhere(["ls", "--cached", "/"]);
    expect(r.code).toBe(3);
    expect(errorLines(r)).toEqual([
      "fichier: / has never been listed: the index does not know what it holds. Run the command without --cached once to list it.",
    ]);
    const deep = await elsewhere(["--json", "tree", "--cached", "/a/b"]);
    expect(deep.code).toBe(3);
    const share = await elsewhere(["ls", "--cached", "https://1fichier.com/dir/AbCdEf12"]);
    expect(share.code).toBe(2);
    expect(calls() - before).toBe(0);
  });
});

describe("changes made elsewhere", () => {
  /** A client of the same account sharing the machine's rate budget (another tool on the same machine). */
  function elsewhere() {
    return createClient({ apiKey: account.key, apiUrl: account.emu.apiUrl, governor: { stateDir: state } });
  }

  it("a file the index does not know yet: the folder is listed again once, with a warning, and the command goes on", async () => {
    const made = json<{ folderId: number }>(ok(await fichier(["--json", "mkdir", "-p", "/elsewhere"])));
    const other = elsewhere();
    await uploadOne(other, "new.txt", "made elsewhere", made.folderId);
    await other.close();
    const out = mkdtempSync(join(work, "out-"));
    const r = ok(await fichier(["download", "/elsewhere/new.txt", "-o", out]));
    expect(r.stderr).toMatch(
      /warning: \/elsewhere\/new\.txt: \/elsewhere was changed elsewhere .*; listed it again/,
    );
    expect(readFileSync(join(out, "new.txt"), "utf8")).toBe("made elsewhere");
  });

  it("a file removed elsewhere (#469 on the URL the index gave): listed again once, then not found (exit 3)", async () => {
    const up = json<{ uploaded: { url: string }[] }>(
      ok(await fichier(["--json", "upload", localFile("doomed.txt", "doomed"), "--to", "/removed"])),
    );
    const other = elsewhere();
    await other.files.remove([up.uploaded[0]?.url ?? ""]);
    await other.close();
    const r = await fichier(["info", "/removed/doomed.txt"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/warning: \/removed\/doomed\.txt: \/removed was changed elsewhere/);
    expect(errorLines(r).at(-1)).toMatch(/no file or folder named "doomed\.txt" in \/removed/);
  });
});
