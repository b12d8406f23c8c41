/**
 * The one emulator harness of the test suites: every test that needs an emulator starts it here, on loopback,
 * with limits off (unless asked) and a temporary data folder.
 *
 * - `useEmulator(opts)` is a test file's (or a describe block's) opening: it starts the emulator before the
 *   block's tests and closes it after them, and hands back a live handle to it.
 * - `withEmulator(opts)` starts one for a test to close itself (several in one test, restarts on a folder).
 *
 * @example
 * const emu = useEmulator();
 * it("answers", async () => { await fetch(`${emu.apiUrl}/user/info.cgi`); });
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import {
  type EmulatorAccount,
  type EmulatorOptions,
  type RunningEmulator,
  startEmulator,
} from "../../src/emulator/index.js";

/** The API keys of the four accounts the emulator creates on first start, by offer (0 free to 3 gold). */
export interface AccountKeys {
  free: string;
  premium: string;
  access: string;
  gold: string;
}

export type TestEmulator = RunningEmulator & {
  premium: EmulatorAccount;
  free: EmulatorAccount;
  /** The four default accounts' keys (as they were at start; `accounts` is live). */
  keys: AccountKeys;
};

/**
 * The keys of the default accounts by offer.
 * @example
 * const { premium, gold } = keysOf(emu);
 */
export function keysOf(em: Pick<RunningEmulator, "accounts">): AccountKeys {
  const key = (offer: number) => {
    const a = em.accounts.find((x) => x.offer === offer);
    if (!a) throw new Error(`the emulator has no account with offer ${offer}`);
    return a.apiKey;
  };
  return { free: key(0), premium: key(1), access: key(2), gold: key(3) };
}

/**
 * Starts an emulator (limits off unless `opts.limits` says otherwise); the caller closes it.
 * @example
 * const emu = await withEmulator({ faults: "500=1" });
 * try { ... } finally { await emu.close(); }
 */
export async function withEmulator(opts: EmulatorOptions = {}): Promise<TestEmulator> {
  const emu = await startEmulator({ limits: "off", ...opts });
  const accounts = emu.accounts;
  const premium = accounts.find((a) => a.offer === 1);
  const free = accounts.find((a) => a.offer === 0);
  if (!premium || !free) throw new Error("the emulator started without its premium and free accounts");
  return {
    apiUrl: emu.apiUrl,
    webUrl: emu.webUrl,
    uploadHost: emu.uploadHost,
    dataDir: emu.dataDir,
    adminToken: emu.adminToken,
    admin: emu.admin,
    close: emu.close,
    premium,
    free,
    keys: keysOf(emu),
    // Live: reflects regenerated keys and accounts created through the admin API.
    get accounts() {
      return emu.accounts;
    },
  };
}

/**
 * A block's emulator: started in `beforeAll`, closed in `afterAll` (after the block's own `afterAll` hooks,
 * which may still use it). The handle reads through to the running emulator, so it can be taken at the top
 * of a file; using it outside the block's tests throws, naming why. Options known only once earlier
 * `beforeAll` hooks ran (a proxy's port) are given as a function, called when the emulator starts.
 * @example
 * const emu = useEmulator({ bandwidth: 1024 * 1024 });
 * beforeAll(() => { emu.admin.createAccount({ email: "a@test.local", offer: 1, apiKey: KEY }); });
 */
export function useEmulator(opts: EmulatorOptions | (() => EmulatorOptions) = {}): TestEmulator {
  let emu: TestEmulator | undefined;
  beforeAll(async () => {
    emu = await withEmulator(typeof opts === "function" ? opts() : opts);
  });
  afterAll(async () => {
    await emu?.close();
    emu = undefined;
  });
  return new Proxy({} as TestEmulator, {
    get(_target, prop) {
      // Not a promise: `await` and vitest's matchers probe `then`.
      if (prop === "then") return undefined;
      if (!emu) {
        throw new Error(`useEmulator: .${String(prop)} read outside the tests of the block that opened it`);
      }
      return Reflect.get(emu, prop, emu);
    },
  });
}

/**
 * A fixed, injectable clock for the emulator's `now`: tests move it with `admin.advanceClock`, never with real
 * waits.
 * @example
 * const emu = useEmulator({ now: fixedClock("2026-01-15T12:00:00Z") });
 */
export function fixedClock(iso: string): () => number {
  const t = Date.parse(iso);
  return () => t;
}

/**
 * A fresh temporary folder, removed by the returned function.
 * @example
 * const data = await tempDir(); try { ... } finally { await data.remove(); }
 */
export async function tempDir(prefix = "fichier-test-"): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
