// What a sync did, counted in one place: every step of the run records into a SyncResult, the command line
// prints it (and `--json` gives it whole).
import type { LeftOut } from "./local-walk.js";
import type { SyncPlan } from "./plan.js";

/** One path the run could not do, and why. */
export interface SyncFailure {
  /** The relative path (or the remote folder's path for a folder removed during the sync). */
  path: string;
  error: unknown;
}

/** What a sync did (or, with `dryRun`, would do: then every count is 0 and `plan` says it). */
export interface SyncResult {
  direction: "upload" | "download";
  /** The two folders, as paths (local absolute; remote from the root). */
  source: string;
  destination: string;
  dryRun: boolean;
  plan: SyncPlan;
  /** The destination folder did not exist: made by the run (or to be made, with `dryRun`). */
  createdRoot: boolean;
  /** New files sent (upload) or fetched (download). */
  uploaded: number;
  downloaded: number;
  /** Changed files sent anew, their old copies removed once the new one was verified. */
  replaced: number;
  /** Files removed by `delete`. */
  deleted: number;
  /** Extra remote copies removed (what an interrupted replacement left). */
  settled: number;
  /** Files already the same. */
  skipped: number;
  foldersCreated: number;
  foldersRemoved: number;
  /** Local entries left out of both sides (empty or special files, files changing while read...). */
  leftOut: LeftOut[];
  failed: SyncFailure[];
  /** Why `delete` removed nothing although the plan had deletions (a source problem, failed transfers). */
  deletionsSkipped?: string;
  /** Bytes sent or fetched by this run. */
  bytes: number;
  /** Local files hashed, and Whirlpools the index's cache gave without reading the file. */
  hashed: number;
  cachedHashes: number;
}

/**
 * A result with nothing done yet.
 *
 * @example
 * ```ts
 * const result = emptyResult(plan, { direction: "upload", source: "/home/me/photos", destination: "/backups/photos" });
 * ```
 */
export function emptyResult(
  plan: SyncPlan,
  where: Pick<SyncResult, "direction" | "source" | "destination"> & {
    dryRun?: boolean;
    createdRoot?: boolean;
  },
): SyncResult {
  return {
    ...where,
    dryRun: where.dryRun ?? false,
    createdRoot: where.createdRoot ?? false,
    plan,
    uploaded: 0,
    downloaded: 0,
    replaced: 0,
    deleted: 0,
    settled: 0,
    skipped: plan.skips.length,
    foldersCreated: 0,
    foldersRemoved: 0,
    leftOut: [],
    failed: [],
    bytes: 0,
    hashed: 0,
    cachedHashes: 0,
  };
}

/**
 * Whether the run did all it planned: nothing failed and no planned deletion was skipped (else exit 9).
 *
 * @example
 * ```ts
 * process.exitCode = isComplete(result) ? 0 : 9;
 * ```
 */
export function isComplete(r: SyncResult): boolean {
  return r.failed.length === 0 && r.deletionsSkipped === undefined;
}
