/**
 * A small on-disk cache for answers the service limits hard: `user/info.cgi` may be called once per 5 minutes
 * per key (spec §2.1, §7.18), and every `fichier about` is a new process, so the client's in-memory cache is not
 * enough. Entries are keyed by a hash of the API URL and the key (never the key itself), mode 0600.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import envPaths from "env-paths";

/** How long `user/info.cgi` answers are reused (spec §2.1: 1 call per 5 minutes per key). */
export const USER_INFO_TTL_MS = 5 * 60_000;

/** The cache folder: `<user cache dir>/fichier` (FICHIER_CACHE_DIR overrides, for tests). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FICHIER_CACHE_DIR ?? envPaths("fichier", { suffix: "" }).cache;
}

/**
 * The cache file name for one account and one kind of entry; the key only enters through a hash.
 *
 * @example
 * cacheKey("user-info", "https://api.1fichier.com/v1", key); // "user-info-3f9a...json"
 */
export function cacheKey(kind: string, apiUrl: string, apiKey: string): string {
  const h = createHash("sha256").update(`${apiUrl}\n${apiKey}`).digest("hex").slice(0, 24);
  return `${kind}-${h}.json`;
}

/** Reads an entry younger than `ttlMs`, with its age; undefined when absent, stale or unreadable. */
export function readCache<T>(
  dir: string,
  name: string,
  ttlMs: number,
  now = Date.now(),
): { value: T; fetchedAt: number } | undefined {
  try {
    const data = JSON.parse(readFileSync(join(dir, name), "utf8")) as { fetchedAt?: unknown; value?: T };
    if (typeof data.fetchedAt !== "number" || data.value === undefined) return undefined;
    if (now - data.fetchedAt >= ttlMs || data.fetchedAt > now + 60_000) return undefined;
    return { value: data.value, fetchedAt: data.fetchedAt };
  } catch {
    return undefined;
  }
}

/** Writes an entry (best effort: a read-only cache folder only costs an extra API call next time). */
export function writeCache(dir: string, name: string, value: unknown, now = Date.now()): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, name), JSON.stringify({ fetchedAt: now, value }), { mode: 0o600 });
  } catch {
    // Best effort, see above.
  }
}
