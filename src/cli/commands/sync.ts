/**
 * `fichier sync SRC DST` and `fichier check SRC DST` (docs/sync.md): one end on this machine, the other on
 * 1fichier (`fichier:PATH`, or told by which end exists here), through the persistent remote index, with
 * rclone's filters. `sync` makes DST like SRC (with `--delete`, guarded); `check` reports what differs.
 */
import { readFile } from "node:fs/promises";
import { sep } from "node:path";
import type { Command } from "commander";
import { type CheckResult, checkTrees } from "../../sync/check.js";
import { LocalSourceMissingError, parseSyncEnds, SyncRefusedError } from "../../sync/ends.js";
import { buildFilter, type Filter, FilterError, type FilterSource } from "../../sync/filter.js";
import type { SyncPlan } from "../../sync/plan.js";
import { isComplete, type SyncResult } from "../../sync/result.js";
import { syncTrees } from "../../sync/run.js";
import { DEFAULT_CONNECTIONS, MAX_CONNECTIONS } from "../../transfer/download.js";
import { ChecksumMismatchError } from "../../transfer/errors.js";
import { openUploadJournal } from "../../transfer/upload-journal.js";
import { toFailedItem } from "../batch.js";
import { listenForCleanStop } from "../clean-stop.js";
import type { CliContext } from "../context.js";
import { CliError, PartialSuccessError, UsageError } from "../errors.js";
import { escapeControls } from "../escape.js";
import { parseIntOption, parseRateOption } from "../options.js";
import { formatBytes, plural } from "../output.js";
import { createProgressView } from "../progress.js";
import { SUMMARIES } from "../summaries.js";

/** The options `sync` and `check` share, as commander parses them. */
interface CompareOptions {
  sizeOnly?: boolean;
  include: string[];
  exclude: string[];
  excludeFrom: string[];
  filterFrom: string[];
}

/** The options of `sync`. */
interface SyncCommandOptions extends CompareOptions {
  delete?: boolean;
  maxDelete?: number;
  dryRun?: boolean;
  parallel: number;
  connections: number;
  /** Bytes per second (`--bwlimit`), for every file of the run together. */
  bwlimit?: number;
}

const collect = (v: string, all: string[]) => [...all, v];

function filterOptions(cmd: Command): Command {
  return cmd
    .option("--size-only", "same size is the same file: hash nothing")
    .option(
      "--include <pattern>",
      "take only what matches (repeatable; implies excluding the rest)",
      collect,
      [],
    )
    .option("--exclude <pattern>", "leave out what matches (repeatable)", collect, [])
    .option("--exclude-from <file>", "exclude patterns, one a line (repeatable)", collect, [])
    .option("--filter-from <file>", "rules `+ pattern` / `- pattern`, one a line (repeatable)", collect, []);
}

/**
 * Registers `sync` and `check`.
 *
 * @example
 * register(program, ctx); // fichier sync SRC DST, fichier check SRC DST
 */
export function register(program: Command, ctx: CliContext): void {
  filterOptions(
    program
      .command("sync")
      .description(SUMMARIES.sync.description)
      .argument(
        "<src>",
        "source folder (local, or fichier:/path on 1fichier); a trailing / means its contents",
      )
      .argument("<dst>", "destination folder (the other side; created when missing)")
      .option("--delete", "remove from DST what SRC does not have, after the transfers (guarded)")
      .option(
        "--max-delete <n>",
        "delete at most N files (default 100 or 10 % of DST's files)",
        parseIntOption("--max-delete", 0, 1e9),
      )
      .option("--dry-run", "print the plan; change nothing, call nothing but listings"),
  )
    .option(
      "--parallel <n>",
      "transfers at once (1-8; an upload request of many small files counts once)",
      parseIntOption("--parallel", 1, 8),
      2,
    )
    .option(
      "--connections <n>",
      `parallel Range requests per downloaded file (1-${MAX_CONNECTIONS})`,
      parseIntOption("--connections", 1, MAX_CONNECTIONS),
      DEFAULT_CONNECTIONS,
    )
    .option(
      "--bwlimit <rate>",
      "bandwidth limit for all files together, either direction: 512k, 10M, off",
      parseRateOption("--bwlimit"),
    )
    .addHelpText("after", SYNC_HELP)
    .action((src: string, dst: string, opts: SyncCommandOptions) => runSync(ctx, src, dst, opts));
  filterOptions(
    program
      .command("check")
      .description(SUMMARIES.check.description)
      .argument("<src>", "source folder (local, or fichier:/path on 1fichier)")
      .argument("<dst>", "destination folder (the other side)"),
  )
    .addHelpText("after", CHECK_HELP)
    .action((src: string, dst: string, opts: CompareOptions) => runCheck(ctx, src, dst, opts));
}

