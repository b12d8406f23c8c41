// The governor: pacing and retry around the transport, as rclone's pacer and octokit's throttling are.
// Endpoint code only describes requests; this layer decides when they go and whether they go again.
import {
  type BudgetState,
  backoffMs,
  decide,
  type LockConfig,
  type RuleIntervals,
  recordFlood,
  ruleFor,
  type SpacingRule,
} from "./budget.js";
import {
  type BudgetStore,
  defaultStateDir,
  FileBudgetStore,
  keyFingerprint,
  MemoryBudgetStore,
} from "./budget-store.js";
import { AbortedError, FichierError, FloodError, shouldRetry } from "./errors.js";
import type { ClientEvent } from "./types.js";

/** Time source and sleep, injectable so tests run on a fake clock. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with AbortedError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `Date.now` and an abortable timer.
 * @example
 * ```ts
 * await systemClock.sleep(1000, AbortSignal.timeout(500)); // rejects with AbortedError after 0.5 s
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError());
      const onAbort = () => {
        clearTimeout(timer);
        reject(new AbortedError());
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** Options of the governor. Defaults follow 1fichier's limits with a safety margin (spec §2, §10). */
export interface GovernorOptions {
  /** Sustained requests per second; default 1 (the admin's advice, spec §2.1). */
  rate?: number;
  /** Bucket capacity for short bursts; default 3. */
  burst?: number;
  /** `user/info.cgi` spacing, answer cached as long; default 300 000 (5 min). */
  userInfoIntervalMs?: number;
  /** Per-folder listing spacing, listing cached as long; default 30 000. */
  folderListIntervalMs?: number;
  /** Whole-account listing (`file/ls.cgi` folder -1) spacing; default 3 600 000. */
  allFilesListIntervalMs?: number;
  /** First pause after a flood answer when the server gives no time; default 30 000. Doubles when repeated. */
  floodLockMs?: number;
  /** Longest pause; default 3 600 000. */
  maxFloodLockMs?: number;
  /** Retries of a transient failure (not counting flood pauses); default 4. */
  retries?: number;
  /** Flood pauses a single call sits through before giving up with the FloodError; default 3. */
  floodRetries?: number;
  /** Backoff base and cap for transient errors; defaults 1 000 and 30 000. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /**
   * A transient error whose Retry-After asks for longer than this is not retried but thrown (a maintenance
   * page says "come back after 20 minutes"); default 60 000.
   */
  maxRetryWaitMs?: number;
  /**
   * Share the budget with other processes using the same key through a locked state file (default true).
   * The file lives in `stateDir`, else `FICHIER_STATE_DIR`, else the user's cache dir.
   */
  shared?: boolean;
  stateDir?: string;
  /** Custom store (tests). Overrides `shared`. */
  store?: BudgetStore;
  clock?: Clock;
  random?: () => number;
  /** Waits shorter than this emit no event; default 1000 ms. */
  eventThresholdMs?: number;
  onEvent?: (e: ClientEvent) => void;
}

/** One call as the governor sees it. */
export interface GovernedCall {
  /** API path such as `file/ls.cgi`; `user/info.cgi` and listings get spacing rules. */
  endpoint: string;
  /** Request body, used to find the spacing rule and the cache key. */
  body?: Record<string, unknown>;
  /** Cache the answer for the rule's interval (user info, listings). */
  cache?: boolean;
  /** Ignore a cached answer (still waits for the spacing rule). */
  fresh?: boolean;
  /** False: never sent twice (upload POST). Default true. */
  idempotent?: boolean;
  /** Skip the bucket entirely (used for transfers; rarely right for API calls). */
  unpaced?: boolean;
  signal?: AbortSignal;
}

/** What the governor exposes for inspection (CLI status, tests). */
export interface GovernorSnapshot {
  lockedUntil: number;
  lockCount: number;
  tokens: number;
  waits: number;
  waitedMs: number;
  retries: number;
  floods: number;
  calls: number;
  store: string;
}

/** Stable cache key of a call. */
function cacheKeyOf(endpoint: string, body: Record<string, unknown> | undefined): string {
  const keys = Object.keys(body ?? {}).sort();
  return `${endpoint}?${keys.map((k) => `${k}=${JSON.stringify(body?.[k])}`).join("&")}`;
}

/**
 * Paces every API call under 1fichier's limits and retries transient failures.
 *
 * @example
 * ```ts
 * const governor = new Governor({ rate: 1, burst: 3, onEvent: (e) => console.error(e.message) }, apiKey);
 * const client = createClient({ apiKey, governor });
 * ```
 */
export class Governor {
  private readonly store: BudgetStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly bucket: { rate: number; burst: number };
  private readonly intervals: RuleIntervals;
  private readonly lockCfg: LockConfig;
  private readonly retries: number;
  private readonly floodRetries: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly threshold: number;
  private readonly maxRetryWaitMs: number;
  private readonly listeners = new Set<(e: ClientEvent) => void>();
  private readonly cache = new Map<string, { at: number; value: unknown; ruleKey: string }>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly stats = { waits: 0, waitedMs: 0, retries: 0, floods: 0, calls: 0 };
  private last: BudgetState | undefined;

