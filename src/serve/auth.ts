/**
 * Who gets in: HTTP Basic authentication against one user (`--user`, the password from a prompt, stdin or a
 * file) or an htpasswd file of bcrypt lines (`--htpasswd`), compared in constant time; and a per-client-IP
 * throttle that answers 429 with `Retry-After` after a few wrong passwords, without even checking the next ones,
 * so guessing is slow and cheap for the server. The password is never logged, echoed or kept in clear beyond
 * the digest it is compared with.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import bcrypt from "bcryptjs";

/** Checks a user name and password. */
export interface Credentials {
  verify(user: string, password: string): Promise<boolean>;
}

function digest(...parts: string[]): Buffer {
  return createHash("sha256").update(parts.join("\u0000")).digest();
}

/**
 * One user with one password, kept only as a digest and compared in constant time.
 *
 * @example
 * const creds = singleUser("alice", "s3cret");
 * await creds.verify("alice", "s3cret"); // true
 */
export function singleUser(user: string, password: string): Credentials {
  const expected = digest(user, password);
  return {
    async verify(u, p) {
      return timingSafeEqual(digest(u, p), expected);
    },
  };
}

/** An htpasswd file the server cannot use; the message names the line. */
export class HtpasswdError extends Error {
  override readonly name = "HtpasswdError";
}

/**
 * The users of an htpasswd file (`user:$2y$...` lines, as `htpasswd -B` writes; blank lines and `#` comments
 * skipped). Only bcrypt is accepted: the older MD5 (`$apr1$`), SHA-1 and crypt forms are too weak to guard an
 * account. A correct password is remembered (as a digest, for 10 minutes) so a client that sends it with every
 * request does not cost a bcrypt each time.
 *
 * @example
 * const creds = parseHtpasswd("alice:$2y$10$...", "users.htpasswd");
 */
export function parseHtpasswd(text: string, source: string): Credentials {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const colon = line.indexOf(":");
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon <= 0 || !/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
      throw new HtpasswdError(
        `${source} line ${i + 1} is not "user:bcrypt-hash": only bcrypt lines are accepted (make them with \`htpasswd -B\`)`,
      );
    }
    users.set(user, hash);
  });
  if (users.size === 0) throw new HtpasswdError(`${source} has no user line`);
  const remembered = new Map<string, number>();
  // Compared against when the user is unknown, so an unknown name takes as long as a wrong password.
  const decoy = bcrypt.hashSync(randomBytes(12).toString("hex"), 10);
  return {
    async verify(user, password) {
      const key = digest(user, password).toString("hex");
      const until = remembered.get(key);
      if (until !== undefined && until > Date.now()) return true;
      const hash = users.get(user);
      const ok = (await bcrypt.compare(password, hash ?? decoy)) && hash !== undefined;
      if (ok) {
        if (remembered.size >= 1000) remembered.clear();
        remembered.set(key, Date.now() + 10 * 60_000);
      }
      return ok;
    },
  };
}

/**
 * The user name and password of a Basic `Authorization` header, or undefined when there is none or it is not
 * Basic.
 *
 * @example
 * parseBasicAuth("Basic " + Buffer.from("alice:pw").toString("base64")); // { user: "alice", password: "pw" }
 */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  const text = Buffer.from(m[1] as string, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Options of {@link FailureThrottle}. */
export interface ThrottleOptions {
  /** The clock (ms). */
  now?: () => number;
  /** Wrong passwords a client may send before it has to wait (default 5). */
  free?: number;
  /** The first wait (default 1 s); each further wrong password doubles it, up to `maxMs` (default 5 min). */
  baseMs?: number;
  maxMs?: number;
  /** A client with no failure for this long is forgotten (default 15 min). */
  forgetMs?: number;
  /** Most clients remembered (default 10 000): the oldest is forgotten first. */
  maxClients?: number;
}

interface ClientRecord {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

/**
 * Counts wrong passwords per client IP and says how long a client must wait before it may try again.
 *
 * @example
 * const throttle = new FailureThrottle({ now: () => clock });
 * throttle.failure("10.0.0.9"); // { failures: 1, waitMs: 0 }
 * throttle.waitMs("10.0.0.9"); // 0 until the 6th failure
 */
export class FailureThrottle {
  private readonly clients = new Map<string, ClientRecord>();
  private readonly o: Required<ThrottleOptions>;

  constructor(options: ThrottleOptions = {}) {
    this.o = {
      now: options.now ?? Date.now,
      free: options.free ?? 5,
      baseMs: options.baseMs ?? 1000,
      maxMs: options.maxMs ?? 300_000,
      forgetMs: options.forgetMs ?? 900_000,
      maxClients: options.maxClients ?? 10_000,
    };
  }

  /** Milliseconds `ip` must still wait (0: it may try). */
  waitMs(ip: string): number {
    const r = this.record(ip);
    return r ? Math.max(0, r.blockedUntil - this.o.now()) : 0;
  }

  /** Records a wrong password from `ip`; returns its count and the wait it now has. */
  failure(ip: string): { failures: number; waitMs: number } {
    const now = this.o.now();
    const r = this.record(ip) ?? { failures: 0, blockedUntil: 0, lastFailure: now };
    r.failures++;
    r.lastFailure = now;
    const over = r.failures - this.o.free;
    if (over > 0) r.blockedUntil = now + Math.min(this.o.maxMs, this.o.baseMs * 2 ** Math.min(over - 1, 30));
    this.clients.delete(ip);
    if (this.clients.size >= this.o.maxClients)
      this.clients.delete(this.clients.keys().next().value as string);
    this.clients.set(ip, r);
    return { failures: r.failures, waitMs: Math.max(0, r.blockedUntil - now) };
  }

  /** Forgets `ip`'s failures after a right password. */
  success(ip: string): void {
    this.clients.delete(ip);
  }

  private record(ip: string): ClientRecord | undefined {
    const r = this.clients.get(ip);
    if (r && this.o.now() - r.lastFailure > this.o.forgetMs && r.blockedUntil <= this.o.now()) {
      this.clients.delete(ip);
      return undefined;
    }
    return r;
  }
}