const SYNC_HELP = `
Which end is on 1fichier: one written fichier:PATH (or fichier:ID); else the end that does not exist on this
machine (./x, ../x and ~/x are always local). A source without a trailing slash is recreated inside DST under
its name (sync photos fichier:/b makes /b/photos); with one, its contents go straight into DST.
Files are the same when their size and Whirlpool match (local Whirlpools are kept in the index, so an unchanged
tree is not read again). A changed file is uploaded anew, then its old copy removed. --delete runs last, only
after a run without failures, never when SRC is missing, empty or partly unreadable, and never more than
--max-delete files (exit 2, naming the count).
Small files (under 16 MiB) of one folder go up together, up to 100 files or 64 MiB per request, each verified.
--bwlimit takes bytes per second as upload's does (512k, 10M; off): one budget for every file of the run.
The global --refresh (fichier --refresh sync ...) lists every remote folder again, whatever the index's age.
Exit: 0 done, 2 refused (nothing changed), 3 SRC not found, 9 some items failed (a rerun finishes).
JSON: {direction,source,destination,dryRun,uploaded,downloaded,replaced,deleted,settled,skipped,
       foldersCreated,foldersRemoved,failed:[{item,error,code?}],leftOut:[{path,reason}],deletionsSkipped?,
       bytes,calls,seconds,hashed,cachedHashes,plan?}`;

const CHECK_HELP = `
Compares SRC and DST file by file (size, then Whirlpool unless --size-only), as rclone check does: exit 0 when
identical, 1 when something differs, with one line per difference on stdout:
  + PATH  only in SRC     - PATH  only in DST     * PATH  different (size or Whirlpool)
JSON: {identical,source,destination,missingOnDestination,missingOnSource,differ:[{path,why}],same,bySizeOnly,
       duplicates,leftOut:[{path,reason}]}`;

/** The filter of a run, from the options (rule files read here, so errors name them). */
async function filterFrom(o: CompareOptions): Promise<Filter> {
  const read = async (name: string): Promise<FilterSource> => {
    try {
      return { name, text: await readFile(name, "utf8") };
    } catch (e) {
      throw new UsageError(
        `cannot read the rule file ${name} (${(e as NodeJS.ErrnoException).code ?? e})`,
        "check its path",
      );
    }
  };
  try {
    return buildFilter({
      include: o.include,
      exclude: o.exclude,
      excludeFrom: await Promise.all(o.excludeFrom.map(read)),
      filterFrom: await Promise.all(o.filterFrom.map(read)),
    });
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(e.message, e.hint);
    throw e;
  }
}

/** The library's refusals as the command's usage errors (exit 2) and not-found (exit 3). */
function asCommandError(e: unknown): unknown {
  if (e instanceof SyncRefusedError) return new UsageError(e.message, e.hint);
  if (e instanceof LocalSourceMissingError) return new CliError(e.message, e.hint, 3);
  return e;
}

function warnUnmatched(ctx: CliContext, filter: Filter): void {
  for (const r of filter.unmatched()) {
    ctx.out.warn(
      `${r.origin}: ${JSON.stringify(r.pattern)} matched nothing (check the pattern: docs/sync.md "Filters")`,
    );
  }
}

