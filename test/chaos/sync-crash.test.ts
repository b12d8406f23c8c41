// Crash: the BUILT command's `sync` is killed with SIGKILL at seeded moments (reading, sending, replacing,
// deleting), then run again with the same arguments and state folder. After the rerun the destination must be the
// source exactly: every file once (no duplicate), each with the source's Whirlpool, nothing the source has lost.
// Each round changes the local tree first (changed files, so replacements; a new file; a removed one, so a
// deletion), so kills land in every phase. FICHIER_SYNC_CRASH_COUNT sets the rounds (default 6: 4 uploads, 2
// downloads); FICHIER_CHAOS_SEED the moments.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FichierClient } from "../../src/api/client.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { whirlpoolFile } from "../../src/transfer/whirlpool.js";
import { envInt, prng, randomFile, SOAK, table } from "./support.js";

const BIN = resolve(import.meta.dirname, "../../dist/cli/main.js");
const ROUNDS = envInt("FICHIER_SYNC_CRASH_COUNT", SOAK ? 12 : 6);
const SEED = envInt("FICHIER_CHAOS_SEED", 20261127);
const CANARY = "SyncCrashCanaryKey_7d1e0b3a9c2f4"; // fichier-scan:allow (test canary)
// Bytes/s per connection: slow enough that a kill lands mid-transfer, fast enough for CI.
const BANDWIDTH = 1024 * 1024;

let em: RunningEmulator;
let client: FichierClient;
let tmp: string;
const outputs: string[] = [];

function env(state: string): Record<string, string> {
  const home = join(tmp, "home");
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_DATA_HOME: join(home, "data"),
    NO_COLOR: "1",
    FICHIER_KEYCHAIN: "off",
    FICHIER_API_KEY: CANARY,
    FICHIER_API_URL: em.apiUrl,
    FICHIER_STATE_DIR: state,
  };
}

/**
 * Spawns `fichier ARGS`. With `kill`, SIGKILL is sent `afterMs` after the `afterDone`-th file is done (a
 * `done` event of --json's progress on stderr; 0: after the spawn), so kills spread over every phase of a run.
 */
async function fichier(args: string[], state: string, kill?: { afterDone: number; afterMs: number }) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    env: env(state),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer ??= setTimeout(() => child.kill("SIGKILL"), kill?.afterMs);
  };
  if (kill?.afterDone === 0) arm();
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    if (kill && (stderr.match(/"type":"done"/g)?.length ?? 0) >= kill.afterDone) arm();
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), 240_000);
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  clearTimeout(guard);
  outputs.push(stdout, stderr);
  return { code, signal, stdout, stderr };
}

/** A seeded kill point: after 0 to `files` files done, then up to 1.5 s more. */
const killPoint = (random: () => number, files: number) => ({
  afterDone: Math.floor(random() * (files + 1)),
  afterMs: Math.floor(random() * 1500),
});

/** Every file of a local tree: relative path → Whirlpool. */
async function localTree(dir: string, rel = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    if (e.name === ".fichier-partial") continue;
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of await localTree(dir, p)) out.set(k, v);
    else out.set(p, await whirlpoolFile(join(dir, p)));
  }
  return out;
}

/** Every file below a remote folder: relative path → Whirlpools (several: duplicates). */
async function remoteTree(folderId: number, rel = ""): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const l = await client.folders.list({ folderId, files: true });
  for (const f of l.items ?? []) {
    const p = rel ? `${rel}/${f.filename}` : f.filename;
    out.set(p, [...(out.get(p) ?? []), f.checksum.toLowerCase()]);
  }
  for (const s of l.subFolders) {
    for (const [k, v] of await remoteTree(s.id, rel ? `${rel}/${s.name}` : s.name)) out.set(k, v);
  }
  return out;
}

/** Changes a local tree before a round: `changed` files rewritten, one added, one removed. */
async function mutate(dir: string, random: () => number, round: number, changed: number): Promise<void> {
  const files = [...(await localTree(dir)).keys()].sort();
  for (let i = 0; i < changed && files.length > 0; i++) {
    const p = files[Math.floor(random() * files.length)]!;
    await randomFile(join(dir, p), Math.floor((0.2 + random()) * 1024 * 1024));
  }
  await mkdir(join(dir, `r${round}`), { recursive: true });
  await randomFile(join(dir, `r${round}`, "new.bin"), Math.floor((0.5 + random()) * 1024 * 1024));
  const victim = files[Math.floor(random() * files.length)];
  if (victim && files.length > 4) await rm(join(dir, victim), { force: true });
}

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN} is missing: run \`npm run build\` first`).toBe(true);
  em = await startEmulator({ limits: "off", bandwidth: BANDWIDTH });
  em.admin.createAccount({ email: "sync-crash@emulator.local", offer: 1, apiKey: CANARY });
  client = createClient({ apiKey: CANARY, apiUrl: em.apiUrl, governor: false });
  tmp = await mkdtemp(join(tmpdir(), "fichier-sync-crash-"));
});

