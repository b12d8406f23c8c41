// The march (as rclone's fs/march): two listings sorted by path, walked side by side, each path paired with
// what each side has of it. Pure. 1fichier allows several files of one name in a folder, and a file and a
// folder of one name, so a side may hold more than one entry for a path.

/** One entry of a listing, local or remote. */
export interface SyncEntry {
  /** Relative path, `/`-separated, no leading `/` (`2026/cat.jpg`). */
  path: string;
  kind: "file" | "dir";
  /** Files: bytes. */
  size?: number;
  /** Files: Whirlpool, when known (remote listings carry it; local files are hashed on demand). */
  whirlpool?: string;
  /** Remote files: the URL, their identity for removal and download. */
  url?: string;
  /** Remote files: upload date (`YYYY-MM-DD HH:MM:SS`), to tell the newest of duplicates. */
  date?: string;
}

/** A path and what each side has of it, of one kind. */
export interface MarchPair {
  path: string;
  kind: "file" | "dir";
  source: SyncEntry[];
  destination: SyncEntry[];
}

/** Code-unit order of paths, then folders before files of the same path. */
function order(a: SyncEntry, b: SyncEntry): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.kind === b.kind ? 0 : a.kind === "dir" ? -1 : 1;
}

/**
 * Pairs two listings by (path, kind), walking both sorted.
 *
 * @example
 * ```ts
 * march([{ path: "a", kind: "file", size: 1 }], []); // [{ path: "a", kind: "file", source: [...], destination: [] }]
 * ```
 */
export function march(source: SyncEntry[], destination: SyncEntry[]): MarchPair[] {
  const src = [...source].sort(order);
  const dst = [...destination].sort(order);
  const out: MarchPair[] = [];
  let i = 0;
  let j = 0;
  while (i < src.length || j < dst.length) {
    const a = src[i];
    const b = dst[j];
    const head = a && (!b || order(a, b) <= 0) ? a : b!;
    const pair: MarchPair = { path: head.path, kind: head.kind, source: [], destination: [] };
    while (i < src.length && order(src[i]!, head) === 0) pair.source.push(src[i++]!);
    while (j < dst.length && order(dst[j]!, head) === 0) pair.destination.push(dst[j++]!);
    out.push(pair);
  }
  return out;
}

/**
 * Whether two files are the same: same size, and the same Whirlpool unless `sizeOnly` (or a side has none:
 * then size decides, and the caller is told by `byHash: false`).
 *
 * @example
 * ```ts
 * sameFile({ path: "a", kind: "file", size: 1, whirlpool: "x" }, { path: "a", kind: "file", size: 1, whirlpool: "x" }, false);
 * // { same: true, byHash: true }
 * ```
 */
export function sameFile(a: SyncEntry, b: SyncEntry, sizeOnly: boolean): { same: boolean; byHash: boolean } {
  if (a.size !== b.size) return { same: false, byHash: false };
  if (sizeOnly || !a.whirlpool || !b.whirlpool) return { same: true, byHash: false };
  return { same: a.whirlpool.toLowerCase() === b.whirlpool.toLowerCase(), byHash: true };
}

/**
 * The newest of several entries of one path (latest upload date, then the last listed): the one a sync takes
 * as the file at that path.
 *
 * @example
 * ```ts
 * newest([{ path: "a", kind: "file", date: "2026-01-01 00:00:00" }, { path: "a", kind: "file", date: "2026-02-01 00:00:00" }]).date;
 * // "2026-02-01 00:00:00"
 * ```
 */
export function newest(entries: SyncEntry[]): SyncEntry {
  let best = entries[0]!;
  for (const e of entries.slice(1)) if ((e.date ?? "") >= (best.date ?? "")) best = e;
  return best;
}
