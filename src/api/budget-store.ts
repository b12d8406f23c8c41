// Where the governor keeps its pacing state: in memory, or in a small JSON file under a lock so every
// process on the machine using the same key shares one budget.
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import envPaths from "env-paths";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";
import { type BudgetState, implausible, initialBudget } from "./budget.js";
import { DEFAULT_API_URL } from "./defaults.js";

/** Reads, changes and writes the budget atomically with respect to other users of the same key. */
export interface BudgetStore {
  /** Runs `fn` on the current state and stores what it returns. `fn` must be pure and quick. */
  transact<R>(fn: (state: BudgetState) => { state: BudgetState; result: R }): Promise<R>;
  /** Small shared cache of answers (e.g. `user/info.cgi`), or undefined when the store keeps none. */
  readCache?(key: string): Promise<{ at: number; value: unknown } | undefined>;
  writeCache?(key: string, value: unknown, at: number): Promise<void>;
  /** Where the state lives, for diagnostics (`memory` or a file path). */
  readonly location: string;
}

/**
 * A process-local store.
 * @example
 * ```ts
 * const store = new MemoryBudgetStore(Date.now(), 3);
 * ```
 */
export class MemoryBudgetStore implements BudgetStore {
  readonly location = "memory";
  private state: BudgetState;
  constructor(now: number, burst: number) {
    this.state = initialBudget(now, burst);
  }
  async transact<R>(fn: (state: BudgetState) => { state: BudgetState; result: R }): Promise<R> {
    const { state, result } = fn(this.state);
    this.state = state;
    return result;
  }
}

/**
 * Stable, non-reversible identity of an API key for file names and logs (never the key itself).
 * @example
 * ```ts
 * keyFingerprint("abc..."); // "3f1c9a0b7d2e4c51"
 * ```
 */
export function keyFingerprint(apiKey: string): string {
  return createHash("sha256").update(`fichier-governor:${apiKey}`).digest("hex").slice(0, 16);
}

/**
 * The name part of the governor's state file: the key's fingerprint, and for any API other than 1fichier's
 * (the emulator, a gateway, a test server) a hash of its URL. Limits, locks and cached answers belong to the
 * service that gave them: an emulator's listing spacing or cached listing never applies to 1fichier's.
 *
 * @example
 * ```ts
 * stateFingerprint(key); // "3f1c9a0b7d2e4c51"
 * stateFingerprint(key, "http://127.0.0.1:8080/v1"); // "3f1c9a0b7d2e4c51-6c1f09a2"
 * ```
 */
export function stateFingerprint(apiKey: string, service?: string): string {
  const own = keyFingerprint(apiKey);
  if (service === undefined || service.replace(/\/+$/, "") === DEFAULT_API_URL) return own;
  return `${own}-${createHash("sha256").update(service.replace(/\/+$/, "")).digest("hex").slice(0, 8)}`;
}

/**
 * Directory of the governor's shared state: `stateDir` option, else `FICHIER_STATE_DIR`, else the user's
 * cache dir (env-paths `fichier`).
 * @example
 * ```ts
 * defaultStateDir(); // "/home/me/.cache/fichier"
 * ```
 */
export function defaultStateDir(explicit?: string): string {
  return explicit ?? process.env.FICHIER_STATE_DIR ?? envPaths("fichier", { suffix: "" }).cache;
}

const stateSchema = z.object({
  version: z.literal(1),
  budget: z.object({
    tokens: z.number(),
    updatedAt: z.number(),
    lockedUntil: z.number(),
    lockCount: z.number(),
    lastLockAt: z.number(),
    rules: z.record(z.string(), z.number()),
  }),
  cache: z.record(z.string(), z.object({ at: z.number(), value: z.unknown() })).default({}),
});
type StateFile = z.infer<typeof stateSchema>;

/**
 * A store shared by every process using the same key: `<dir>/governor-<fingerprint>.json`, locked with
 * proper-lockfile and written with write-file-atomic. A corrupted file, or one holding impossible values
 * (see `implausible`), is reset with a warning.
 *
 * @example
 * ```ts
 * const store = new FileBudgetStore({ dir: "/tmp/x", fingerprint: keyFingerprint(key), burst: 3 });
 * ```
 */
