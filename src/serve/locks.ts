/**
 * WebDAV write locks (RFC 4918 §6-7), held in memory for the server's life: exclusive and shared, depth 0 or
 * infinity, with timeouts on an injectable clock. 1fichier has no locks; these exist because Windows and macOS
 * mount a share read-only, or refuse to write, without class 2. They protect against other clients of this
 * server only. A lock on an unmapped URL makes a "lock-null" resource: an empty placeholder that exists as long
 * as its lock (1fichier cannot store empty files), turned into a real file by the first PUT.
 */
import { randomUUID } from "node:crypto";
import { hrefOf, isSameOrInside, parentOf } from "./paths.js";
import { HttpError } from "./status.js";
import { escapeXml } from "./xml.js";

/** An active lock. */
export interface Lock {
  /** `opaquelocktoken:<uuid>`. */
  token: string;
  /** The served path it was taken on. */
  root: string;
  depth: "0" | "infinity";
  scope: "exclusive" | "shared";
  /** The `<D:owner>` the client sent, as inner XML (echoed back unchanged). */
  owner: string;
  /** Seconds the lock lasts from its last refresh. */
  timeoutSeconds: number;
  /** Clock time (ms) it expires at. */
  expiresAt: number;
  /** True while its root is an unmapped URL (a lock-null resource). */
  lockNull: boolean;
}

/** What a LOCK asks for. */
export interface LockRequest {
  scope: "exclusive" | "shared";
  depth: "0" | "infinity";
  owner: string;
  timeoutSeconds: number;
  lockNull: boolean;
}

/** Options of {@link LockManager}. */
export interface LockManagerOptions {
  /** The clock (ms); tests pass a virtual one. */
  now?: () => number;
  /** Most locks held at once (a LOCK past it is answered 503): a bound on memory. */
  maxLocks?: number;
}

/** Longest lock granted, and the default when the client asks for none or `Infinite`. */
export const MAX_LOCK_SECONDS = 86_400;
export const DEFAULT_LOCK_SECONDS = 3_600;

/**
 * The `Timeout` header of a LOCK (`Second-600, Infinite`): the first value understood, capped at one day.
 *
 * @example
 * lockTimeout("Second-600"); // 600
 * lockTimeout("Infinite"); // 86400
 */
export function lockTimeout(header: string | undefined): number {
  for (const part of (header ?? "").split(",")) {
    const v = part.trim();
    if (/^infinite$/i.test(v)) return MAX_LOCK_SECONDS;
    const m = /^second-(\d+)$/i.exec(v);
    if (m) return Math.max(1, Math.min(MAX_LOCK_SECONDS, Number(m[1])));
  }
  return DEFAULT_LOCK_SECONDS;
}

/**
 * The locks of one server.
 *
 * @example
 * const locks = new LockManager();
 * const lock = locks.create("/doc.txt", { scope: "exclusive", depth: "0", owner: "", timeoutSeconds: 600, lockNull: false });
 * locks.assertCanWrite([{ path: "/doc.txt" }], new Set([lock.token])); // passes
 */
export class LockManager {
  private readonly locks = new Map<string, Lock>();
  private readonly now: () => number;
  private readonly maxLocks: number;

  constructor(options: LockManagerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxLocks = options.maxLocks ?? 10_000;
  }

  /** Active locks (expired ones are dropped as they are met). */
  private active(): Lock[] {
    const t = this.now();
    for (const [token, lock] of this.locks) if (lock.expiresAt <= t) this.locks.delete(token);
    return [...this.locks.values()];
  }

  /** Locks that cover `path`: taken on it, or on a folder above it with depth infinity. */
  covering(path: string): Lock[] {
    return this.active().filter(
      (l) => l.root === path || (l.depth === "infinity" && isSameOrInside(path, l.root)),
    );
  }

  /** Locks taken strictly inside the folder `path`. */
  under(path: string): Lock[] {
    return this.active().filter((l) => l.root !== path && isSameOrInside(l.root, path));
  }

  /** The active lock with this token, if any. */
  byToken(token: string): Lock | undefined {
    return this.active().find((l) => l.token === token);
  }

  /**
   * Takes a new lock on `path`. Throws 423 when an exclusive lock (or, for an exclusive request, any lock) is
   * in the way, above `path` or, for depth infinity, below it.
   */
  create(path: string, request: LockRequest): Lock {
    const inTheWay = [...this.covering(path), ...(request.depth === "infinity" ? this.under(path) : [])];
    const conflict = inTheWay.find((l) => l.scope === "exclusive" || request.scope === "exclusive");
    if (conflict) {
      throw new HttpError(423, `${path} is locked by another client`, {
        davError: `<D:no-conflicting-lock>${hrefElement(conflict.root)}</D:no-conflicting-lock>`,
      });
    }
    if (this.locks.size >= this.maxLocks) throw new HttpError(503, "too many locks are held on this server");
    const lock: Lock = {
      ...request,
      token: `opaquelocktoken:${randomUUID()}`,
      root: path,
      expiresAt: this.now() + request.timeoutSeconds * 1000,
    };
    this.locks.set(lock.token, lock);
    return lock;
  }

  /** Extends a lock by `timeoutSeconds` from now. */
  refresh(lock: Lock, timeoutSeconds: number): Lock {
    lock.timeoutSeconds = timeoutSeconds;
    lock.expiresAt = this.now() + timeoutSeconds * 1000;
    return lock;
  }

  /** Releases a lock. */
  remove(token: string): void {
    this.locks.delete(token);
  }

  /** Releases every lock taken on `path` or inside it (after it was deleted or moved away). */
  removeTree(path: string): void {
    for (const l of this.active()) if (isSameOrInside(l.root, path)) this.locks.delete(l.token);
  }

  /** The lock of the lock-null resource at `path`, if there is one. */
  lockNullAt(path: string): Lock | undefined {
    return this.active().find((l) => l.lockNull && l.root === path);
  }

  /** The lock-null resources directly inside the folder `path`. */
  lockNullChildren(path: string): string[] {
    const roots = this.active().filter((l) => l.lockNull && l.root !== "/" && parentOf(l.root) === path);
    return [...new Set(roots.map((l) => l.root))];
  }

  /** Marks `path` as mapped (a PUT or MKCOL created it): its locks no longer make a lock-null resource. */
  markMapped(path: string): void {
    for (const l of this.active()) if (l.root === path) l.lockNull = false;
  }

  /**
   * Refuses a change unless the client submitted a token of every lock in its way: for each target, the locks
   * covering it, and with `deep` (DELETE or MOVE of a folder) the locks below it. Among shared locks on one
   * root, one token is enough. Throws 423 with `<D:lock-token-submitted>` naming the lock's root.
   */
  assertCanWrite(targets: { path: string; deep?: boolean }[], submitted: ReadonlySet<string>): void {
    for (const t of targets) {
      const groups = new Map<string, Lock[]>();
      for (const l of [...this.covering(t.path), ...(t.deep ? this.under(t.path) : [])]) {
        groups.set(l.root, [...(groups.get(l.root) ?? []), l]);
      }
      for (const [root, group] of groups) {
        if (group.some((l) => submitted.has(l.token))) continue;
        throw new HttpError(423, `${root} is locked: send its lock token in an If header`, {
          davError: `<D:lock-token-submitted>${hrefElement(root)}</D:lock-token-submitted>`,
        });
      }
    }
  }
}

/** `<D:href>` of a lock root (folder or file: its href without a trailing slash is valid for both). */
function hrefElement(path: string): string {
  return `<D:href>${escapeXml(hrefOf(path, false))}</D:href>`;
}
