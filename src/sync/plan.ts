// What `sync` and `check` will do, as data (docs/sync.md): a march over the two listings gives folders to
// create, files to transfer or replace, deletions (only with `delete`, under the guards), what is already the
// same, and what differs. No I/O: the run (next wave) does the plan; `--dry-run` prints it.
import { type DeletionVerdict, deletionVerdict, type SourceState } from "./guards.js";
import { type MarchPair, march, newest, type SyncEntry, sameFile } from "./march.js";

/** One side of a sync: its entries (filters applied) and how much of it could be read. */
export interface SyncSide {
  entries: SyncEntry[];
  /** Default "ok". A remote folder read incompletely (over 5 000 files in one second) is "unreadable". */
  state?: SourceState;
  /** What could not be read, for messages. */
  problems?: string[];
}

/** Options of a plan. */
export interface PlanOptions {
  /** `upload`: local source, remote destination; `download`: remote source, local destination. */
  direction: "upload" | "download";
  /** Remove destination files and folders the source does not have (after the transfers). */
  delete?: boolean;
  /** Same size is the same file: no Whirlpool needed. */
  sizeOnly?: boolean;
  /** Most files a run may delete; default 100 or 10 % of the destination's files, whichever is larger. */
  maxDelete?: number;
}

/** A file to send. With `replaces`, a replacement: the new copy first, the old ones removed once it is verified. */
export interface Transfer {
  path: string;
  size: number;
  source: SyncEntry;
  replaces: SyncEntry[];
}

/** What a sync will do. */
export interface SyncPlan {
  direction: PlanOptions["direction"];
  /** Destination folders to create, parents first. */
  mkdirs: string[];
  transfers: Transfer[];
  /**
   * Remote duplicates of a name one of which is already the source's file (an interrupted replacement leaves
   * both, never neither): the others are removed, without `delete`, as the replacement would have.
   */
  settle: { path: string; keep: SyncEntry; remove: SyncEntry[] }[];
  /** Destination files the source does not have (done only when `verdict` allows). */
  deletions: SyncEntry[];
  /** Destination folders the source does not have, deepest first (with the deletions). */
  rmdirs: string[];
  /** Files already the same; `byHash` false when the size alone decided. */
  skips: { path: string; byHash: boolean }[];
  /** Paths left alone: a file on one side where the other has a folder (a local tree cannot hold both). */
  conflicts: { path: string; reason: string }[];
  /** Source duplicates of a name (a remote folder may hold several): the newest is taken, the others left. */
  ignoredDuplicates: { path: string; kept: SyncEntry; ignored: SyncEntry[] }[];
  verdict: DeletionVerdict;
  /** Bytes the transfers will send. */
  bytes: number;
}

/**
 * The local files whose Whirlpool the plan needs: those with a counterpart of the same size on the other side
 * (a new file or a size change needs no hash to decide). None with `sizeOnly`.
 *
 * @example
 * ```ts
 * for (const path of hashesNeeded(local, remote, { direction: "upload" })) await hashLocal(index, join(root, path));
 * ```
 */
export function hashesNeeded(source: SyncSide, destination: SyncSide, opts: PlanOptions): string[] {
  if (opts.sizeOnly) return [];
  const localIsSource = opts.direction === "upload";
  const out: string[] = [];
  for (const p of march(source.entries, destination.entries)) {
    if (p.kind !== "file" || p.source.length === 0 || p.destination.length === 0) continue;
    const local = (localIsSource ? p.source : p.destination)[0]!;
    const remote = localIsSource ? p.destination : p.source;
    if (!local.whirlpool && remote.some((r) => r.size === local.size && r.whirlpool)) out.push(p.path);
  }
  return out;
}

/**
 * Plans a sync from the two listings.
 *
 * @example
 * ```ts
 * const plan = planSync({ entries: local }, { entries: remote }, { direction: "upload", delete: true });
 * if (plan.verdict.deletions === "refused") throw new Error(plan.verdict.reason);
 * ```
 * @throws Error when a Whirlpool `hashesNeeded` lists is missing (a caller's bug)
 */
export function planSync(source: SyncSide, destination: SyncSide, opts: PlanOptions): SyncPlan {
  const plan: SyncPlan = {
    direction: opts.direction,
    mkdirs: [],
    transfers: [],
    settle: [],
    deletions: [],
    rmdirs: [],
    skips: [],
    conflicts: [],
    ignoredDuplicates: [],
    verdict: { deletions: "none" },
    bytes: 0,
  };
  const pairs = march(source.entries, destination.entries);
  const blocked = opts.direction === "download" ? localConflicts(pairs, plan) : [];
  for (const p of pairs) {
    if (blocked.some((c) => p.path === c || p.path.startsWith(`${c}/`))) continue;
    if (p.kind === "dir") planDir(p, plan, opts);
    else planFile(p, plan, opts);
  }
  finish(plan, source, destination, opts);
  return plan;
}

function planDir(p: MarchPair, plan: SyncPlan, opts: PlanOptions): void {
  if (p.source.length > 0 && p.destination.length === 0) plan.mkdirs.push(p.path);
  if (p.source.length === 0 && p.destination.length > 0 && opts.delete) plan.rmdirs.push(p.path);
}

