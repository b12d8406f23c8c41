// Two processes using the same key share one budget through the governor's state file, so together they
// stay under the emulator's real limits; without sharing, the same pair floods.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "../../helpers/emulator.js";

const root = join(import.meta.dirname, "../../..");
const worker = join(import.meta.dirname, "fixtures/governed-worker.mjs");

interface WorkerResult {
  ok: number;
  floods: number;
  errors: number;
  ms: number;
}

/** Starts a worker; resolves `ready` once it has made its client, and `result` once it is done. */
function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, [worker], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on("data", (d) => {
    out += d;
    if (out.includes("ready\n")) markReady();
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const result = new Promise<WorkerResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`worker exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").pop() ?? "{}") as WorkerResult);
    });
  });
  return { ready, result, go: () => child.stdin.end("go\n") };
}

/** Two workers released at the same moment, once both are ready. */
async function runPair(
  a: Record<string, string>,
  b: Record<string, string>,
): Promise<[WorkerResult, WorkerResult]> {
  const workers = [startWorker(a), startWorker(b)];
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  const [ra, rb] = await Promise.all(workers.map((w) => w.result));
  return [ra as WorkerResult, rb as WorkerResult];
}

/** The workers run the built client: rebuild when dist is older than the sources. */
async function ensureBuilt(): Promise<void> {
  const sources = (await readdir(join(root, "src/api"))).filter((f) => f.endsWith(".ts"));
  const newest = Math.max(
    ...(await Promise.all(sources.map(async (f) => (await stat(join(root, "src/api", f))).mtimeMs))),
  );
  const out = await stat(join(root, "dist/api/governor.js")).catch(() => undefined);
  if (!out || newest > out.mtimeMs) {
    await promisify(execFile)("npx", ["tsc", "-p", "tsconfig.json"], { cwd: root }).catch(() => undefined);
  }
  await stat(join(root, "dist/index.js"));
}

describe("two processes, one key", () => {
  const emu = useEmulator({ limits: "real", lockSeconds: 2 });
  let stateDir: string;
  beforeAll(async () => {
    await ensureBuilt();
    stateDir = await mkdtemp(join(tmpdir(), "fichier-two-"));
  });
  afterAll(async () => {
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  /** Calls of `remote/ls.cgi` the emulator has answered. */
  const remoteLs = () => emu.admin.stats().byEndpoint["remote/ls.cgi"] ?? 0;

  const env = (shared: boolean, calls = 10) => ({
    WORKER_KEY: emu.premium.apiKey,
    WORKER_API_URL: emu.apiUrl,
    WORKER_STATE_DIR: stateDir,
    WORKER_SHARED: shared ? "1" : "0",
    WORKER_CALLS: String(calls),
  });

  it("sharing the budget: zero floods together, every call drawn from one budget", async () => {
    const locksBefore = emu.admin.stats().floodLocks;
    const callsBefore = remoteLs();
    const [a, b] = await runPair(env(true), env(true));
    console.log(`shared: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
    expect(a.floods + b.floods).toBe(0);
    expect(a.errors + b.errors).toBe(0);
    expect(a.ok + b.ok).toBe(20);
    // The emulator counts the pace for us: its real limit (3 requests/s per key, burst 3) would have locked
    // the key had the pair together gone faster, which the control below shows two unshared clients do. So:
    // every call reached it once (none retried), and none was refused.
    expect(remoteLs() - callsBefore).toBe(20);
    expect(emu.admin.stats().floodLocks - locksBefore).toBe(0);
    // Both processes drew from the one state file of the key, which never recorded a flood lock.
    const files = (await readdir(stateDir)).filter((f) =>
      /^governor-[0-9a-f]{16}(-[0-9a-f]{8})?\.json$/.test(f),
    );
    expect(files).toHaveLength(1);
    const state = JSON.parse(await readFile(join(stateDir, files[0] as string), "utf8"));
    expect(state.budget.lockCount).toBe(0);
    expect(state.budget.lockedUntil).toBe(0);
  });

  it("without sharing, the same pair trips the limit (the control)", async () => {
    await new Promise((r) => setTimeout(r, 2500));
    const before = emu.admin.stats().floodLocks;
    const [a, b] = await runPair(env(false, 6), env(false, 6));
    console.log(`unshared: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
    expect(a.floods + b.floods).toBeGreaterThan(0);
    expect(emu.admin.stats().floodLocks - before).toBeGreaterThan(0);
  });
});
