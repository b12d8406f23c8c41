// The `Retry-After` header (RFC 9110 §10.2.3): delta seconds or an HTTP date, read into milliseconds.
// Its own module, as ky keeps it, so every reader of the header (the error table, the retry policy) shares
// one parser. The value is the server's word only: callers bound it (retry-policy.ts `maxRetryAfterMs`,
// the governor's flood-lock maximum) before waiting on it.

/**
 * The longest delay a server's word is taken at: a year. Beyond it the number is junk (and a date that far
 * cannot even be printed); callers apply their own, much smaller bounds before waiting.
 */
export const MAX_ANNOUNCED_MS = 365 * 86_400_000;

/**
 * Parses a `Retry-After` value (delta seconds or HTTP date) into milliseconds from `now`, at most
 * {@link MAX_ANNOUNCED_MS}; `undefined` when absent or unreadable. A date in the past is 0.
 * @example
 * ```ts
 * parseRetryAfter("12", Date.now()); // 12000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("2015-10-21T07:27:00Z")); // 60000
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    return Math.min(MAX_ANNOUNCED_MS, Math.round(Number(v) * 1000));
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.min(MAX_ANNOUNCED_MS, Math.max(0, t - now));
}
