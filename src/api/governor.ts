// The governor: pacing and retry around the transport, as rclone's pacer and octokit's throttling are.
// Endpoint code only describes requests; this layer decides when they go and whether they go again.
import {
  type BudgetState,
  type Decision,
  decide,
  FLOOD_LOCK,
  type Grant,
  type LockConfig,
  type RuleIntervals,
  recordFlood,
  refund,
  ruleFor,
  type SpacingRule,
} from "./budget.js";
import {
  type BudgetStore,
  defaultStateDir,
  FileBudgetStore,
  MemoryBudgetStore,
  stateFingerprint,
} from "./budget-store.js";
import { AbortedError, AuthError, FloodError, NetworkError, TimeoutError } from "./errors.js";
import { API_RETRY, MAX_TIMER_MS, nextRetry, type RetryPolicy, retryPolicy } from "./retry-policy.js";
import type { ClientEvent } from "./types.js";

/** Time source and sleep, injectable so tests run on a fake clock. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with AbortedError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `Date.now` and an abortable timer, the one sleep of fichier. A delay is clamped to what a
 * Node timer holds (2^31 − 1 ms): a longer one would fire after 1 ms and turn every wait into a busy loop.
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
        Number.isNaN(ms) ? 0 : Math.min(MAX_TIMER_MS, Math.max(0, ms)),
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
  /**
   * How transient failures are tried again: fields replacing those of `API_RETRY` (5 attempts, 1 s doubling
   * to 30 s, half jitter, a Retry-After up to 60 s waited for). docs/client.md "Retries".
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Flood pauses a single call sits through before giving up with the FloodError; default 3. 0 fails at
   * once, even on a lock saved by an earlier call or process.
   */
  floodRetries?: number;
  /**
   * The longest wait the governor sits through (a flood lock, a spacing rule, the bucket): a longer one ends
   * the call at once with a FloodError naming when calls may resume. Default 3 600 000, the longest flood
   * lock fichier records (`maxFloodLockMs`). The CLI's `--max-wait`.
   */
  maxWaitMs?: number;
  /**
   * Share the budget with other processes using the same key through a locked state file (default true).
   * The file lives in `stateDir`, else `FICHIER_STATE_DIR`, else the user's cache dir.
   */
  shared?: boolean;
  stateDir?: string;
  /**
   * The API the limits belong to (its base URL; default 1fichier's): one state file per key and service, so
   * another server's waits, locks and cached answers never apply to this one (`stateFingerprint`).
   */
  service?: string;
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

/** The retry state of one governed call. */
interface CallRun {
  /** Failed attempts other than flood answers. */
  failures: number;
  /** Flood answers received. */
  floods: number;
  /** Flood pauses sat through, and the lock end of the last one counted. */
  pauses: number;
  pausedUntil: number;
  lastFlood?: FloodError;
}

