// A batch of small files killed with SIGKILL before, during and after its POST, and between the node's answer
// and end.pl, then run again: every file ends up there exactly once, verified, and the rerun sends nothing
// that had landed (the journal, end.pl within its 2 h, or one listing decide). A child process (the built
// library, batch-driver.mjs) stops at each moment and is killed there.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createClient } from "../../../src/api/client.js";
import { UploadJournal } from "../../../src/transfer/upload-journal.js";
import { whirlpoolFile } from "../../../src/transfer/whirlpool.js";
import { randomFile, useTransferHarness } from "./support.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const driver = join(here, "batch-driver.mjs");
const built = join(here, "../../../dist/transfer/upload-batch.js");
const SIZES = [1, 1000, 50_000, 100 * 1024, 70_000, 3];

const h = useTransferHarness();

/** Runs the driver; with a moment, kills it with SIGKILL once it says it got there. */
async function drive(args: string[], moment: string): Promise<{ stdout: string; killed: boolean }> {
  const child = spawn(process.execPath, [driver, ...args, moment], {
    env: { ...process.env, FICHIER_API_KEY: h.key },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    if (moment !== "none" && stdout.split("\n").includes(moment)) child.kill("SIGKILL");
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), 50_000);
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  clearTimeout(guard);
  expect(stderr).toBe("");
  if (moment === "none") expect(code).toBe(0);
  return { stdout, killed: signal === "SIGKILL" };
}

function byEndpoint(): Record<string, number> {
  return { ...h.em.admin.stats().byEndpoint };
}

describe("a batch killed with SIGKILL, then run again", () => {
  it.each([
    // [moment, journal state the kill leaves, upload.cgi requests of the rerun, end.pl requests of the rerun]
    ["before", "sending", 1, 1],
    ["during", "sending", 1, 1],
    ["after", "sending", 0, 0],
    ["confirm", "sent", 0, 1],
  ])("killed at %s: no duplicate, nothing lost", async (moment, state, posts, ends) => {
    expect(existsSync(built), "run `npm run build` first: the child process uses dist/").toBe(true);
    const dir = join(h.tmp, `crash-${moment}`);
    await mkdir(dir);
    const names = SIZES.map((_, i) => `f${i}.bin`);
    for (const [i, size] of SIZES.entries()) await randomFile(join(dir, names[i]!), size);
    const to = `/crash-${moment}`;
    const stateDir = join(h.tmp, `state-${moment}`);
    const args = [h.em.apiUrl, dir, to, stateDir];

    const first = await drive(args, moment);
    expect(first.killed).toBe(true);
    const entries = await new UploadJournal(stateDir, "acc").entries();
    expect(entries.map((e) => e.state)).toEqual(SIZES.map(() => state));
    // One request: every file of it recorded with the same node and upload id before the POST.
    expect(new Set(entries.map((e) => `${e.node}/${e.uploadId}`)).size).toBe(1);

    const before = byEndpoint();
    const rerun = await drive(args, "none");
    const result = JSON.parse(rerun.stdout.trim().split("\n").pop()!) as {
      uploaded: { name: string; skipped: string | null; whirlpool: string }[];
      failed: string[];
    };
    expect(result.failed).toEqual([]);
    expect(result.uploaded.map((u) => u.name).sort()).toEqual(names);
    const after = byEndpoint();
    const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    expect(delta("upload.cgi")).toBe(posts);
    expect(delta("end.pl")).toBe(ends);
    if (posts === 0) expect(result.uploaded.every((u) => u.skipped === "journal")).toBe(true);

    // A fresh client: the harness's one has the root's listing from before the child made the folder.
    const client = createClient({ apiKey: h.key, apiUrl: h.em.apiUrl, governor: false });
    const items = await client.files.list({ folderId: await client.paths.resolveFolder(to) });
    await client.close();
    expect(items.map((i) => i.filename).sort()).toEqual(names);
    for (const n of names) {
      expect(items.find((i) => i.filename === n)?.checksum).toBe(await whirlpoolFile(join(dir, n)));
    }
    expect((await new UploadJournal(stateDir, "acc").entries()).every((e) => e.state === "done")).toBe(true);
  });
});
