/**
 * `fichier download URL|PATH... [-o DIR] [--connections N] [--password P] [--force]`: files, folders
 * (recursively) and public shares, with parallel Range segments, resume after an interruption, Whirlpool
 * verification and an atomic rename (src/transfer/download.ts).
 */
import { stat } from "node:fs/promises";
import type { Command } from "commander";
import {
  DEFAULT_CONNECTIONS,
  type DownloadManyResult,
  type DownloadResult,
  downloadFile,
  downloadFolder,
  downloadShare,
  MAX_CONNECTIONS,
} from "../../transfer/download.js";
import { sourcePath } from "../../transfer/source-path.js";
import { toFailedItem } from "../batch.js";
import { listenForCleanStop } from "../clean-stop.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { formatBytes } from "../output.js";
import { SUMMARIES } from "../summaries.js";
import { classifyTarget, resolveItem } from "../targets.js";
import { readPassword } from "./ls.js";
import { createProgressView, finishTransfers, parseIntOption } from "./upload.js";

/** rsync's rule (source-path.ts): `folder/` downloads the folder's contents, not the folder itself. */
function contentsOf(target: string): { contents?: true } {
  return sourcePath(target).contents ? { contents: true } : {};
}

/** The help text after the options: the folder rule, working files, resume, JSON. */
const DOWNLOAD_HELP =
  "\nA folder is downloaded into -o with its name: `download /b/photos -o out` makes out/photos/...; with a\n" +
  "trailing slash its contents go straight into -o: `download /b/photos/ -o out` makes out/... (rsync's rule).\n" +
  "Working files live in DIR/.fichier-partial/ (NAME.part and NAME.part.json), never beside your files: an\n" +
  "interrupted download (Ctrl-C, crash, kill) leaves them there; run the same command again to resume\n" +
  "without fetching the completed ranges again. The file gets its final name only once its Whirlpool\n" +
  "matches (exit 8 otherwise). A file already there with the same size and Whirlpool is skipped (rerun a\n" +
  "folder download to finish it); a different one needs --force. A disk full, read-only or not writable\n" +
  "stops at once (exit 1), keeping the working files for a resume.\n" +
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
    .addHelpText("after", DOWNLOAD_HELP)
    .action(
      async (
        targets: string[],
        opts: { output: string; connections: number; password?: string | boolean; force?: boolean },
      ) => {
        // -o names a folder (created when missing); a file there would end in a raw EEXIST from mkdir.
        const out = await stat(opts.output).catch(() => undefined);
        if (out && !out.isDirectory()) {
          throw new UsageError(
            `-o ${opts.output} is a file, not a folder`,
            "give -o the folder to write into (it is created when missing)",
          );
        }
        const password = await readPassword(ctx, opts.password);
        const client = await ctx.client();
        const view = createProgressView(ctx);
        const ac = new AbortController();
        const onSigint = () => ac.abort(new Error("interrupted"));
        const stopListening = listenForCleanStop(onSigint);
        const common = {
          dir: opts.output,
          connections: opts.connections,
          signal: ac.signal,
          ...(password ? { password } : {}),
          ...(opts.force ? { force: true } : {}),
          onProgress: view.onProgress,
          onWarning: (m: string) => ctx.out.warn(m),
        };
        const downloaded: DownloadResult[] = [];
        const failed: { item: string; error: unknown }[] = [];
        const addMany = (r: DownloadManyResult) => {
          downloaded.push(...r.downloaded);
          for (const f of r.failed) failed.push({ item: f.file, error: f.error });
        };
        try {
          for (const target of targets) {
            try {
              const t = classifyTarget(target);
              if (t.kind === "file") downloaded.push(await downloadFile(client, { ...common, url: t.url }));
              else if (t.kind === "share") addMany(await downloadShare(client, t.url, common));
              else if (t.kind === "folder-id") addMany(await downloadFolder(client, t.id, common));
              else {
                const r = await resolveItem(client, target);
                if (r.type === "file") downloaded.push(await downloadFile(client, { ...common, url: r.url }));
                else addMany(await downloadFolder(client, r.id, { ...common, ...contentsOf(target) }));
              }
            } catch (e) {
              if (ac.signal.aborted) throw e;
              failed.push({ item: target, error: e });
            }
          }
        } finally {
          stopListening();
          view.end();
        }
        const { bytes, seconds } = view.stats();
        // One line per failed item when there were several; a lone item's error is the closing line itself.
        if (downloaded.length + failed.length > 1) {
          for (const f of failed) ctx.out.warn(`${f.item}: ${(f.error as Error).message ?? f.error}`);
        }
        const lines = downloaded.map(
          (d) =>
            `${d.path}  ${formatBytes(d.size)}${d.skipped ? "  already there (same whirlpool)" : d.verified ? "  whirlpool ok" : "  (not verified)"}`,
        );
        const skipped = downloaded.filter((d) => d.skipped).length;
        lines.push(
          `${downloaded.length - skipped} downloaded, ${skipped} skipped (already there), ${failed.length} failed, ${formatBytes(bytes)} received in ${seconds.toFixed(1)} s (${formatBytes(seconds > 0 ? Math.round(bytes / seconds) : 0)}/s)`,
        );
        ctx.out.result(lines.join("\n"), {
          downloaded,
          failed: failed.map((f) => toFailedItem(f.item, f.error)),
          bytes,
          seconds,
        });
        finishTransfers(failed, downloaded.length + failed.length);
      },
    );
}
