// Two processes using the same key share one budget through the governor's state file, so together they
// stay under the emulator's real limits; without sharing, the same pair floods.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
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

function runWorker(env: Record<string, string>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`worker exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").pop() ?? "{}") as WorkerResult);
    });
  });
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

  const env = (shared: boolean, calls = 10) => ({
    WORKER_KEY: emu.premium.apiKey,
    WORKER_API_URL: emu.apiUrl,
    WORKER_STATE_DIR: stateDir,
    WORKER_SHARED: shared ? "1" : "0",
    WORKER_CALLS: String(calls),
  });

  it("sharing the budget: zero floods together, at the shared pace", async () => {
    const before = emu.admin.stats().floodLocks;
    const [a, b] = await Promise.all([runWorker(env(true)), runWorker(env(true))]);
    console.log(`shared: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
    expect(a.floods + b.floods).toBe(0);
    expect(a.errors + b.errors).toBe(0);
    expect(a.ok + b.ok).toBe(20);
    expect(emu.admin.stats().floodLocks - before).toBe(0);
    // 20 calls at 2/s with a burst of 3 take at least 8.5 s in total.
    expect(Math.max(a.ms, b.ms)).toBeGreaterThanOrEqual(8000);
  });

  it("without sharing, the same pair trips the limit (the control)", async () => {
    await new Promise((r) => setTimeout(r, 2500));
    const before = emu.admin.stats().floodLocks;
    const [a, b] = await Promise.all([runWorker(env(false, 6)), runWorker(env(false, 6))]);
    console.log(`unshared: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
    expect(a.floods + b.floods).toBeGreaterThan(0);
    expect(emu.admin.stats().floodLocks - before).toBeGreaterThan(0);
  });
});
