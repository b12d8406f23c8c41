// The one retry policy: how many attempts, how long between them, and which failures are retried at all.
// Every layer that sends something again (the governor for API calls, download ranges, upload POSTs, end.pl
// and remote-upload polls) takes a RetryPolicy and asks `retryDelayMs` here; none keeps timings of its own.
// Which failures are worth another attempt is decided once, by `classifyFailure` (errors.ts `retryable`).
import { FloodError, shouldRetry } from "./errors.js";

/**
 * How a failed operation is tried again (documented once, in docs/client.md "Retries").
 *
 * The delay before attempt `n + 1` is `baseMs × 2^(n − 1)`, capped at `maxMs`, then scaled down by a random
 * factor in `[1 − jitter, 1)`; a server's `Retry-After` wins when it asks for longer.
 */
export interface RetryPolicy {
  /** Attempts in all, the first one included: 1 means never retried. */
  attempts: number;
  /** Delay after the first failure (ms); it doubles with each further failure. */
  baseMs: number;
  /** Longest delay between two attempts (ms). */
  maxMs: number;
  /** Random share of each delay, 0 to 1: 0.5 draws it from [50 %, 100 %] of its computed value. */
  jitter: number;
  /**
   * A failure whose Retry-After asks for longer than this is not waited for but thrown (a maintenance page
   * saying "come back after 20 minutes" is not worth holding a command for).
   */
  maxRetryAfterMs: number;
}

/**
 * The longest delay a Node timer holds (2^31 − 1 ms, about 24.8 days): a longer one fires after 1 ms, so
 * every sleep and timer is clamped to it (the governor's `Clock.sleep` is the one sleep).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** API calls through the governor: 5 attempts, 1 s doubling to 30 s, half jitter; Retry-After up to 60 s. */
export const API_RETRY: RetryPolicy = {
  attempts: 5,
  baseMs: 1000,
  maxMs: 30_000,
  jitter: 0.5,
  maxRetryAfterMs: 60_000,
};

/**
 * One Range request of a download (or of `cat`): 6 attempts without progress, 400 ms doubling to 5 s.
 * An attempt that brought bytes resets the count: a long download survives any number of drops.
 */
export const RANGE_RETRY: RetryPolicy = {
  attempts: 6,
  baseMs: 400,
  maxMs: 5000,
  jitter: 0,
  maxRetryAfterMs: 60_000,
};

/** The upload POST when it fails before the body was fully sent: 3 attempts, 1 s then 2 s. */
export const UPLOAD_SEND_RETRY: RetryPolicy = {
  attempts: 3,
  baseMs: 1000,
  maxMs: 2000,
  jitter: 0,
  maxRetryAfterMs: 60_000,
};

/**
 * Polling end.pl until it lists an upload (spec §7.4): 1 s doubling to 15 s, bounded by a deadline rather
 * than a count (`attempts` is unbounded).
 */
export const END_POLL: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseMs: 1000,
  maxMs: 15_000,
  jitter: 0,
  maxRetryAfterMs: 60_000,
};

/** Polling a remote-upload job (`remote add --wait`): 5 s doubling to 60 s, bounded by a deadline. */
export const REMOTE_POLL: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseMs: 5000,
  maxMs: 60_000,
  jitter: 0,
  maxRetryAfterMs: 60_000,
};

/**
 * A policy with some fields replaced; undefined fields keep the base's value.
 *
 * @example
 * ```ts
 * const patient = retryPolicy(API_RETRY, { attempts: 10 });
 * ```
 */
export function retryPolicy(base: RetryPolicy, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const out = { ...base };
  for (const [k, v] of Object.entries(overrides) as [keyof RetryPolicy, number | undefined][]) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * The delay before the next attempt, after `failures` failed ones (1 for the first failure). Pure given
 * `random`. A `retryAfterMs` from the server wins when it is longer.
 *
 * @example
 * ```ts
 * retryDelayMs(API_RETRY, 1, () => 0.5); // 750: 1000 ms scaled into [500, 1000)
 * retryDelayMs(RANGE_RETRY, 3);          // 1600
 * ```
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failures: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  const delay = Math.round(exp * (1 - jitter + jitter * random()));
  return retryAfterMs !== undefined ? Math.max(delay, retryAfterMs) : delay;
}

/**
 * Whether a failure may be tried again under `policy`, and after how long: `undefined` means throw it.
 * Retryable failures are those `classifyFailure` marked `retryable` (network trouble, timeouts, 5xx,
 * maintenance pages); an abort never is; a flood lock is the governor's business, not a retry.
 *
 * @example
 * ```ts
 * const wait = nextRetry(API_RETRY, err, attempt);
 * if (wait === undefined) throw err;
 * await clock.sleep(wait, signal);
 * ```
 */
export function nextRetry(
  policy: RetryPolicy,
  error: unknown,
  failures: number,
  random: () => number = Math.random,
): number | undefined {
  if (!shouldRetry(error) || error instanceof FloodError) return undefined;
  if (failures >= policy.attempts) return undefined;
  if (error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxRetryAfterMs) return undefined;
  return retryDelayMs(policy, failures, random, error.retryAfterMs);
}