async function runSync(ctx: CliContext, src: string, dst: string, opts: SyncCommandOptions): Promise<void> {
  const filter = await filterFrom(opts);
  const ends = await parseSyncEnds(src, dst).catch((e: unknown) => {
    throw asCommandError(e);
  });
  // The run's index (ctx.index: persistent, warnings on stderr, the global --refresh); main.ts closes it.
  const index = await ctx.index();
  const key = await ctx.key();
  const calls0 = index.client.governor?.snapshot().calls ?? 0;
  const started = Date.now();
  // Uploads name a file by its local path: shown relative to the local folder, as `upload` does.
  let localRoot = "";
  const label = (f: string) =>
    localRoot && f.startsWith(`${localRoot}${sep}`) ? f.slice(localRoot.length + 1) : f;
  const view = createProgressView(ctx.out, { statsMs: ctx.globals().statsMs, label });
  const ac = new AbortController();
  const stopListening = listenForCleanStop(() => ac.abort(new Error("interrupted")));
  let result: SyncResult;
  try {
    result = await syncTrees(index, ends, {
      filter,
      ...pickDefined(opts, ["delete", "maxDelete", "sizeOnly", "dryRun", "bwlimit"]),
      parallel: opts.parallel,
      download: { connections: opts.connections },
      journal: openUploadJournal(key.key, { env: ctx.env, warn: (m) => ctx.out.warn(m) }),
      signal: ac.signal,
      onPlanned: (plan, sides) => {
        localRoot = sides.localRoot;
        // A download adds its file to the totals when it starts (progress.ts); an upload is expected here.
        if (sides.direction === "upload") view.expect(plan.bytes, plan.transfers.length);
      },
      onProgress: (e) => view.onProgress(e),
      onWarning: (m) => ctx.out.warn(m),
    });
  } catch (e) {
    throw asCommandError(e);
  } finally {
    stopListening();
    view.end();
  }
  warnUnmatched(ctx, filter);
  const calls = (index.client.governor?.snapshot().calls ?? 0) - calls0;
  reportSync(ctx, result, { calls, seconds: (Date.now() - started) / 1000 });
}

function pickDefined<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Prints the result (the plan under --dry-run) and ends with the run's exit code. */
function reportSync(ctx: CliContext, r: SyncResult, t: { calls: number; seconds: number }): void {
  const failed = r.failed.map((f) => toFailedItem(f.path, f.error));
  for (const f of failed) ctx.out.failed(f.item, f.error, f.code);
  const { plan, ...rest } = r;
  const json = {
    ...rest,
    failed,
    leftOut: r.leftOut.map(({ path, reason }) => ({ path, reason })),
    calls: t.calls,
    seconds: Math.round(t.seconds * 10) / 10,
    ...(r.dryRun ? { plan: planJson(plan) } : {}),
  };
  const human = r.dryRun ? planLines(r) : syncSummary(r, t);
  ctx.out.result(human, json);
  if (isComplete(r)) return;
  const mismatch = r.failed.find((f) => f.error instanceof ChecksumMismatchError);
  if (mismatch) throw mismatch.error;
  const total = plan.transfers.length + plan.mkdirs.length + plan.deletions.length + r.leftOut.length;
  if (failed.length === 0) {
    throw new CliError(
      r.deletionsSkipped ?? "deletions skipped",
      "fix the problem above and run the sync again",
      9,
    );
  }
  throw new PartialSuccessError(Math.max(0, total - failed.length), Math.max(total, failed.length), failed);
}

function syncSummary(r: SyncResult, t: { calls: number; seconds: number }): string {
  const sent = r.direction === "upload" ? `${r.uploaded} uploaded` : `${r.downloaded} downloaded`;
  const parts = [
    sent,
    `${r.replaced} replaced`,
    `${r.deleted} deleted`,
    `${r.skipped} unchanged`,
    `${r.failed.length} failed`,
  ];
  if (r.settled) parts.push(`${copies(r.settled)} removed`);
  return `${parts.join(", ")}; ${formatBytes(r.bytes)} in ${t.seconds.toFixed(1)} s, ${plural(t.calls, "API call")}`;
}