function planFile(p: MarchPair, plan: SyncPlan, opts: PlanOptions): void {
  if (p.source.length === 0) {
    if (opts.delete) plan.deletions.push(...p.destination);
    return;
  }
  const src = newest(p.source);
  if (p.source.length > 1)
    plan.ignoredDuplicates.push({ path: p.path, kept: src, ignored: p.source.filter((e) => e !== src) });
  const compared = p.destination.map((d) => ({ d, ...compare(src, d, opts) }));
  const same = compared.filter((c) => c.same);
  if (same.length === 0) {
    plan.transfers.push({ path: p.path, size: src.size ?? 0, source: src, replaces: p.destination });
    plan.bytes += src.size ?? 0;
    return;
  }
  const keep = newest(same.map((c) => c.d));
  plan.skips.push({ path: p.path, byHash: same.find((c) => c.d === keep)!.byHash });
  const extra = p.destination.filter((d) => d !== keep);
  if (extra.length > 0) plan.settle.push({ path: p.path, keep, remove: extra });
}

function compare(src: SyncEntry, dst: SyncEntry, opts: PlanOptions): { same: boolean; byHash: boolean } {
  const local = opts.direction === "upload" ? src : dst;
  const remote = opts.direction === "upload" ? dst : src;
  if (!opts.sizeOnly && src.size === dst.size && remote.whirlpool && !local.whirlpool) {
    throw new Error(
      `planSync: the Whirlpool of ${local.path} is needed (hash the paths hashesNeeded() lists)`,
    );
  }
  return sameFile(src, dst, opts.sizeOnly ?? false);
}

/** Paths a local tree cannot hold as planned: a file and a folder of one name (download direction). */
function localConflicts(pairs: MarchPair[], plan: SyncPlan): string[] {
  const kinds = new Map<string, Set<string>>();
  for (const p of pairs) {
    const k = kinds.get(p.path) ?? new Set<string>();
    if (p.source.length > 0) k.add(`source ${p.kind}`);
    if (p.destination.length > 0) k.add(`destination ${p.kind}`);
    kinds.set(p.path, k);
  }
  const out: string[] = [];
  for (const [path, k] of kinds) {
    const hasFile = k.has("source file") || k.has("destination file");
    const hasDir = k.has("source dir") || k.has("destination dir");
    if (!hasFile || !hasDir) continue;
    out.push(path);
    plan.conflicts.push({
      path,
      reason: `a file and a folder are both named ${JSON.stringify(path)} (${[...k].join(", ")})`,
    });
  }
  return out;
}

function finish(plan: SyncPlan, source: SyncSide, destination: SyncSide, opts: PlanOptions): void {
  // Parents first; a transfer's folder missing from the listing is made too.
  const dirs = new Set(plan.mkdirs);
  const existing = new Set(destination.entries.filter((e) => e.kind === "dir").map((e) => e.path));
  for (const t of plan.transfers) {
    for (let d = parentOf(t.path); d !== "" && !existing.has(d); d = parentOf(d)) dirs.add(d);
  }
  plan.mkdirs = [...dirs].sort(byDepth);
  plan.rmdirs.sort((a, b) => byDepth(b, a));
  plan.verdict = deletionVerdict({
    delete: opts.delete ?? false,
    count: plan.deletions.length,
    source: source.state ?? "ok",
    sourceFiles: source.entries.filter((e) => e.kind === "file").length,
    destinationFiles: destination.entries.filter((e) => e.kind === "file").length,
    ...(opts.maxDelete !== undefined ? { maxDelete: opts.maxDelete } : {}),
    ...(source.problems ? { problems: source.problems } : {}),
  });
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

function byDepth(a: string, b: string): number {
  const da = a.split("/").length;
  const db = b.split("/").length;
  return da - db || (a < b ? -1 : a > b ? 1 : 0);
}

/** What `check` reports: files only (folders hold nothing to compare). */
export interface CheckReport {
  missingOnDestination: string[];
  missingOnSource: string[];
  differ: { path: string; why: "size" | "whirlpool" }[];
  /** Files the same; `bySizeOnly` of them compared by size alone. */
  same: number;
  bySizeOnly: number;
  /** Paths with several files of the name on a side: the newest was compared. */
  duplicates: string[];
  /** True when nothing is missing or different (rclone check's exit 0). */
  identical: boolean;
}

/**
 * Compares two listings file by file, as `check` reports them.
 *
 * @example
 * ```ts
 * const r = planCheck({ entries: local }, { entries: remote }, { direction: "upload" });
 * process.exitCode = r.identical ? 0 : 1;
 * ```
 */
export function planCheck(source: SyncSide, destination: SyncSide, opts: PlanOptions): CheckReport {
  const r: CheckReport = {
    missingOnDestination: [],
    missingOnSource: [],
    differ: [],
    same: 0,
    bySizeOnly: 0,
    duplicates: [],
    identical: true,
  };
  for (const p of march(source.entries, destination.entries)) {
    if (p.kind !== "file") continue;
    if (p.source.length > 1 || p.destination.length > 1) r.duplicates.push(p.path);
    if (p.destination.length === 0) r.missingOnDestination.push(p.path);
    else if (p.source.length === 0) r.missingOnSource.push(p.path);
    else {
      const s = newest(p.source);
      const d = newest(p.destination);
      const c = compare(s, d, opts);
      if (c.same) {
        r.same++;
        if (!c.byHash) r.bySizeOnly++;
      } else r.differ.push({ path: p.path, why: s.size !== d.size ? "size" : "whirlpool" });
    }
  }
  r.identical = r.missingOnDestination.length + r.missingOnSource.length + r.differ.length === 0;
  return r;
}
