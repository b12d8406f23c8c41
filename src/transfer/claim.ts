// One transfer at a time per target, across workers and processes: a claim is a lock folder made with an
// atomic mkdir (proper-lockfile), kept fresh while held, plus an owner file naming the holder's pid, so that a
// claim left by a killed process is taken over at once instead of after proper-lockfile's 30 s of staleness.
// Used by uploads (one upload of a file into a folder, upload-journal.ts) and downloads (one run on a
// download's working files, working-files.ts).
import { readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import lockfile from "proper-lockfile";
import { AbortedError } from "../api/errors.js";
import { pause } from "./pause.js";

/** How a claim waits and what it says. */
export interface ClaimOptions {
  signal?: AbortSignal;
  /** Called once, when the claim is held by another live transfer and this one starts waiting. */
  onWait?: () => void;
  /** Message of the AbortedError thrown when `signal` aborts while waiting. */
  interrupted: string;
  /** Turns a file-system failure of the claim (not "held by another") into the error to throw. */
  failure: (e: unknown) => unknown;
  /** Makes the claim's folder exist: called first, and again if it vanished (another run tidied it away). */
  prepare?: () => Promise<void>;
}

/** A held claim: `release` gives it up; `waited` says whether another transfer held it first. */
export interface Claim {
  release(): Promise<void>;
  waited: boolean;
}

/** Between two looks at a claim held by a live process. */
const WAIT_STEP_MS = 500;
/** proper-lockfile: a claim not refreshed for this long is stale; it is refreshed at `update`. */
const LOCK_TIMING = { stale: 30_000, update: 5_000 } as const;

/**
 * Claims `target` (a path that need not exist; the claim lives in `<target>.lock` and `<target>.owner`) until
 * `release()`. A claim held by another live transfer is waited for; one whose holder is a dead process of
 * this machine is taken over at once.
 *
 * @throws AbortedError when `signal` aborts while waiting; `options.failure(e)` for a file-system failure
 * @example
 * const claim = await holdClaim(`${dir}/a.bin.part`, { interrupted: "download interrupted", failure: (e) => e });
 * try { await work(); } finally { await claim.release(); }
 */
export async function holdClaim(target: string, options: ClaimOptions): Promise<Claim> {
  return (await acquire(target, options, true))!;
}

/**
 * {@link holdClaim} without the wait: undefined at once when another live transfer holds the claim (a batch of
 * files leaves such a file to be uploaded on its own, after the others, rather than waiting with all of them).
 *
 * @throws `options.failure(e)` for a file-system failure
 * @example
 * const claim = await tryClaim(target, { interrupted: "upload interrupted", failure: (e) => e });
 * if (!claim) later.push(file);
 */
export async function tryClaim(target: string, options: ClaimOptions): Promise<Claim | undefined> {
  return acquire(target, options, false);
}

async function acquire(target: string, options: ClaimOptions, wait: boolean): Promise<Claim | undefined> {
  const lockDir = `${target}.lock`;
  // Beside the lock folder, not in it: proper-lockfile removes a stale lock folder with rmdir, which an
  // extra file inside would make fail.
  const owner = `${target}.owner`;
  let waited = false;
  let vanished = 0;
  await options.prepare?.();
  for (;;) {
    if (options.signal?.aborted) throw new AbortedError(options.interrupted);
    try {
      const release = await lockfile.lock(target, {
        ...LOCK_TIMING,
        realpath: false,
        lockfilePath: lockDir,
        // A lock found compromised (the event loop stalled past `stale`) must not crash the transfer.
        onCompromised: () => {},
      });
      // Who holds it, so that a rerun after a crash (kill -9) takes it over at once.
      await writeFile(owner, `${process.pid} ${hostname()}`, { mode: 0o600 }).catch(() => {});
      return { waited, release: () => releaseClaim(owner, release) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && options.prepare && vanished++ < 3) {
        await options.prepare();
        continue;
      }
      if (code !== "ELOCKED") throw options.failure(e);
    }
    if (await takeOverDead(target, lockDir, owner)) continue;
    if (!wait) return undefined;
    if (!waited) {
      waited = true;
      options.onWait?.();
    }
    await pause(WAIT_STEP_MS, options.signal);
  }
}

async function releaseClaim(owner: string, release: () => Promise<void>): Promise<void> {
  // The owner file first: once released, it could be the next holder's.
  await rm(owner, { force: true }).catch(() => {});
  await release().catch(() => {});
}

/**
 * Removes a claim whose owner is a dead process of this machine. Two reruns may find the same dead claim:
 * the removal runs under a second, short lock and checks the owner again there, so that one cannot remove
 * the claim the other has just taken (it removed the dead owner's file along with the lock).
 */
async function takeOverDead(target: string, lockDir: string, owner: string): Promise<boolean> {
  if (!(await heldByDeadProcess(owner))) return false;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      lockfilePath: `${target}.takeover`,
      stale: 10_000,
      retries: { retries: 20, minTimeout: 20, maxTimeout: 200 },
    });
  } catch {
    return false;
  }
  try {
    if (!(await heldByDeadProcess(owner))) return false;
    await rm(lockDir, { recursive: true, force: true });
    await rm(owner, { force: true });
    return true;
  } finally {
    await release().catch(() => {});
  }
}

/** True when a claim's owner file names a process of this machine that no longer runs. */
async function heldByDeadProcess(owner: string): Promise<boolean> {
  const text = await readFile(owner, "utf8").catch(() => "");
  const m = /^(\d+) (.+)$/.exec(text.trim());
  if (!m || m[2] !== hostname()) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (e) {
    // EPERM: alive, another user's. ESRCH: gone.
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}
