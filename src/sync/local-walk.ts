// The local side of a sync: a folder walked in name order, filtered (folders a filter excludes are not
// entered), as entries the march takes. fichier's download working folder (`.fichier-partial`) is never part of
// a tree; a symbolic link to a folder is not followed (it may loop or lead out of the tree); a folder that cannot
// be read makes the side `unreadable`, so no deletion trusts it.
import type { BigIntStats, Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { isWorkingFolderName } from "../transfer/local-names.js";
import type { Filter } from "./filter.js";
import type { SyncEntry } from "./march.js";
import type { SyncSide } from "./plan.js";

/** A local entry: a sync entry with its absolute path and, for files, the stat the walk saw. */
export interface LocalEntry extends SyncEntry {
  abs: string;
  stat?: BigIntStats;
}

/** Why a local entry cannot take part in a sync: it is left out of both sides (never sent, never deleted). */
export interface LeftOut {
  path: string;
  reason: "empty" | "special" | "dangling" | "bad-name" | "changed" | "unreadable";
  message: string;
}

/** The local side: its entries, how much could be read, and what was left out. */
export interface LocalSide extends SyncSide {
  entries: LocalEntry[];
  leftOut: LeftOut[];
}

/** Options of {@link walkLocal}. */
export interface WalkOptions {
  filter?: Filter;
  /** The local side is the source of an upload: entries 1fichier cannot take (empty, special files) are left out. */
  forUpload?: boolean;
  onWarning?: (message: string) => void;
}

/**
 * Walks a local folder. Paths are relative, `/`-separated; files carry their size (and the stat, for the hash
 * cache). A sub-folder that cannot be read is reported in `problems` and makes the side `unreadable`.
 *
 * @example
 * ```ts
 * const local = await walkLocal("photos", { filter: buildFilter({ exclude: ["*.tmp"] }), forUpload: true });
 * for (const e of local.entries) console.log(e.path, e.size);
 * ```
 */
export async function walkLocal(root: string, opts: WalkOptions = {}): Promise<LocalSide> {
  const side: LocalSide = { entries: [], leftOut: [], problems: [] };
  await walkFolder(root, "", side, opts);
  if (side.problems?.length) side.state = "unreadable";
  return side;
}

async function walkFolder(dir: string, rel: string, side: LocalSide, opts: WalkOptions): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    side.problems?.push(`${rel || "."}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    opts.onWarning?.(
      `${join(dir)}: cannot be read (${(e as NodeJS.ErrnoException).code ?? e}); nothing below it is deleted`,
    );
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    // Download working files (docs/transfers.md) belong to no tree, on either side of a sync.
    if (isWorkingFolderName(e.name)) continue;
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    const abs = join(dir, e.name);
    if (e.isDirectory()) {
      if (opts.filter && !opts.filter.includesDir(path)) continue;
      side.entries.push({ path, kind: "dir", abs });
      await walkFolder(abs, path, side, opts);
    } else {
      await addFile(e, path, abs, side, opts);
    }
  }
}

async function addFile(
  e: Dirent,
  path: string,
  abs: string,
  side: LocalSide,
  opts: WalkOptions,
): Promise<void> {
  if (opts.filter && !opts.filter.includesFile(path)) return;
  const leave = (reason: LeftOut["reason"], message: string) => {
    side.leftOut.push({ path, reason, message });
    opts.onWarning?.(message);
  };
  if (e.name.includes("\uFFFD")) {
    return leave("bad-name", `${abs}: the name is not valid UTF-8 (or holds U+FFFD); left out`);
  }
  const st = await stat(abs, { bigint: true }).catch(() => undefined);
  if (!st) return leave("dangling", `${abs}: a symbolic link that leads nowhere; left out`);
  if (st.isDirectory()) {
    // Like rclone without --copy-links: a linked folder is not followed.
    opts.onWarning?.(`${abs}: a symbolic link to a folder, not followed`);
    return;
  }
  if (!st.isFile())
    return leave("special", `${abs} is not a regular file (fifo, socket or device); left out`);
  if (opts.forUpload && st.size === 0n)
    return leave("empty", `${abs} is empty: 1fichier drops empty files; left out`);
  side.entries.push({ path, kind: "file", abs, size: Number(st.size), stat: st });
}

/**
 * Removes paths from a side (and everything below a folder among them): what was left out of one side is left
 * out of the other, so it is neither sent nor deleted.
 *
 * @example
 * ```ts
 * const remote2 = withoutPaths(remote, new Set(local.leftOut.map((l) => l.path)));
 * ```
 */
export function withoutPaths<S extends SyncSide>(side: S, paths: ReadonlySet<string>): S {
  if (paths.size === 0) return side;
  const keep = (p: string) => {
    for (let q = p; q !== ""; q = q.includes("/") ? q.slice(0, q.lastIndexOf("/")) : "") {
      if (paths.has(q)) return false;
    }
    return true;
  };
  return { ...side, entries: side.entries.filter((e) => keep(e.path)) };
}
