// `sync` as a run (docs/sync.md): read both ends (read-sides.ts), plan (plan.ts), refuse before any change
// when the deletion guards say so, then do the plan in order: the destination folder, folders parents first,
// transfers (`parallel` at a time; a replacement's old copies removed only once its new copy is verified),
// duplicates an interrupted replacement left, and last the deletions, only when everything before went well.
import { AbortedError } from "../api/errors.js";
import type { OpenedIndex } from "../remote-index/open.js";
import { byteBudgetOf } from "../transfer/bandwidth.js";
import type { Destination, RunOptions } from "./destination.js";
import type { SyncEnds } from "./ends.js";
import { SyncRefusedError } from "./ends.js";
import type { Filter } from "./filter.js";
import { LocalDestination } from "./local-destination.js";
import { planSync, type SyncPlan } from "./plan.js";
import { forEachParallel } from "./pool.js";
import { readSides, type SyncSides } from "./read-sides.js";
import { RemoteDestination } from "./remote-destination.js";
import { emptyResult, type SyncResult } from "./result.js";

/** Options of {@link syncTrees}. */
export interface SyncOptions extends RunOptions {
  /** Remove destination files and folders the source does not have, after the transfers. */
  delete?: boolean;
  /** Most files one run may delete (default 100 or 10 % of the destination's files). */
  maxDelete?: number;
  /** Same size is the same file: nothing is hashed. */
  sizeOnly?: boolean;
  /** Plan only: no change, no call beyond the listings. */
  dryRun?: boolean;
  /** List every remote folder again, whatever the index's freshness. */
  refresh?: boolean;
  filter?: Filter;
  /**
   * Told the plan before any change (totals for a progress bar, the plan for `--dry-run`); the run waits for a
   * promise it returns.
   */
  onPlanned?: (plan: SyncPlan, sides: SyncSides) => void | Promise<void>;
}

/**
 * Makes the destination like the source: new and changed files sent, and with `delete` what the source lacks
 * removed. Safe to run again after any interruption: the upload journal and the index find what landed.
 *
 * @example
 * ```ts
 * const index = await openIndex({ apiKey });
 * const ends = await parseSyncEnds("./photos/", "fichier:/backups/photos");
 * const r = await syncTrees(index, ends, { delete: true, journal: openUploadJournal(apiKey) });
 * console.log(r.uploaded, r.replaced, r.deleted, r.failed.length);
 * ```
 * @throws SyncRefusedError (a deletion guard, a file where a folder is needed), LocalSourceMissingError,
 *   NotFoundError (a remote source), FilterError is the caller's (buildFilter); AbortedError
 */
export async function syncTrees(
  index: OpenedIndex,
  ends: SyncEnds,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const sides = await readSides({
    index,
    ends,
    ...pick(options, ["filter", "sizeOnly", "refresh", "signal", "onWarning"]),
  });
  const plan = planSync(sides.source, sides.destination, {
    direction: sides.direction,
    ...pick(options, ["delete", "sizeOnly", "maxDelete"]),
  });
  if (plan.verdict.deletions === "refused") {
    throw new SyncRefusedError(plan.verdict.reason, { hint: plan.verdict.hint });
  }
  const result = emptyResult(plan, {
    direction: sides.direction,
    source: sides.direction === "upload" ? sides.localRoot : sides.remote.path,
    destination: sides.direction === "upload" ? sides.remote.path : sides.localRoot,
    dryRun: options.dryRun ?? false,
    createdRoot: sides.direction === "upload" ? sides.remote.id === undefined : !sides.localExists,
  });
  Object.assign(result, { leftOut: sides.leftOut, hashed: sides.hashed, cachedHashes: sides.cachedHashes });
  noteProblems(plan, sides, result, options);
  await options.onPlanned?.(plan, sides);
  if (options.dryRun) return result;
  result.createdRoot = false;
  // One byte budget for every file of the run (--bwlimit), whichever way they go.
  const budget = byteBudgetOf(options.bwlimit);
  const run = budget ? { ...options, bwlimit: budget } : options;
  const dest: Destination =
    sides.direction === "upload"
      ? new RemoteDestination(index, sides, run, result)
      : new LocalDestination(index, sides, run, result);
  await dest.prepare();
  await makeFolders(dest, plan, result, options);
  await sendFiles(dest, plan, result, options);
  await settleDuplicates(dest, plan, result, options);
  await dest.finish();
  await deleteExtra(dest, plan, sides, result, options);
  return result;
}

