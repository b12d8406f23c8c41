// Failed authentications slowed down per client address: after `limit` failures within `windowMs`, every
// request from that address gets 429 for `blockMs` (issue 17: 10 in a minute, then a minute), before any
// token is looked at, so guessing costs the gateway nothing.

export interface AuthThrottleOptions {
  now: () => number;
  /** Failures allowed in the window; default 10. */
  limit?: number;
  windowMs?: number;
  blockMs?: number;
}

/**
 * Counts failures per IP on an injectable clock.
 * @example
 * const throttle = new AuthThrottle({ now: Date.now });
 * if (throttle.blockedForMs(ip) > 0) return tooMany();
 * if (!ok) throttle.fail(ip);
 */
export class AuthThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly blocked = new Map<string, number>();
  private readonly now: () => number;
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly blockMs: number;

  constructor(o: AuthThrottleOptions) {
    this.now = o.now;
    this.limit = o.limit ?? 10;
    this.windowMs = o.windowMs ?? 60_000;
    this.blockMs = o.blockMs ?? 60_000;
  }

  /** How long `ip` is still refused (0: not refused). */
  blockedForMs(ip: string): number {
    const until = this.blocked.get(ip);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return left;
    this.blocked.delete(ip);
    return 0;
  }

  /** Records a failure; true when it is the one that starts a block (to log it once). */
  fail(ip: string): boolean {
    const now = this.now();
    const recent = (this.failures.get(ip) ?? []).filter((t) => now - t < this.windowMs);
    recent.push(now);
    this.prune(now);
    if (recent.length >= this.limit) {
      this.failures.delete(ip);
      this.blocked.set(ip, now + this.blockMs);
      return true;
    }
    this.failures.set(ip, recent);
    return false;
  }

  /** Drops stale entries so a scan from many addresses cannot grow the maps for ever. */
  private prune(now: number): void {
    if (this.failures.size < 10_000) return;
    for (const [ip, times] of this.failures) {
      if (times.every((t) => now - t >= this.windowMs)) this.failures.delete(ip);
    }
    for (const [ip, until] of this.blocked) if (until <= now) this.blocked.delete(ip);
  }
}
