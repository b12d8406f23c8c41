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

/** What a call was given when it went: its token and its spacing stamp, so they can be given back. */
export interface Grant {
  /** The spacing rule stamped, if any, with the stamp and the one it replaced. */
  ruleKey?: string;
  stamp: number;
  previous?: number;
}

export interface Decision {
  /** 0: go now (the state was updated to record the call); otherwise wait this long and ask again. */
  waitMs: number;
  reason: string;
  state: BudgetState;
  /** Set when the call may go. */
  grant?: Grant;
}

/** The wait reason of a flood lock (the other reasons are the rate limit and the spacing rules' labels). */
export const FLOOD_LOCK = "flood lock";

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
    return { waitMs: state.lockedUntil - now, reason: FLOOD_LOCK, state: refreshed };
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
  const previous = rule ? state.rules[rule.key] : undefined;
  const grant: Grant = {
    stamp: now,
    ...(rule ? { ruleKey: rule.key } : {}),
    ...(previous !== undefined ? { previous } : {}),
  };
  return { waitMs: 0, reason: "", state: { ...refreshed, tokens: tokens - 1, rules }, grant };
}

/**
 * Gives back what a call was granted: its spacing stamp (when no later call replaced it), and its token
 * when `token` is true. Pure. A call that never reached the server spent neither; a key the server refused
 * spent no per-key spacing (the server cannot count calls of a key it does not know).
 *
 * @example
 * ```ts
 * const d = decide(initialBudget(0, 3), 0, { rate: 1, burst: 3 }, rule);
 * const back = refund(d.state, d.grant!, { burst: 3 }, true); // as if the call never went
 * ```
 */
export function refund(
  state: BudgetState,
  grant: Grant,
  bucket: { burst: number },
  token: boolean,
): BudgetState {
  const rules = { ...state.rules };
  if (grant.ruleKey !== undefined && rules[grant.ruleKey] === grant.stamp) {
    if (grant.previous === undefined) delete rules[grant.ruleKey];
    else rules[grant.ruleKey] = grant.previous;
  }
  const tokens = token ? Math.min(bucket.burst, state.tokens + 1) : state.tokens;
  return { ...state, rules, tokens };
}

/** The clock difference between processes of one machine that a state file may show: none, so one minute. */
const FUTURE_SLACK_MS = 60_000;

/**
 * Why a budget read from the shared file cannot be right, or undefined when it can. Impossible values (a
 * negative bucket, dates in the future, a lock longer than the longest one fichier records) would make
 * every later call wait for ever, or spin on a timer that overflows: such a file is distrusted and reset.
 *
 * @example
 * ```ts
 * implausible({ ...initialBudget(0, 3), tokens: -1e15 }, 0, 3_600_000); // "-1000000000000000 tokens in the bucket"
 * ```
 */
export function implausible(state: BudgetState, now: number, maxLockMs: number): string | undefined {
  const numbers = [state.tokens, state.updatedAt, state.lockedUntil, state.lockCount, state.lastLockAt];
  if (!numbers.every(Number.isFinite)) return "a value that is not a finite number";
  if (state.tokens < 0) return `${state.tokens} tokens in the bucket`;
  if (!Number.isInteger(state.lockCount) || state.lockCount < 0) return `a lock count of ${state.lockCount}`;
  const future = now + FUTURE_SLACK_MS;
  if (state.lockedUntil > future + maxLockMs) {
    return `a lock ${Math.round((state.lockedUntil - now) / 60_000)} min long, longer than the ${Math.round(maxLockMs / 60_000)} min a flood lock lasts at most`;
  }
  for (const [what, at] of [
    ["last update", state.updatedAt],
    ["last lock", state.lastLockAt],
    ...Object.entries(state.rules).map(([k, v]) => [`"${k}" call`, v] as const),
  ] as const) {
    if (!Number.isFinite(at) || at > future) return `a ${what} dated in the future (${at})`;
  }
  return undefined;
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