/** What the plan leaves undone, said before the run: failures (exit 9) and warnings. */
function noteProblems(plan: SyncPlan, sides: SyncSides, result: SyncResult, o: SyncOptions): void {
  for (const l of sides.leftOut) {
    if (l.reason === "changed" || l.reason === "unreadable" || l.reason === "bad-name")
      result.failed.push({ path: l.path, error: new Error(l.message) });
  }
  // A local tree cannot hold a file and a folder of one name: left alone, and the run is not complete.
  for (const c of plan.conflicts)
    result.failed.push({ path: c.path, error: new Error(`left alone: ${c.reason}`) });
  for (const d of plan.ignoredDuplicates) {
    o.onWarning?.(
      `${d.path}: ${d.ignored.length + 1} remote files have this name; the newest (${d.kept.date ?? "?"}) is taken`,
    );
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Runs one step of the plan; a failure is recorded for its path (each path of a unit) and the run goes on (an
 * abort stops it).
 */
async function attempt(
  result: SyncResult,
  path: string | readonly string[],
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AbortedError) throw e;
    for (const p of typeof path === "string" ? [path] : path) result.failed.push({ path: p, error: e });
  }
}

async function makeFolders(
  dest: Destination,
  plan: SyncPlan,
  result: SyncResult,
  o: RunOptions,
): Promise<void> {
  const failed = new Set<string>();
  for (const d of plan.mkdirs) {
    if (o.signal?.aborted) throw new AbortedError();
    // A folder that could not be made fails once; what goes below it fails with the transfers.
    if ([...failed].some((f) => d.startsWith(`${f}/`))) continue;
    const before = result.failed.length;
    await attempt(result, d, () => dest.mkdir(d));
    if (result.failed.length > before) failed.add(d);
  }
}

async function sendFiles(
  dest: Destination,
  plan: SyncPlan,
  result: SyncResult,
  o: RunOptions,
): Promise<void> {
  // Units, not files: a batch of small files is one request, so `parallel` counts requests, as in uploadTree.
  await forEachParallel(
    dest.units(plan.transfers),
    o.parallel ?? 2,
    (unit) =>
      attempt(
        result,
        unit.map((t) => t.path),
        () => dest.transfer(unit),
      ),
    o.signal,
  );
}

async function settleDuplicates(
  dest: Destination,
  plan: SyncPlan,
  result: SyncResult,
  o: RunOptions,
): Promise<void> {
  for (const s of plan.settle) {
    if (o.signal?.aborted) throw new AbortedError();
    await attempt(result, s.path, () => dest.settle(s));
  }
}

/**
 * The deletions, last, and only when the guards still allow them: a source problem, or anything failed before
 * (as rclone skips deletions after errors), leaves the destination's extra files and folders where they are.
 */
async function deleteExtra(
  dest: Destination,
  plan: SyncPlan,
  sides: SyncSides,
  result: SyncResult,
  o: SyncOptions,
): Promise<void> {
  const n = plan.deletions.length;
  if (!o.delete || (n === 0 && plan.rmdirs.length === 0)) return;
  if (plan.verdict.deletions === "skipped") result.deletionsSkipped = plan.verdict.reason;
  else if (sides.source.state === "unreadable")
    result.deletionsSkipped = "part of the source could not be read: not removing folders";
  else if (result.failed.length > 0) {
    result.deletionsSkipped = `${result.failed.length} item(s) failed: not deleting ${n} file${n === 1 ? "" : "s"} and ${plan.rmdirs.length} folder(s)`;
  }
  if (result.deletionsSkipped) {
    o.onWarning?.(`${result.deletionsSkipped} (run the sync again once the problem is fixed)`);
    return;
  }
  if (n > 0) await attempt(result, plan.deletions[0]!.path, () => dest.deleteFiles(plan.deletions));
  for (const d of plan.rmdirs) {
    if (o.signal?.aborted) throw new AbortedError();
    await dest.rmdir(d).catch((e: unknown) => {
      if (e instanceof AbortedError) throw e;
      // A folder still holding what the filters left out (or what appeared meanwhile) stays.
      o.onWarning?.(`${d}: not removed (${(e as Error).message})`);
    });
  }
}
