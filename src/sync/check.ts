// `check` as a run: both ends read as `sync` reads them (read-sides.ts: the index, the local hash cache, the
// filters), then compared file by file (planCheck). Nothing is changed; no call beyond the listings.
import type { OpenedIndex } from "../remote-index/open.js";
import type { SyncEnds } from "./ends.js";
import type { Filter } from "./filter.js";
import type { LeftOut } from "./local-walk.js";
import { type CheckReport, planCheck } from "./plan.js";
import { readSides } from "./read-sides.js";

/** Options of {@link checkTrees}. */
export interface CheckOptions {
  filter?: Filter;
  /** Same size is the same file: nothing is hashed. */
  sizeOnly?: boolean;
  /** List every remote folder again, whatever the index's freshness. */
  refresh?: boolean;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

/** What `check` found: the comparison, the two folders, and what could not be compared. */
export interface CheckResult extends CheckReport {
  direction: SyncEnds["direction"];
  source: string;
  destination: string;
  /** Local files left out (changed while read, unreadable, empty or special): not compared. */
  leftOut: LeftOut[];
  hashed: number;
  cachedHashes: number;
}

/**
 * Compares the two ends file by file (size, then Whirlpool unless `sizeOnly`). `identical` is rclone check's
 * contract: true when nothing is missing or different.
 *
 * @example
 * ```ts
 * const r = await checkTrees(index, await parseSyncEnds("photos/", "fichier:/backups/photos"));
 * for (const p of r.missingOnDestination) console.log(`+ ${p}`);
 * process.exitCode = r.identical ? 0 : 1;
 * ```
 * @throws LocalSourceMissingError, NotFoundError (a remote source), SyncRefusedError
 */
export async function checkTrees(
  index: OpenedIndex,
  ends: SyncEnds,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const sides = await readSides({ index, ends, ...options });
  const report = planCheck(sides.source, sides.destination, {
    direction: sides.direction,
    ...(options.sizeOnly ? { sizeOnly: true } : {}),
  });
  const upload = sides.direction === "upload";
  return {
    ...report,
    // A file that could not be compared is not known to be identical.
    identical:
      report.identical && !sides.leftOut.some((l) => l.reason === "changed" || l.reason === "unreadable"),
    direction: sides.direction,
    source: upload ? sides.localRoot : sides.remote.path,
    destination: upload ? sides.remote.path : sides.localRoot,
    leftOut: sides.leftOut,
    hashed: sides.hashed,
    cachedHashes: sides.cachedHashes,
  };
}
