// Starts an emulator for one test file and hands out the four accounts' keys and a raw HTTP helper.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { Raw } from "./http.js";

export interface Harness {
  em: RunningEmulator;
  raw: Raw;
  /** API keys of the four accounts created on first start (offers 0-3). */
  free: string;
  premium: string;
  access: string;
  gold: string;
  close(): Promise<void>;
}

/** Keys of the default accounts by offer. */
export function keysOf(em: RunningEmulator) {
  const key = (offer: number) => {
    const a = em.accounts.find((x) => x.offer === offer);
    if (!a) throw new Error(`emulator has no account with offer ${offer}`);
    return a.apiKey;
  };
  return { free: key(0), premium: key(1), access: key(2), gold: key(3) };
}

/**
 * Start an emulator (limits off unless asked) and wrap it for raw HTTP tests.
 *
 * @example
 * const h = await start({ limits: "real" });
 * afterAll(() => h.close());
 */
export async function start(opts: EmulatorOptions = {}): Promise<Harness> {
  const em = await startEmulator({ limits: "off", ...opts });
  const raw = new Raw(em);
  return {
    em,
    raw,
    ...keysOf(em),
    async close() {
      await raw.close();
      await em.close();
    },
  };
}

/** A fixed, injectable clock: tests move it with `admin.advanceClock`, never with real waits. */
export function fixedClock(iso: string): () => number {
  const t = Date.parse(iso);
  return () => t;
}

/** A fresh temporary folder, removed by the returned function. */
export async function tempDir(prefix = "fichier-emu-"): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
