/**
 * `fichier download URL|PATH... [-o DIR] [--connections N] [--password P] [--force] [--bwlimit RATE]`: files,
 * folders (recursively) and public shares, with parallel Range segments, resume after an interruption,
 * Whirlpool verification and an atomic rename (src/transfer/download.ts).
 */
import { stat } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
import type { Command } from "commander";
import type { OpenedIndex } from "../../remote-index/open.js";
import { classifyTarget } from "../../remote-index/targets.js";
import { byteBudgetOf } from "../../transfer/bandwidth.js";
import {
  DEFAULT_CONNECTIONS,
  type DownloadManyOptions,
  type DownloadManyResult,
  type DownloadResult,
  downloadFile,
  downloadFolder,
  downloadShare,
  MAX_CONNECTIONS,
} from "../../transfer/download.js";
import { sourcePath } from "../../transfer/source-path.js";
import { finishBatch, reportFailed, transferOutcome } from "../batch.js";
import { listenForCleanStop } from "../clean-stop.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { escapeControls } from "../escape.js";
import { parseIntOption, parseRateOption } from "../options.js";
import { formatBytes } from "../output.js";
import { createProgressView } from "../progress.js";
import { readPassword } from "../prompts.js";
import { onItem } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";

/** rsync's rule (source-path.ts): `folder/` downloads the folder's contents, not the folder itself. */
function contentsOf(target: string): { contents?: true } {
  return sourcePath(target).contents ? { contents: true } : {};
}

/** The help text after the options: the folder rule, working files, resume, JSON. */
const DOWNLOAD_HELP =
  "\nA folder is downloaded into -o with its name: `download /b/photos -o out` makes out/photos/...; with a\n" +
  "trailing slash its contents go straight into -o: `download /b/photos/ -o out` makes out/... (rsync's rule).\n" +
  "--bwlimit takes bytes per second with binary units as rclone does (512k, 10M; a bare number is KiB/s;\n" +
  "off): one budget shared by every connection and file of the run.\n" +
  "Working files live in DIR/.fichier-partial/ (NAME.part and NAME.part.json), never beside your files: an\n" +
  "interrupted download (Ctrl-C, crash, kill) leaves them there; run the same command again to resume\n" +
  "without fetching the completed ranges again. The file gets its final name only once its Whirlpool\n" +
  "matches (exit 8 otherwise). A file already there with the same size and Whirlpool is skipped (rerun a\n" +
  "folder download to finish it); a different one needs --force. A disk full, read-only or not writable\n" +
  "stops at once (exit 1), keeping the working files for a resume.\n" +
  "Paths resolve through the remote index: a file or folder uploaded or listed in the last 30 s needs no\n" +
  "listing (--refresh lists again).\n" +
  "JSON: {downloaded:[{url,path,filename,size,whirlpool,verified,resumedBytes,fetchedBytes,skipped?}],\n" +
  "       failed:[{item,error,code?}], bytes, seconds}; with --json, progress events are NDJSON on stderr.";

/**
 * Registers `download`.
 *
 * @example
 * register(program, ctx); // fichier download URL|PATH... [-o DIR]
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("download")
    .description(SUMMARIES.download.description)
    .argument("<target...>", "file URL, remote path, folder id, or https://1fichier.com/dir/<hash>")
    .option("-o, --output <dir>", "folder to write into", ".")
    .option(
      "--connections <n>",
      `parallel Range requests per file (1-${MAX_CONNECTIONS})`,
      parseIntOption("--connections", 1, MAX_CONNECTIONS),
      DEFAULT_CONNECTIONS,
    )
    .option("--password [password]", "file or share password (asked, or read from stdin, when no value)")
    .option("--force", "overwrite existing files")
    .option(
      "--bwlimit <rate>",
      "bandwidth limit for all connections together: 512k, 10M, off",
      parseRateOption("--bwlimit"),
    )
    .addHelpText("after", DOWNLOAD_HELP)
    .action((targets: string[], opts: DownloadOptions) => runDownload(ctx, targets, opts));
}

/** The options of `download`, as commander parses them. */
export interface DownloadOptions {
  output: string;
  connections: number;
  password?: string | boolean;
  force?: boolean;
  /** Bytes per second (`--bwlimit`), for every connection of the run together. */
  bwlimit?: number;
}

/** What the transfers of one `download` run gave. */
interface Downloads {
  downloaded: DownloadResult[];
  failed: { item: string; error: unknown }[];
}

/**
 * `fichier download TARGET... [options]`: checks `-o`, downloads every target (a failed one does not stop the
 * others), prints the result and ends as the batch calls for.
 *
 * @example
 * await runDownload(ctx, ["https://1fichier.com/?abc"], { output: ".", connections: 4 });
 */
