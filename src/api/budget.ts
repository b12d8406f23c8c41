// Pure pacing decisions of the governor: token bucket, per-endpoint spacing rules and flood locks.
// No I/O here: the state is read and written by a BudgetStore (memory, or a shared file under a lock).

/** Pacing state for one API key; shared by every process using that key when the store is a file. */
export interface BudgetState {
  /** Tokens left in the bucket at `updatedAt`. */
  tokens: number;
  updatedAt: number;
  /** Every call waits until this time (ms since epoch): a flood lock is in force. */
  lockedUntil: number;
  /** Consecutive flood locks (the pause doubles with each), reset after a quiet period. */
  lockCount: number;
  lastLockAt: number;
  /** Last call time per spacing rule key (`user-info`, `list:12`, `list-all`). */
  rules: Record<string, number>;
}

export interface BucketConfig {
  /** Sustained requests per second. */
  rate: number;
  /** Bucket capacity (short bursts). */
  burst: number;
}

/** A spacing rule: at most one call per `intervalMs` for this key. */
export interface SpacingRule {
  key: string;
  intervalMs: number;
  /** Human label for wait events, e.g. "folder listing limit". */
  label: string;
}

export interface Decision {
  /** 0: go now (the state was updated to record the call); otherwise wait this long and ask again. */
  waitMs: number;
  reason: string;
  state: BudgetState;
}

/** A fresh bucket (full). */
export function initialBudget(now: number, burst: number): BudgetState {
  return { tokens: burst, updatedAt: now, lockedUntil: 0, lockCount: 0, lastLockAt: 0, rules: {} };
}

/**
 * Decides whether a call may start now. Pure: returns the new state (with the token spent and the rule
 * stamped) when the call may go, or the time to wait and why.
 *
 * @example
 * ```ts
 * const d = decide(initialBudget(0, 3), 0, { rate: 1, burst: 3 });
 * d.waitMs; // 0
 * ```
 */
export function decide(state: BudgetState, now: number, bucket: BucketConfig, rule?: SpacingRule): Decision {
  const elapsed = Math.max(0, now - state.updatedAt);
  const tokens = Math.min(bucket.burst, state.tokens + (elapsed / 1000) * bucket.rate);
  const refreshed: BudgetState = { ...state, tokens, updatedAt: Math.max(now, state.updatedAt) };
  if (state.lockedUntil > now) {
    return { waitMs: state.lockedUntil - now, reason: "flood lock", state: refreshed };
  }
  if (rule) {
    const last = state.rules[rule.key];
    if (last !== undefined && last + rule.intervalMs > now) {
      return { waitMs: last + rule.intervalMs - now, reason: rule.label, state: refreshed };
    }
  }
  if (tokens < 1) {
    return { waitMs: Math.ceil(((1 - tokens) / bucket.rate) * 1000), reason: "rate limit", state: refreshed };
  }
  const rules = rule ? { ...state.rules, [rule.key]: now } : state.rules;
  return { waitMs: 0, reason: "", state: { ...refreshed, tokens: tokens - 1, rules } };
}

export interface LockConfig {
  /** First pause after a flood answer. */
  baseMs: number;
  /** Upper bound of the doubling. */
  maxMs: number;
  /** After this long without a lock, the doubling starts again from `baseMs`. */
  quietMs: number;
  /** Added to the server's unlock time so the first call after a lock does not land on its edge. */
  marginMs?: number;
}

/**
 * Records a flood lock: every call pauses until the later of the server's unlock time and our own pause,
 * which doubles for repeated locks (30 s, 60 s, 120 s, ... up to `maxMs`). The bucket is emptied so the
 * first calls after the lock go out slowly.
 *
 * @example
 * ```ts
 * const s = recordFlood(initialBudget(0, 3), 0, 30_000, { baseMs: 30_000, maxMs: 3_600_000, quietMs: 600_000 });
 * s.lockedUntil; // 30000
 * ```
 */
export function recordFlood(state: BudgetState, now: number, unlockAt: number, cfg: LockConfig): BudgetState {
  // A lock already recorded by another call (or process) for this same episode is not a repetition.
  if (state.lockedUntil > now && unlockAt <= state.lockedUntil) return state;
  const repeated = state.lockCount > 0 && now - state.lastLockAt < cfg.quietMs + state.lockCount * cfg.baseMs;
  const lockCount = repeated ? state.lockCount + 1 : 1;
  const ours = Math.min(cfg.maxMs, cfg.baseMs * 2 ** (lockCount - 1));
  const lockedUntil = Math.max(unlockAt + (cfg.marginMs ?? 0), now + ours, state.lockedUntil);
  // Prune rule stamps older than a day so the state file stays small.
  const rules: Record<string, number> = {};
  for (const [k, v] of Object.entries(state.rules)) if (now - v < 86_400_000) rules[k] = v;
  return { ...state, lockedUntil, lockCount, lastLockAt: now, tokens: 0, updatedAt: now, rules };
}

/**
 * Exponential backoff with jitter for transient errors: `base * 2^(attempt-1)`, capped, then scaled by a
 * random factor in [0.5, 1). A server's Retry-After wins when it is longer.
 *
 * @example
 * ```ts
 * backoffMs(1, { baseMs: 1000, maxMs: 30_000 }, () => 0.5); // 750
 * ```
 */
export function backoffMs(
  attempt: number,
  cfg: { baseMs: number; maxMs: number },
  random: () => number,
  retryAfterMs?: number,
): number {
  const exp = Math.min(cfg.maxMs, cfg.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exp * (0.5 + random() / 2));
  return retryAfterMs !== undefined ? Math.max(jittered, retryAfterMs) : jittered;
}

/** Folder id of a listing body, for the per-folder spacing rule. */
function folderOf(body: Record<string, unknown> | undefined): number {
  const v = body?.folder_id;
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : 0;
  return Number.isFinite(n) ? n : 0;
}

export interface RuleIntervals {
  userInfoMs: number;
  folderListMs: number;
  allFilesListMs: number;
}

/**
 * The per-endpoint spacing rule of an API call, if any (DECISIONS.md "Limits"; spec §2.1): `user/info.cgi`
 * once per 5 min, each folder listed once per 30 s (`file/ls.cgi` and `folder/ls.cgi` share the folder's
 * budget, since the limit is worded per folder), the whole-account listing once an hour.
 *
 * @example
 * ```ts
 * ruleFor("file/ls.cgi", { folder_id: -1 }, { userInfoMs: 3e5, folderListMs: 3e4, allFilesListMs: 3.6e6 })?.key; // "list-all"
 * ```
 */
export function ruleFor(
  endpoint: string,
  body: Record<string, unknown> | undefined,
  iv: RuleIntervals,
): SpacingRule | undefined {
  if (endpoint === "user/info.cgi") {
    return { key: "user-info", intervalMs: iv.userInfoMs, label: "account info limit (1 per 5 min)" };
  }
  if (endpoint === "file/ls.cgi" || endpoint === "folder/ls.cgi") {
    const folder = folderOf(body);
    if (endpoint === "file/ls.cgi" && folder === -1) {
      return {
        key: "list-all",
        intervalMs: iv.allFilesListMs,
        label: "whole-account listing limit (1 per hour)",
      };
    }
    return { key: `list:${folder}`, intervalMs: iv.folderListMs, label: "folder listing limit (1 per 30 s)" };
  }
  return undefined;
}
