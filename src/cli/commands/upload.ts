/**
 * `fichier upload PATH... [--to PATH] [--parallel N] [--password P] [--domain N] [--skip-existing]
 * [--bwlimit RATE]`: files and folder trees, streamed and verified (src/transfer/upload.ts), small files of one
 * folder batched into shared requests, journaled so a rerun never uploads a duplicate.
 */
import { basename, dirname, relative, resolve, sep } from "node:path";
import type { Command } from "commander";
import { registerSecret } from "../../redact.js";
import { openUploadJournal } from "../../transfer/upload-journal.js";
import { uploadTree } from "../../transfer/upload-tree.js";
import { finishBatch, reportFailed, transferOutcome } from "../batch.js";
import { listenForCleanStop } from "../clean-stop.js";
import type { CliContext } from "../context.js";
import { escapeControls } from "../escape.js";
import { parseIntOption, parseRateOption } from "../options.js";
import { formatBytes } from "../output.js";
import { createProgressView } from "../progress.js";
import { readNewPassword } from "../prompts.js";
import { SUMMARIES } from "../summaries.js";

/**
 * How an uploaded file is named in the output: its path relative to what was named on the command line, as
 * rsync and rclone print it. A named file is its own name; a file found in a named folder `dir` is
 * `dir/sub/file` (`dir/` names the folder's contents: `sub/file`).
 *
 * @example
 * relativeToNamed("/home/me/photos/2026/a.jpg", ["photos"], "/home/me"); // "photos/2026/a.jpg"
 */
export function relativeToNamed(path: string, named: readonly string[], cwd = process.cwd()): string {
  let best: string | undefined;
  let bestRoot = "";
  for (const n of named) {
    const root = resolve(cwd, n);
    if (path !== root && !path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) continue;
    if (root.length <= bestRoot.length) continue;
    bestRoot = root;
    const contents = n.endsWith("/") || n.endsWith(sep);
    best = relative(contents ? root : dirname(root), path) || basename(path);
  }
  return best ?? path;
}

const UPLOAD_HELP =
  "\nSmall files (under 16 MiB) of one folder go up together, up to 100 files or 64 MiB per request.\n" +
  "--bwlimit takes bytes per second with binary units as rclone does (512k, 10M, 1.5G; a bare number is\n" +
  "KiB/s; off): one budget shared by every file of the run.\n" +
  "A folder is recreated under --to with its name: `upload photos --to /b` makes /b/photos/...; with a\n" +
  "trailing slash its contents go straight into --to: `upload photos/ --to /b` makes /b/... (rsync's rule).\n" +
  "A journal of uploads in flight is kept in the state folder (FICHIER_STATE_DIR): after a crash or a lost\n" +
  "answer, running the same command again finds the files that landed instead of uploading them twice.\n" +
  "Refused up front: empty files, files over 300 GB, names 1fichier cannot store, unreadable paths. Inside\n" +
  "a folder, empty files, fifos, sockets and links to nothing are skipped with a warning (exit 0).\n" +
  "Each file is named by its path relative to what was named (photos/2026/a.jpg for `upload photos`).\n" +
  "--to and the tree's folders are found or made through the remote index (a folder just made is known\n" +
  "empty), and every file uploaded is written to it: a download or ls of the folder right after lists nothing.\n" +
  "JSON: {uploaded:[{path,relativePath,filename,folderId,size,url,whirlpool,skipped?}],\n" +
  "       failed:[{item,error,code?}], skipped:[{item,reason}],\n" +
  "       bytes, seconds}; with --json, progress events are NDJSON lines on stderr.";