export async function runDownload(ctx: CliContext, targets: string[], opts: DownloadOptions): Promise<void> {
  // -o names a folder (created when missing); a file there would end in a raw EEXIST from mkdir.
  const out = await stat(opts.output).catch(() => undefined);
  if (out && !out.isDirectory()) {
    throw new UsageError(
      `-o ${opts.output} is a file, not a folder`,
      "give -o the folder to write into (it is created when missing)",
    );
  }
  const password = await readPassword(ctx, opts.password);
  // The key and the API URL first: a run without a key is one error, not one failed item per target.
  await ctx.client();
  // Local paths as the user would type them: relative to the working folder when inside it.
  const label = (f: string): string => {
    const rel = relative(process.cwd(), f);
    return isAbsolute(f) && rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : f;
  };
  const view = createProgressView(ctx.out, { statsMs: ctx.globals().statsMs, label });
  const ac = new AbortController();
  const stopListening = listenForCleanStop(() => ac.abort(new Error("interrupted")));
  const common = {
    dir: opts.output,
    connections: opts.connections,
    signal: ac.signal,
    ...(password ? { password } : {}),
    ...(opts.force ? { force: true } : {}),
    // One budget for every target of the run, not one per file.
    ...(opts.bwlimit ? { bwlimit: byteBudgetOf(opts.bwlimit) } : {}),
    onProgress: view.onProgress,
    onWarning: (m: string) => ctx.out.warn(m),
  };
  let got: Downloads;
  try {
    got = await downloadAll(ctx, targets, common);
  } finally {
    stopListening();
    view.end();
  }
  const { bytes, seconds } = view.stats();
  const outcome = transferOutcome(got.failed);
  const total = got.downloaded.length + outcome.failed.length;
  reportFailed(ctx.out, outcome.failed, total);
  ctx.out.result(downloadSummary(got.downloaded, outcome.failed.length, bytes, seconds), {
    downloaded: got.downloaded,
    failed: outcome.failed,
    bytes,
    seconds,
  });
  finishBatch(outcome, total);
}

/**
 * Downloads each target in turn; an interruption ends the run, any other failure only its target. Paths resolve
 * through the index (a file it knows needs no `file/info.cgi`, a folder it read recently no listing).
 */
async function downloadAll(
  ctx: CliContext,
  targets: string[],
  common: DownloadManyOptions & { signal: AbortSignal },
): Promise<Downloads> {
  const got: Downloads = { downloaded: [], failed: [] };
  const addMany = (r: DownloadManyResult) => {
    got.downloaded.push(...r.downloaded);
    for (const f of r.failed) got.failed.push({ item: f.file, error: f.error });
  };
  for (const target of targets) {
    try {
      const t = classifyTarget(target);
      // A public share needs only the client; the account's paths, ids and URLs go through the index.
      if (t.kind === "share") addMany(await downloadShare(await ctx.client(), t.url, common));
      else addMany(await downloadTarget(await ctx.index(), target, common));
    } catch (e) {
      if (common.signal.aborted) throw e;
      got.failed.push({ item: target, error: e });
    }
  }
  return got;
}

/** A file (URL or path) or a folder (path or id) of the account, through the index. */
async function downloadTarget(
  index: OpenedIndex,
  target: string,
  common: DownloadManyOptions & { signal: AbortSignal },
): Promise<DownloadManyResult> {
  return onItem(index, target, {}, async (r) => {
    if (r.type === "folder") {
      return downloadFolder(index.client, r.id, { ...common, index, ...contentsOf(target) });
    }
    if (r.type === "share") return downloadShare(index.client, r.url, common);
    // What the index knows of the file spares the file/info.cgi call.
    const known =
      r.size !== undefined && r.whirlpool
        ? { known: { filename: r.name, size: r.size, checksum: r.whirlpool } }
        : {};
    return {
      downloaded: [await downloadFile(index.client, { ...common, url: r.url, ...known })],
      failed: [],
    };
  });
}

/** The human result of `download`: one line per file, then the totals. */
function downloadSummary(
  downloaded: DownloadResult[],
  failed: number,
  bytes: number,
  seconds: number,
): string {
  const lines = downloaded.map(
    (d) =>
      `${escapeControls(d.path)}  ${formatBytes(d.size)}${d.skipped ? "  already there (same whirlpool)" : d.verified ? "  whirlpool ok" : "  (not verified)"}`,
  );
  const skipped = downloaded.filter((d) => d.skipped).length;
  const speed = formatBytes(seconds > 0 ? Math.round(bytes / seconds) : 0);
  lines.push(
    `${downloaded.length - skipped} downloaded, ${skipped} skipped (already there), ${failed} failed, ${formatBytes(bytes)} received in ${seconds.toFixed(1)} s (${speed}/s)`,
  );
  return lines.join("\n");
}
