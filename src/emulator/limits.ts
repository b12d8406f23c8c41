/**
 * Rate limits of the `real` profile (DECISIONS "Limits"; spec §2). Pure logic: every method takes `now` (ms)
 * from the emulator clock, so tests can move time.
 */

/** A refusal: the answer to send and how long the caller should wait. */
export interface Refusal {
  message: string;
  retryAfterSeconds: number;
  /** true when this refusal started a new lock (counted in stats). */
  newLock: boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

const FLOOD = "Flood detected: IP Locked #374";
const FLOOD_INFO = "Flood detected: IP Locked #38";

/** Settings of the limiter. */
export interface LimitSettings {
  enabled: boolean;
  lockSeconds: number;
  /** Requests per second per key and per IP (token bucket; burst = rate). */
  rate?: number;
}

/**
 * Limits of one emulator: API token buckets with flood locks, user/info spacing, per-folder listing spacing,
 * open download connections.
 * @example
 * const l = new Limiter({ enabled: true, lockSeconds: 30 });
 * l.checkApi("key", "127.0.0.1", Date.now()); // null while under 3 req/s
 */
export class Limiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly locks = new Map<string, number>();
  private readonly lastCall = new Map<string, number>();
  private readonly connections = new Map<string, number>();
  constructor(private readonly settings: LimitSettings) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /**
   * Token bucket per key and per IP: 3 req/s, burst 3. Overflow locks that key/IP for lockSeconds; requests
   * during a lock are refused and do not extend it.
   */
  checkApi(key: string | null, ip: string, now: number): Refusal | null {
    const subjects = [`ip:${ip}`];
    if (key) subjects.push(`key:${key}`);
    for (const s of subjects) {
      const until = this.locks.get(s);
      if (until !== undefined) {
        if (now < until)
          return { message: FLOOD, retryAfterSeconds: secondsUntil(until, now), newLock: false };
        this.locks.delete(s);
        this.buckets.delete(s);
      }
    }
    if (!this.settings.enabled) return null;
    const rate = this.settings.rate ?? 3;
    let refused: Refusal | null = null;
    for (const s of subjects) {
      const b = this.buckets.get(s) ?? { tokens: rate, at: now };
      b.tokens = Math.min(rate, b.tokens + (Math.max(0, now - b.at) / 1000) * rate);
      b.at = now;
      this.buckets.set(s, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
      } else if (!refused) {
        const until = now + this.settings.lockSeconds * 1000;
        this.locks.set(s, until);
        refused = { message: FLOOD, retryAfterSeconds: this.settings.lockSeconds, newLock: true };
      }
    }
    return refused;
  }

  /** Injects a flood lock on a key (admin `lock`). Works in both profiles. */
  lockKey(key: string, seconds: number, now: number): void {
    this.locks.set(`key:${key}`, now + seconds * 1000);
  }

  /** Injects a flood lock on an IP (the `flood` fault). Works in both profiles. */
  lockIp(ip: string, seconds: number, now: number): void {
    this.locks.set(`ip:${ip}`, now + seconds * 1000);
  }

  /** Drops every lock of a key (after the key is replaced). */
  forgetKey(key: string): void {
    this.locks.delete(`key:${key}`);
    this.buckets.delete(`key:${key}`);
  }

  /** `user/info.cgi`: once per minute per IP and once per 5 minutes per key (spec §2.1), else `#38`. */
  checkUserInfo(key: string, ip: string, now: number): Refusal | null {
    if (!this.settings.enabled) return null;
    const ipWait = this.spacing(`info-ip:${ip}`, 60_000, now);
    const keyWait = this.spacing(`info-key:${key}`, 300_000, now);
    const wait = Math.max(ipWait, keyWait);
    if (wait > 0) return { message: FLOOD_INFO, retryAfterSeconds: Math.ceil(wait / 1000), newLock: false };
    this.lastCall.set(`info-ip:${ip}`, now);
    this.lastCall.set(`info-key:${key}`, now);
    return null;
  }

  /**
   * Listing spacing per key, endpoint and folder: 30 s, one hour for `file/ls.cgi` with folder -1 (spec §2.1).
   * Our choice: `file/ls` and `folder/ls` are counted apart, so a client may list files and sub-folders of one
   * folder in two calls, as rclone does (spec §7.5).
   */
  checkListing(key: string, endpoint: string, folderId: number, now: number): Refusal | null {
    if (!this.settings.enabled) return null;
    const id = `ls:${key}:${endpoint}:${folderId}`;
    const wait = this.spacing(id, folderId === -1 ? 3_600_000 : 30_000, now);
    if (wait > 0) return { message: FLOOD, retryAfterSeconds: Math.ceil(wait / 1000), newLock: false };
    this.lastCall.set(id, now);
    return null;
  }

  /** Opens a download connection for an account; false when 30 are already open (spec §2.1). */
  openDownload(account: string): boolean {
    const n = this.connections.get(account) ?? 0;
    if (this.settings.enabled && n >= 30) return false;
    this.connections.set(account, n + 1);
    return true;
  }

  /** Closes a download connection opened with {@link openDownload}. */
  closeDownload(account: string): void {
    const n = (this.connections.get(account) ?? 1) - 1;
    if (n <= 0) this.connections.delete(account);
    else this.connections.set(account, n);
  }

  private spacing(id: string, intervalMs: number, now: number): number {
    const last = this.lastCall.get(id);
    if (last === undefined) return 0;
    return Math.max(0, last + intervalMs - now);
  }
}

function secondsUntil(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}
