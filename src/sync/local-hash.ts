// Local Whirlpools, hashed once: kept in the index's `local hashes` table, keyed by the file's absolute path,
// size and mtime (ns), so a re-sync of an unchanged tree hashes nothing. A file that changes while it is read
// (its size or mtime moved) is read once more, then refused.
import type { BigIntStats } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { FichierError } from "../api/errors.js";
import { whirlpoolFile } from "../transfer/whirlpool.js";

/** Where the hashes are kept: a RemoteIndex has these two methods. */
export interface LocalHashCache {
  localHash(path: string, stat: { size: number; mtimeNs: bigint }): string | undefined;
  rememberLocalHash(path: string, stat: { size: number; mtimeNs: bigint }, whirlpool: string): void;
}

/**
 * A local file changed while it was hashed, twice: its Whirlpool cannot be trusted. The sync leaves the file
 * out and ends partial (exit 9).
 *
 * @example
 * ```ts
 * if (e instanceof LocalFileChangedError) failed.push(e.path);
 * ```
 */
export class LocalFileChangedError extends FichierError {
  override name = "LocalFileChangedError";
  readonly path: string;
  constructor(path: string) {
    super(`${path} changed while it was read (twice)`, {
      retryable: false,
      hint: "Run the sync again when nothing is writing to the file.",
    });
    this.path = path;
  }
}

/** A hashed file: its Whirlpool, the stat it is valid for, and whether the cache had it. */
export interface LocalHash {
  whirlpool: string;
  size: number;
  mtimeNs: bigint;
  cached: boolean;
}

/**
 * The Whirlpool of a local file: from the cache when its size and mtime are those it was hashed at, else hashed
 * (`whirlpoolFile`) and kept.
 *
 * @example
 * ```ts
 * const h = await hashLocal(index, "photos/cat.jpg");
 * console.log(h.whirlpool, h.cached ? "(cached)" : "(hashed)");
 * ```
 * @throws LocalFileChangedError when the file changes during both reads
 */
export async function hashLocal(
  cache: LocalHashCache,
  path: string,
  opts: { stat?: BigIntStats; signal?: AbortSignal } = {},
): Promise<LocalHash> {
  const abs = resolve(path);
  let before = opts.stat ?? (await stat(abs, { bigint: true }));
  const hit = cache.localHash(abs, key(before));
  if (hit) return { whirlpool: hit, ...key(before), cached: true };
  for (let attempt = 0; attempt < 2; attempt++) {
    const whirlpool = await whirlpoolFile(abs, opts.signal ? { signal: opts.signal } : {});
    const after = await stat(abs, { bigint: true });
    if (after.size === before.size && after.mtimeNs === before.mtimeNs) {
      cache.rememberLocalHash(abs, key(after), whirlpool);
      return { whirlpool, ...key(after), cached: false };
    }
    before = after;
  }
  throw new LocalFileChangedError(abs);
}

function key(s: BigIntStats): { size: number; mtimeNs: bigint } {
  return { size: Number(s.size), mtimeNs: s.mtimeNs };
}

/**
 * Keeps the Whirlpool a transfer verified for a local file (an upload's `end.pl`, a download's check), so the
 * next sync does not read the file again. Kept only when the file is still as `seen` (no stat given: as it is
 * now): a file that moved meanwhile is hashed by the next run.
 *
 * @example
 * ```ts
 * await rememberVerified(index, entry.abs, up.whirlpool, entry.stat);
 * ```
 */
export async function rememberVerified(
  cache: LocalHashCache,
  path: string,
  whirlpool: string,
  seen?: BigIntStats,
): Promise<void> {
  if (!whirlpool) return;
  const abs = resolve(path);
  const now = await stat(abs, { bigint: true }).catch(() => undefined);
  if (!now || (seen && (now.size !== seen.size || now.mtimeNs !== seen.mtimeNs))) return;
  cache.rememberLocalHash(abs, key(now), whirlpool.toLowerCase());
}