afterAll(async () => {
  await client?.close();
  await em?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe(`sync crash: ${ROUNDS} SIGKILLs during syncs, each followed by a rerun`, () => {
  it("ends with the destination equal to the source: no duplicate, nothing lost", async () => {
    const random = prng(SEED + 7);
    const src = join(tmp, "src");
    for (const d of ["a", "b/c"]) await mkdir(join(src, d), { recursive: true });
    for (const p of ["a/1.bin", "a/2.bin", "b/3.bin", "b/c/4.bin", "top.bin"]) {
      await randomFile(join(src, p), Math.floor((0.3 + random()) * 1024 * 1024));
    }
    const tally = { finishedFirst: 0, beforeAnyFile: 0, afterSomeFiles: 0 };
    /** The run killed at `point`, then the same command, which must finish (exit 0). */
    const killThenRerun = async (args: string[], state: string, point: ReturnType<typeof killPoint>) => {
      const killed = await fichier(args, state, point);
      if (killed.signal !== "SIGKILL") tally.finishedFirst++;
      // Where the kill landed, from the killed run's --json progress events on stderr.
      else if (/"type":"done"/.test(killed.stderr)) tally.afterSomeFiles++;
      else tally.beforeAnyFile++;
      const again = await fichier(args, state);
      expect(again.code, again.stderr).toBe(0);
    };
    const downloads = Math.floor(ROUNDS / 3);
    for (let round = 0; round < ROUNDS - downloads; round++) {
      if (round > 0) await mutate(src, random, round, 2);
      const state = join(tmp, `state-up-${round}`);
      const args = ["--json", "sync", `${src}/`, "fichier:/crash-sync", "--delete"];
      // A round sends the changed and new files (the first round, all of them).
      await killThenRerun(args, state, killPoint(random, round === 0 ? 5 : 3));
      const local = await localTree(src);
      const { folderId } = await client.folders.list({ folderId: 0 }).then((l) => ({
        folderId: l.subFolders.find((s) => s.name === "crash-sync")?.id ?? -1,
      }));
      const remote = await remoteTree(folderId);
      const dups = [...remote].filter(([, w]) => w.length > 1).map(([p]) => p);
      expect(dups, `round ${round}: duplicates on the server`).toEqual([]);
      expect(new Map([...remote].map(([p, w]) => [p, w[0]])), `round ${round}`).toEqual(local);
    }

    // Restores: the remote tree into a local folder holding stale and extra files, killed, then rerun.
    for (let round = 0; round < downloads; round++) {
      const out = join(tmp, `restore-${round}`);
      await mkdir(join(out, "a"), { recursive: true });
      await randomFile(join(out, "a", "1.bin"), 1000); // stale: replaced
      await randomFile(join(out, "extra.bin"), 1000); // not in the source: deleted
      const state = join(tmp, `state-down-${round}`);
      const args = ["--json", "sync", "fichier:/crash-sync/", out, "--delete", "--connections", "2"];
      await killThenRerun(args, state, killPoint(random, 4));
      expect(await localTree(out), `restore ${round}`).toEqual(await localTree(src));
      expect(existsSync(join(out, ".fichier-partial"))).toBe(false);
    }

    console.log(
      table(`sync crash seed ${SEED}: ${ROUNDS} rounds`, [
        ["killed mid-sync", tally.beforeAnyFile + tally.afterSomeFiles],
        ["finished before the kill", tally.finishedFirst],
        ["  killed before any file was done", tally.beforeAnyFile],
        ["  killed after some files were done", tally.afterSomeFiles],
      ]),
    );
    // Most kills must land mid-sync, or the suite tests nothing.
    expect(tally.beforeAnyFile + tally.afterSomeFiles).toBeGreaterThanOrEqual(Math.ceil(ROUNDS * 0.6));
    for (const text of outputs) expect(text).not.toContain(CANARY);
  });
});