export class FileBudgetStore implements BudgetStore {
  readonly location: string;
  private readonly dir: string;
  private readonly burst: number;
  private readonly maxLockMs: number;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private ready: Promise<void> | undefined;
  // Calls of one process are serialised here, so the file lock is only contended between processes.
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when the file cannot be used: the state then lives here, for this process only. */
  private memory: StateFile | undefined;
  private last: StateFile | undefined;

  constructor(opts: {
    dir: string;
    fingerprint: string;
    burst: number;
    /** The longest flood lock the governor records; a longer one in the file is distrusted. Default 1 h. */
    maxLockMs?: number;
    now?: () => number;
    warn?: (message: string) => void;
  }) {
    this.dir = opts.dir;
    this.location = join(opts.dir, `governor-${opts.fingerprint}.json`);
    this.burst = opts.burst;
    this.maxLockMs = opts.maxLockMs ?? 3_600_000;
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? (() => {});
  }

  private async withLock<R>(fn: (file: StateFile) => { file: StateFile | undefined; result: R }): Promise<R> {
    const run = async (): Promise<R> => {
      if (this.memory) return this.inMemory(fn);
      let release: (() => Promise<void>) | undefined;
      try {
        this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
        await this.ready;
        release = await lockfile.lock(this.location, {
          realpath: false,
          stale: 10_000,
          retries: { retries: 200, minTimeout: 2, maxTimeout: 50, factor: 1.5 },
          // proper-lockfile throws from a timer by default, which would crash the process; a lost lock
          // only risks one mis-paced call, so warn instead.
          onCompromised: (err) =>
            this.warn(`governor state lock was lost (${err.message}); pacing may be off once`),
        });
      } catch (e) {
        // An unwritable cache dir or a lock that never frees must not stop the user's command: pace this
        // process alone from now on, and say so.
        this.warn(
          `governor state ${this.location} is unusable (${(e as Error).message}); pacing this process alone`,
        );
        this.memory = this.last ?? this.fresh();
        return this.inMemory(fn);
      }
      try {
        const { file: current, reset } = await this.read();
        const out = fn(current);
        this.last = out.file ?? current;
        // A reset file is written back at once, so its warning is given once, not on every read.
        const next = out.file ?? (reset ? current : undefined);
        if (next) await writeFileAtomic(this.location, JSON.stringify(next), { mode: 0o600, fsync: false });
        return out.result;
      } finally {
        await release();
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private inMemory<R>(fn: (file: StateFile) => { file: StateFile | undefined; result: R }): R {
    const out = fn(this.memory!);
    if (out.file) this.memory = out.file;
    return out.result;
  }

  private async read(): Promise<{ file: StateFile; reset: boolean }> {
    let text: string;
    try {
      text = await readFile(this.location, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { file: this.fresh(), reset: false };
      throw e;
    }
    let file: StateFile;
    try {
      file = stateSchema.parse(JSON.parse(text));
    } catch {
      this.warn(`governor state file ${this.location} was corrupted; it was reset`);
      return { file: this.fresh(), reset: true };
    }
    // Written by a broken or hostile hand, it could hold a lock for ten years or a bucket owing 1e15 calls:
    // every call would wait for ever (or spin on an overflowing timer). Distrust it once, and start afresh.
    const why = implausible(file.budget, this.now(), this.maxLockMs);
    if (why === undefined) return { file, reset: false };
    this.warn(`governor state file ${this.location} held impossible values (${why}); it was reset`);
    return { file: this.fresh(), reset: true };
  }

  private fresh(): StateFile {
    return { version: 1, budget: initialBudget(this.now(), this.burst), cache: {} };
  }

  async transact<R>(fn: (state: BudgetState) => { state: BudgetState; result: R }): Promise<R> {
    return this.withLock((file) => {
      const { state, result } = fn(file.budget);
      return { file: { ...file, budget: state }, result };
    });
  }

  async readCache(key: string): Promise<{ at: number; value: unknown } | undefined> {
    return this.withLock((file) => ({ file: undefined, result: file.cache[key] }));
  }

  async writeCache(key: string, value: unknown, at: number): Promise<void> {
    await this.withLock((file) => ({
      file: { ...file, cache: { ...file.cache, [key]: { at, value } } },
      result: undefined,
    }));
  }
}