  /**
   * @param options pacing options
   * @param apiKey used only to derive the shared state file's name (a hash); never stored
   */
  constructor(options: GovernorOptions = {}, apiKey?: string) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.bucket = { rate: options.rate ?? 1, burst: options.burst ?? 3 };
    this.intervals = {
      userInfoMs: options.userInfoIntervalMs ?? 300_000,
      folderListMs: options.folderListIntervalMs ?? 30_000,
      allFilesListMs: options.allFilesListIntervalMs ?? 3_600_000,
    };
    this.lockCfg = {
      baseMs: options.floodLockMs ?? 30_000,
      maxMs: options.maxFloodLockMs ?? 3_600_000,
      quietMs: 600_000,
      marginMs: 250,
    };
    this.retries = options.retries ?? 4;
    this.floodRetries = options.floodRetries ?? 3;
    this.backoff = { baseMs: options.backoffMs ?? 1000, maxMs: options.maxBackoffMs ?? 30_000 };
    this.threshold = options.eventThresholdMs ?? 1000;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
    if (options.onEvent) this.listeners.add(options.onEvent);
    const warn = (message: string) => this.emit({ type: "warning", message });
    if (options.store) this.store = options.store;
    else if (options.shared !== false && apiKey !== undefined) {
      this.store = new FileBudgetStore({
        dir: defaultStateDir(options.stateDir),
        fingerprint: keyFingerprint(apiKey),
        burst: this.bucket.burst,
        now: () => this.clock.now(),
        warn,
      });
    } else this.store = new MemoryBudgetStore(this.clock.now(), this.bucket.burst);
  }

  /**
   * Subscribes to events (waits, retries, flood locks). Returns the unsubscribe function.
   * @example
   * ```ts
   * const off = governor.on((e) => console.error(e.message));
   * ```
   */
  on(listener: (e: ClientEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ClientEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure must not break the call
      }
    }
  }

  /**
   * Drops cached answers: every listing (`"listings"`), the account info (`"user-info"`), or all (no argument).
   * The spacing rules still apply to the next real call.
   * @example
   * ```ts
   * governor.invalidate("listings"); // after an upload, mkdir, rm or mv
   * ```
   */
  invalidate(what?: "listings" | "user-info"): void {
    for (const [k, v] of this.cache) {
      if (
        what === undefined ||
        (what === "user-info" && v.ruleKey === "user-info") ||
        (what === "listings" && v.ruleKey !== "user-info")
      ) {
        this.cache.delete(k);
      }
    }
  }

  /**
   * Current state, for display and tests.
   * @example
   * ```ts
   * if (governor.snapshot().lockedUntil > Date.now()) console.error("paused by a flood lock");
   * ```
   */
  snapshot(): GovernorSnapshot {
    return {
      lockedUntil: this.last?.lockedUntil ?? 0,
      lockCount: this.last?.lockCount ?? 0,
      tokens: this.last?.tokens ?? this.bucket.burst,
      ...this.stats,
      store: this.store.location,
    };
  }

  /**
   * The governor's clock reading (ms since epoch): the real time, or the clock a test injected. The client
   * dates flood locks with it, so that a lock's end and the governor's waits are on one clock.
   * @example
   * ```ts
   * const lockedFor = governor.snapshot().lockedUntil - governor.now();
   * ```
   */
  now(): number {
    return this.clock.now();
  }

  private async sleep(ms: number, reason: string, endpoint: string, signal?: AbortSignal): Promise<void> {
    if (ms <= 0) return;
    this.stats.waits++;
    this.stats.waitedMs += ms;
    if (ms >= this.threshold) {
      const s = Math.ceil(ms / 1000);
      this.emit({ type: "wait", ms, reason, endpoint, message: `waiting ${s} s: ${reason}` });
    }
    await this.clock.sleep(ms, signal);
  }

  /** Waits until the budget lets this call go, and spends one token. */
  private async acquire(call: GovernedCall): Promise<void> {
    const rule = ruleFor(call.endpoint, call.body, this.intervals);
    for (;;) {
      if (call.signal?.aborted) throw new AbortedError();
      const now = this.clock.now();
      const d = await this.store.transact((state) => {
        const r = decide(state, now, this.bucket, rule);
        return { state: r.state, result: r };
      });
      this.last = d.state;
      if (d.waitMs <= 0) return;
      await this.sleep(d.waitMs, d.reason, call.endpoint, call.signal);
    }
  }

  private async noteFlood(e: FloodError, endpoint: string): Promise<number> {
    const now = this.clock.now();
    if (e.code === 38 && endpoint === "user/info.cgi") {
      // spec §2.1: #38 limits user/info.cgi only (JD: other calls keep working); wait out that rule alone.
      const state = await this.store.transact((s) => {
        const next = { ...s, rules: { ...s.rules, "user-info": now } };
        return { state: next, result: next };
      });
      this.last = state;
      this.stats.floods++;
      const until = now + this.intervals.userInfoMs;
      this.emit({
        type: "flood",
        unlockAt: until,
        endpoint,
        message: `${endpoint}: account info limit reached`,
      });
      return until;
    }
    const state = await this.store.transact((s) => {
      const next = recordFlood(s, now, e.unlockAt, this.lockCfg);
      return { state: next, result: next };
    });
    this.last = state;
    this.stats.floods++;
    this.emit({
      type: "flood",
      unlockAt: state.lockedUntil,
      endpoint,
      message: `flood lock on ${endpoint}: every call paused for ${Math.ceil((state.lockedUntil - now) / 1000)} s`,
    });
    return state.lockedUntil;
  }

  /**
   * Runs `fn` under the budget: waits for the bucket, the endpoint's spacing rule and any flood lock;
   * serves cached answers for user info and listings; retries transient failures with backoff and jitter;
   * pauses every call on a flood answer. Auth, entitlement, permission, not-found and invalid-name errors
   * are never retried, nor is a non-idempotent call.
   *
   * @example
   * ```ts
   * const body = { folder_id: 0 };
   * const raw = await governor.run({ endpoint: "folder/ls.cgi", body, cache: true }, () => transport.call("folder/ls.cgi", body));
   * ```
   */
  async run<T>(call: GovernedCall, fn: (attempt: number) => Promise<T>): Promise<T> {
    const rule = ruleFor(call.endpoint, call.body, this.intervals);
    const key = call.cache && rule ? cacheKeyOf(call.endpoint, call.body) : undefined;
    if (key && rule && !call.fresh) {
      const hit = await this.cached(key, rule.intervalMs, rule.key);
      if (hit !== undefined) {
        this.emit({
          type: "cache",
          endpoint: call.endpoint,
          message: `${call.endpoint}: answered from cache`,
        });
        return hit.value as T;
      }
      // The same listing already on its way (parallel callers): share its answer instead of queueing
      // behind the folder's 30 s spacing.
      const pending = this.inflight.get(key);
      if (pending) return pending as Promise<T>;
    }
    const p = this.attempts(call, fn, rule, key);
    if (key) {
      this.inflight.set(key, p);
      const clear = () => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
      };
      p.then(clear, clear);
    }
    return p;
  }

  private async attempts<T>(
    call: GovernedCall,
    fn: (attempt: number) => Promise<T>,
    rule: SpacingRule | undefined,
    key: string | undefined,
  ): Promise<T> {
    let attempt = 0;
    let floods = 0;
    for (;;) {
      attempt++;
      if (!call.unpaced || floods > 0) await this.acquire(call);
      this.stats.calls++;
      try {
        const value = await fn(attempt);
        if (key && rule) await this.remember(key, rule.key, value);
        return value;
      } catch (e) {
        if (e instanceof FloodError) {
          await this.noteFlood(e, call.endpoint);
          floods++;
          // A flood answer means the call was refused, not done: re-sending it after the lock is safe even
          // for non-idempotent calls.
          if (floods > this.floodRetries) throw e;
          // The pause itself happens in acquire(), shared with every other call of this key.
          attempt--;
          continue;
        }
        if (!(e instanceof FichierError) || !shouldRetry(e) || call.idempotent === false) throw e;
        if (attempt > this.retries) throw e;
        if (e.retryAfterMs !== undefined && e.retryAfterMs > this.maxRetryWaitMs) throw e;
        const ms = backoffMs(attempt, this.backoff, this.random, e.retryAfterMs);
        this.stats.retries++;
        this.emit({
          type: "retry",
          attempt,
          ms,
          endpoint: call.endpoint,
          error: e.name,
          message: `retrying ${call.endpoint} in ${Math.ceil(ms / 1000)} s (attempt ${attempt + 1}): ${e.message}`,
        });
        await this.clock.sleep(ms, call.signal);
      }
    }
  }

  private async cached(key: string, intervalMs: number, ruleKey: string) {
    const now = this.clock.now();
    const local = this.cache.get(key);
    if (local && now - local.at < intervalMs) return local;
    // The account info is small and asked by every short-lived command: share it between processes.
    if (ruleKey === "user-info" && this.store.readCache) {
      const shared = await this.store.readCache(key);
      if (shared && now - shared.at < intervalMs && now >= shared.at) {
        this.cache.set(key, { ...shared, ruleKey });
        return shared;
      }
    }
    return undefined;
  }

  private async remember(key: string, ruleKey: string, value: unknown): Promise<void> {
    const at = this.clock.now();
    this.cache.set(key, { at, value, ruleKey });
    if (ruleKey === "user-info" && this.store.writeCache) await this.store.writeCache(key, value, at);
  }
}