/**
 * Registers `upload`.
 *
 * @example
 * register(program, ctx); // fichier upload PATH... [--to PATH]
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("upload")
    .description(SUMMARIES.upload.description)
    .argument("<path...>", "local files and folders")
    .option("--to <path>", "remote folder path or id (created if missing)", "/")
    .option(
      "--parallel <n>",
      "requests at once, a batch of small files counting as one (1-8)",
      parseIntOption("--parallel", 1, 8),
      2,
    )
    .option("--password [password]", "protect the uploaded files with a password (asked, or read from stdin)")
    .option(
      "--domain <n>",
      "link domain 0-10 (0 1fichier.com, 1 alterupload.com, ...)",
      parseIntOption("--domain", 0, 10),
    )
    .option("--skip-existing", "skip files already in the folder with the same name, size and Whirlpool")
    .option(
      "--bwlimit <rate>",
      "bandwidth limit for all files together: 512k, 10M, off",
      parseRateOption("--bwlimit"),
    )
    .addHelpText("after", UPLOAD_HELP)
    .action(
      async (
        paths: string[],
        opts: {
          to: string;
          parallel: number;
          password?: string | boolean;
          domain?: number;
          skipExisting?: boolean;
          bwlimit?: number;
        },
      ) => {
        const password = await readNewPassword(ctx, opts.password);
        if (password) registerSecret(password);
        // --to resolves, and the folders are found or made, through the run's remote index.
        const index = await ctx.index();
        const key = await ctx.key();
        const journal = openUploadJournal(key.key, { env: ctx.env, warn: (m) => ctx.out.warn(m) });
        const label = (file: string): string => relativeToNamed(file, paths);
        const view = createProgressView(ctx.out, { statsMs: ctx.globals().statsMs, label });
        const ac = new AbortController();
        const onSigint = () => ac.abort(new Error("interrupted"));
        const stopListening = listenForCleanStop(onSigint);
        let result: Awaited<ReturnType<typeof uploadTree>>;
        try {
          result = await uploadTree(index.client, {
            index,
            paths,
            to: opts.to,
            parallel: opts.parallel,
            journal,
            signal: ac.signal,
            ...(password ? { password } : {}),
            ...(opts.domain !== undefined ? { domain: opts.domain } : {}),
            ...(opts.skipExisting ? { skipExisting: true } : {}),
            ...(opts.bwlimit ? { bwlimit: opts.bwlimit } : {}),
            onPlanned: (bytes: number, files: number) => view.expect(bytes, files),
            onProgress: (e) => view.onProgress(e),
            onWarning: (m) => ctx.out.warn(m),
          });
        } finally {
          stopListening();
          view.end();
        }
        const { bytes, seconds } = view.stats();
        const outcome = transferOutcome(result.failed.map((f) => ({ item: f.path, error: f.error })));
        const uploaded = result.uploaded.map((u) => ({ ...u, relativePath: label(u.path) }));
        const total = uploaded.length + outcome.failed.length;
        reportFailed(ctx.out, outcome.failed, total);
        const leftOut = result.skipped.length;
        ctx.out.result(uploadSummary(uploaded, outcome.failed.length, leftOut, bytes, seconds), {
          uploaded,
          failed: outcome.failed,
          skipped: result.skipped.map((s) => ({ item: s.path, reason: s.reason })),
          bytes,
          seconds,
        });
        finishBatch(outcome, total);
      },
    );
}

/** The human result of `upload`: one line per file (URL and path), then the totals. */
function uploadSummary(
  uploaded: readonly { url: string; relativePath: string; skipped?: "journal" | "exists" }[],
  failed: number,
  leftOut: number,
  bytes: number,
  seconds: number,
): string {
  const lines = uploaded.map(
    (u) =>
      `${u.url}  ${escapeControls(u.relativePath)}${u.skipped ? ` (skipped: ${u.skipped === "journal" ? "already uploaded" : "exists"})` : ""}`,
  );
  const speed = seconds > 0 ? Math.round(bytes / seconds) : 0;
  const skipped = uploaded.filter((u) => u.skipped).length;
  lines.push(
    `${uploaded.length - skipped} uploaded, ${skipped ? `${skipped} already there, ` : ""}${failed} failed${leftOut ? `, ${leftOut} skipped (empty or special files)` : ""}, ${formatBytes(bytes)} sent in ${seconds.toFixed(1)} s (${formatBytes(speed)}/s)`,
  );
  return lines.join("\n");
}