const copies = (n: number) => `${n} extra ${n === 1 ? "copy" : "copies"}`;

/** `--dry-run`: the plan, one action a line, then what it amounts to. */
function planLines(r: SyncResult): string {
  const p = r.plan;
  const e = (s: string) => escapeControls(s);
  const lines: string[] = [];
  if (r.createdRoot) lines.push(`mkdir    ${e(r.destination)}`);
  for (const d of p.mkdirs) lines.push(`mkdir    ${e(d)}/`);
  for (const t of p.transfers) {
    lines.push(
      `${t.replaces.length > 0 ? "replace " : r.direction === "upload" ? "upload  " : "download"} ${e(t.path)}  ${formatBytes(t.size)}`,
    );
  }
  for (const s of p.settle) lines.push(`settle   ${e(s.path)}  (${copies(s.remove.length)} to remove)`);
  for (const d of p.deletions) lines.push(`delete   ${e(d.path)}`);
  for (const d of p.rmdirs) lines.push(`rmdir    ${e(d)}/`);
  for (const c of p.conflicts) lines.push(`conflict ${e(c.path)}  (${e(c.reason)})`);
  const sends = p.transfers.filter((t) => t.replaces.length === 0).length;
  lines.push(
    `dry run, nothing changed: ${sends} to ${r.direction}, ${p.transfers.length - sends} to replace, ` +
      `${p.deletions.length} to delete, ${plural(p.mkdirs.length + (r.createdRoot ? 1 : 0), "folder")} to make, ` +
      `${p.skips.length} unchanged (${formatBytes(p.bytes)})`,
  );
  if (p.verdict.deletions === "skipped") lines.push(`deletions would be skipped: ${p.verdict.reason}`);
  return lines.join("\n");
}

function planJson(p: SyncPlan): unknown {
  return {
    mkdirs: p.mkdirs,
    transfers: p.transfers.map((t) => ({ path: t.path, size: t.size, replaces: t.replaces.length })),
    settle: p.settle.map((s) => ({ path: s.path, remove: s.remove.length })),
    deletions: p.deletions.map((d) => d.path),
    rmdirs: p.rmdirs,
    conflicts: p.conflicts,
    skips: p.skips.length,
    bytes: p.bytes,
    verdict: p.verdict,
  };
}

async function runCheck(ctx: CliContext, src: string, dst: string, opts: CompareOptions): Promise<void> {
  const filter = await filterFrom(opts);
  const ends = await parseSyncEnds(src, dst).catch((e: unknown) => {
    throw asCommandError(e);
  });
  const index = await ctx.index();
  let r: CheckResult;
  try {
    r = await checkTrees(index, ends, {
      filter,
      ...pickDefined(opts, ["sizeOnly"]),
      onWarning: (m) => ctx.out.warn(m),
    });
  } catch (e) {
    throw asCommandError(e);
  }
  warnUnmatched(ctx, filter);
  const e = (s: string) => escapeControls(s);
  const lines = [
    ...r.missingOnDestination.map((p) => `+ ${e(p)}`),
    ...r.missingOnSource.map((p) => `- ${e(p)}`),
    ...r.differ.map((d) => `* ${e(d.path)}  (${d.why} differs)`),
  ];
  const differences = r.missingOnDestination.length + r.missingOnSource.length + r.differ.length;
  lines.push(
    `${plural(differences, "difference")}, ${r.same} identical${r.bySizeOnly ? ` (${r.bySizeOnly} by size only)` : ""}`,
  );
  ctx.out.result(lines.join("\n"), {
    ...r,
    leftOut: r.leftOut.map(({ path, reason }) => ({ path, reason })),
  });
  if (r.identical) return;
  throw new CliError(
    differences > 0
      ? `${e(r.source)} and ${e(r.destination)} differ: ${plural(differences, "difference")}`
      : "some files could not be compared",
    differences > 0 ? "`fichier sync` makes the destination like the source" : "see the warnings above",
    1,
  );
}