/** The fields of a flood error, to restate it with another unlock time. */
function floodInit(e: FloodError) {
  return {
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.httpStatus !== undefined ? { httpStatus: e.httpStatus } : {}),
    ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}),
    cause: e,
  };
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
  private readonly retry: RetryPolicy;
  private readonly floodRetries: number;
  private readonly maxWaitMs: number;
  private readonly threshold: number;
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
    this.retry = retryPolicy(API_RETRY, options.retry);
    this.floodRetries = options.floodRetries ?? 3;
    this.maxWaitMs = options.maxWaitMs ?? 3_600_000;
    if (!(this.maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be 0 or more, not ${options.maxWaitMs}`);
    this.threshold = options.eventThresholdMs ?? 1000;
    if (options.onEvent) this.listeners.add(options.onEvent);
    const warn = (message: string) => this.emit({ type: "warning", message });
    if (options.store) this.store = options.store;
    else if (options.shared !== false && apiKey !== undefined) {
      this.store = new FileBudgetStore({
        dir: defaultStateDir(options.stateDir),
        fingerprint: stateFingerprint(apiKey, options.service),
        burst: this.bucket.burst,
        maxLockMs: this.lockCfg.maxMs,
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

  /**
   * Waits until the budget lets this call go, spends one token and stamps the call's spacing rule; returns
   * what it was granted, to give back if the call never reaches the server. A wait longer than `maxWaitMs`,
   * or one flood pause more than `floodRetries`, ends the call instead.
   */
  private async acquire(call: GovernedCall, run: CallRun): Promise<Grant> {
    const rule = ruleFor(call.endpoint, call.body, this.intervals);
    for (;;) {
      if (call.signal?.aborted) throw new AbortedError();
      const now = this.clock.now();
      const d = await this.store.transact((state) => {
        const r = decide(state, now, this.bucket, rule);
        return { state: r.state, result: r };
      });
      this.last = d.state;
      if (d.grant) return d.grant;
      this.refuseWait(call, run, d, now);
      await this.sleep(d.waitMs, d.reason, call.endpoint, call.signal);
    }
  }

  /** Throws instead of waiting when the wait is longer than allowed, or is one flood pause too many. */
  private refuseWait(call: GovernedCall, run: CallRun, d: Decision, now: number): void {
    const unlockAt = now + d.waitMs;
    if (d.reason === FLOOD_LOCK && d.state.lockedUntil !== run.pausedUntil) {
      run.pausedUntil = d.state.lockedUntil;
      run.pauses++;
      if (run.pauses > this.floodRetries) {
        throw (
          run.lastFlood ??
          new FloodError(`${call.endpoint}: calls with this key are paused by a flood lock`, {
            endpoint: call.endpoint,
            unlockAt,
          })
        );
      }
    }
    if (d.waitMs > this.maxWaitMs) {
      const s = (ms: number) => `${Math.ceil(ms / 1000)} s`;
      throw new FloodError(
        `${call.endpoint}: the ${d.reason} asks for a ${s(d.waitMs)} wait, longer than the ${s(this.maxWaitMs)} allowed`,
        {
          endpoint: call.endpoint,
          unlockAt,
          // The unlock time is the error's `unlockAt`: the command line prints it in local time beside this.
          hint: "Run it again once the wait is over, or allow a longer wait (--max-wait, or the maxWaitMs option).",
        },
      );
    }
  }

  /**
   * After a failure: gives back the token and spacing stamp of a call that never reached the server (no
   * answer at all), and the spacing stamp of a call whose key was refused (the server counts no calls for
   * a key it does not know). Either way the next attempt waits for the retry policy's backoff only.
   */
  private async giveBack(grant: Grant | undefined, e: unknown): Promise<void> {
    if (!grant) return;
    const unanswered = (e instanceof NetworkError || e instanceof TimeoutError) && e.httpStatus === undefined;
    if (!unanswered && !(e instanceof AuthError)) return;
    this.last = await this.store.transact((s) => {
      const next = refund(s, grant, this.bucket, unanswered);
      return { state: next, result: next };
    });
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
      const next = recordFlood(s, now, this.trustedUnlock(e, now), this.lockCfg);
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
   * The server's unlock time, unless it is past the longest lock fichier records (1 h by default): then it
   * is distrusted (a `Retry-After: 3000000` is junk, not a 34-day lock) and our own pause applies.
   */
  private trustedUnlock(e: FloodError, now: number): number {
    if (e.unlockAt - now <= this.lockCfg.maxMs) return e.unlockAt;
    const hours = Math.round((e.unlockAt - now) / 3_600_000);
    this.emit({
      type: "warning",
      message: `${e.endpoint ?? "1fichier"} asked for a ${hours} h pause, longer than a flood lock lasts (${Math.round(this.lockCfg.maxMs / 60_000)} min): using fichier's own pause instead`,
    });
    return now;
  }

  /**
   * Runs `fn` under the budget: waits for the bucket, the endpoint's spacing rule and any flood lock;
   * serves cached answers for user info and listings; retries transient failures as the retry policy says;
   * pauses every call on a flood answer. Auth, entitlement, permission, not-found and invalid-name errors
   * are never retried, nor is a non-idempotent call. A call that never reached the server spends no rate
   * limit: its retries wait for the backoff only.
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
    const run: CallRun = { failures: 0, floods: 0, pauses: 0, pausedUntil: 0 };
    for (;;) {
      const grant = !call.unpaced || run.floods > 0 ? await this.acquire(call, run) : undefined;
      this.stats.calls++;
      try {
        const value = await fn(run.failures + 1);
        if (key && rule) await this.remember(key, rule.key, value);
        return value;
      } catch (e) {
        await this.giveBack(grant, e);
        await this.afterFailure(call, run, e);
      }
    }
  }

  /** Decides what follows a failed attempt: throws it, or returns once the next attempt may be made. */
  private async afterFailure(call: GovernedCall, run: CallRun, e: unknown): Promise<void> {
    if (e instanceof FloodError) {
      const until = await this.noteFlood(e, call.endpoint);
      run.floods++;
      // A distrusted unlock time (beyond the longest lock) is not repeated to the user: ours is.
      run.lastFlood =
        until >= e.unlockAt ? e : new FloodError(e.message, { ...floodInit(e), unlockAt: until });
      // A flood answer means the call was refused, not done: re-sending it after the lock is safe even
      // for non-idempotent calls. The pause itself happens in acquire(), shared with every call of the key.
      if (run.floods > this.floodRetries) throw run.lastFlood;
      return;
    }
    run.failures++;
    if (call.idempotent === false) throw e;
    const ms = nextRetry(this.retry, e, run.failures, this.random);
    if (ms === undefined || ms > this.maxWaitMs) throw e;
    this.stats.retries++;
    const err = e as Error;
    this.emit({
      type: "retry",
      attempt: run.failures,
      ms,
      endpoint: call.endpoint,
      error: err.name,
      message: `retrying ${call.endpoint} in ${Math.ceil(ms / 1000)} s (attempt ${run.failures + 1}): ${err.message}`,
    });
    await this.clock.sleep(ms, call.signal);
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
