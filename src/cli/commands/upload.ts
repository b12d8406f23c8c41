/**
 * `fichier upload PATH... [--to PATH] [--parallel N] [--password P] [--domain N] [--skip-existing]`:
 * files and folder trees, streamed and verified (src/transfer/upload.ts), journaled so a rerun never
 * uploads a duplicate. Also the progress view shared with `download`.
 */
import type { Command } from "commander";
import { registerSecret } from "../../redact.js";
import { ChecksumMismatchError } from "../../transfer/errors.js";
import { SpeedMeter, type TransferEvent } from "../../transfer/progress.js";
import { openUploadJournal } from "../../transfer/upload-journal.js";
import { uploadTree } from "../../transfer/upload-tree.js";
import { toFailedItem } from "../batch.js";
import { listenForCleanStop } from "../clean-stop.js";
import type { CliContext } from "../context.js";
import { type FailedItem, PartialSuccessError, UsageError } from "../errors.js";
import { formatBytes } from "../output.js";
import { SUMMARIES } from "../summaries.js";
import { readNewPassword } from "./ls.js";

/**
 * Formats seconds as `h:mm:ss` or `m:ss`.
 *
 * @example
 * formatDuration(75); // "1:15"
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** Renders transfer events: NDJSON on stderr with --json, one live line on a terminal, else plain lines. */
export interface ProgressView {
  onProgress(e: TransferEvent): void;
  /** Adds to the expected total (for the total bar). */
  expect(bytes: number, files: number): void;
  /** Ends the live line. */
  end(): void;
  /** Bytes moved and seconds elapsed, for the summary. */
  stats(): { bytes: number; seconds: number };
}

function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}]`;
}

/**
 * Builds the progress view for a command run.
 *
 * @example
 * const view = createProgressView(ctx); await uploadTree(client, { ..., onProgress: view.onProgress });
 */
export function createProgressView(ctx: CliContext, now: () => number = Date.now): ProgressView {
  const out = ctx.out;
  const started = now();
  const files = new Map<string, { bytes: number; size: number; base: number }>();
  const total = new SpeedMeter();
  let expectedBytes = 0;
  let expectedFiles = 0;
  let doneFiles = 0;
  let moved = 0;
  let lastDraw = 0;
  const name = (f: string) => f.replace(/^.*[/\\]/, "");
  const draw = (force = false) => {
    const t = now();
    if (!force && t - lastDraw < 200) return;
    lastDraw = t;
    const done = [...files.values()].reduce((n, f) => n + f.bytes, 0) + doneBytes;
    const frac = expectedBytes > 0 ? done / expectedBytes : 0;
    const speed = total.bytesPerSecond(t);
    const eta = speed > 0 ? (expectedBytes - done) / speed : null;
    const active = [...files.entries()]
      .slice(0, 3)
      .map(
        ([f, s]) =>
          `${name(f)} ${bar(s.size ? s.bytes / s.size : 1, 10)} ${Math.floor((s.size ? s.bytes / s.size : 1) * 100)}%`,
      )
      .join("  ");
    out.progress(
      `${bar(frac)} ${Math.floor(frac * 100)}% ${doneFiles}/${expectedFiles} files ${formatBytes(done)}/${formatBytes(expectedBytes)} ` +
        `${formatBytes(Math.round(speed))}/s ETA ${formatDuration(eta)}  ${active}`,
    );
  };
  let doneBytes = 0;
  return {
    expect(bytes, n) {
      expectedBytes += bytes;
      expectedFiles += n;
    },
    onProgress(e) {
      // --json: the event itself is the stderr line (hidden by -q, as progress is).
      if (out.json) out.event({ ...e }, undefined);
      switch (e.type) {
        case "start":
          if (e.direction === "download") expectedBytes += e.size;
          if (e.direction === "download") expectedFiles += 1;
          files.set(e.file, { bytes: e.resumedBytes, size: e.size, base: e.resumedBytes });
          if (!ctx.out.json && e.resumedBytes > 0) {
            out.info(`fichier: resuming ${name(e.file)} at ${formatBytes(e.resumedBytes)}`);
          }
          break;
        case "progress": {
          const f = files.get(e.file);
          if (f) {
            const delta = e.bytes - f.bytes;
            if (delta > 0) {
              total.add(delta, now());
              moved += delta;
            }
            f.bytes = e.bytes;
          }
          break;
        }
        case "retry":
          if (!out.json) out.verbose(`fichier: ${name(e.file)}: retrying (${e.reason})`);
          break;
        case "done": {
          files.delete(e.file);
          doneFiles++;
          doneBytes += e.size;
          if (!out.json && !out.isTTY) {
            const how =
              e.skipped === "journal" ? " (already uploaded)" : e.skipped === "exists" ? " (exists)" : "";
            out.info(`fichier: ${e.direction === "upload" ? "uploaded" : "downloaded"} ${e.file}${how}`);
          }
          break;
        }
        case "error":
          files.delete(e.file);
          break;
        default:
          break;
      }
      if (!out.json && out.isTTY) draw(e.type === "done");
    },
    end() {
      if (!out.json && out.isTTY) out.endProgress();
    },
    stats() {
      return { bytes: moved, seconds: (now() - started) / 1000 };
    },
  };
}

/**
 * Parser for `--parallel`, `--connections`, `--domain`: whole numbers in a range, else a usage error.
 *
 * @example
 * program.option("--parallel <n>", "files at once", parseIntOption("--parallel", 1, 8), 2);
 */
export function parseIntOption(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(
        `${name} must be a whole number from ${min} to ${max}, not "${v}"`,
        `e.g. ${name} ${min}`,
      );
    }
    return n;
  };
}

/**
 * Throws what a transfer batch calls for after its result was printed: a checksum mismatch (exit 8) wins,
 * then partial success (exit 9); when every item failed, the first error itself.
 *
 * @example
 * finishTransfers(result.failed.map((f) => ({ item: f.path, error: f.error })), total);
 */
export function finishTransfers(failed: { item: string; error: unknown }[], total: number): void {
  if (failed.length === 0) return;
  const mismatch = failed.find((f) => f.error instanceof ChecksumMismatchError);
  if (mismatch) throw mismatch.error;
  if (failed.length === total) throw failed[0]!.error;
  const items: FailedItem[] = failed.map((f) => {
    const err = f.error as { message?: string; code?: unknown };
    return {
      item: f.item,
      error: String(err.message ?? f.error),
      ...(typeof err.code === "number" ? { code: err.code } : {}),
    };
  });
  throw new PartialSuccessError(total - failed.length, total, items);
}

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
    .option("--parallel <n>", "files uploaded at once (1-8)", parseIntOption("--parallel", 1, 8), 2)
    .option("--password [password]", "protect the uploaded files with a password (asked, or read from stdin)")
    .option(
      "--domain <n>",
      "link domain 0-10 (0 1fichier.com, 1 alterupload.com, ...)",
      parseIntOption("--domain", 0, 10),
    )
    .option("--skip-existing", "skip files already in the folder with the same name, size and Whirlpool")
    .addHelpText(
      "after",
      "\nA folder is recreated under --to with its name: `upload photos --to /b` makes /b/photos/...; with a\n" +
        "trailing slash its contents go straight into --to: `upload photos/ --to /b` makes /b/... (rsync's rule).\n" +
        "A journal of uploads in flight is kept in the state folder (FICHIER_STATE_DIR): after a crash or a lost\n" +
        "answer, running the same command again finds the files that landed instead of uploading them twice.\n" +
        "Refused up front: empty files, files over 300 GB, names 1fichier cannot store, unreadable paths. Inside\n" +
        "a folder, empty files, fifos, sockets and links to nothing are skipped with a warning (exit 0).\n" +
        "JSON: {uploaded:[{path,filename,folderId,size,url,whirlpool,skipped?}], failed:[{item,error,code?}],\n" +
        "       skipped:[{item,reason}], bytes, seconds}; with --json, progress events are NDJSON lines on stderr.",
    )
    .action(
      async (
        paths: string[],
        opts: {
          to: string;
          parallel: number;
          password?: string | boolean;
          domain?: number;
          skipExisting?: boolean;
        },
      ) => {
        const password = await readNewPassword(ctx, opts.password);
        if (password) registerSecret(password);
        const client = await ctx.client();
        const key = await ctx.key();
        const journal = openUploadJournal(key.key, { env: ctx.env, warn: (m) => ctx.out.warn(m) });
        const view = createProgressView(ctx);
        const ac = new AbortController();
        const onSigint = () => ac.abort(new Error("interrupted"));
        const stopListening = listenForCleanStop(onSigint);
        let result: Awaited<ReturnType<typeof uploadTree>>;
        try {
          result = await uploadTree(client, {
            paths,
            to: opts.to,
            parallel: opts.parallel,
            journal,
            signal: ac.signal,
            ...(password ? { password } : {}),
            ...(opts.domain !== undefined ? { domain: opts.domain } : {}),
            ...(opts.skipExisting ? { skipExisting: true } : {}),
            onPlanned: (bytes: number, files: number) => view.expect(bytes, files),
            onProgress: (e) => view.onProgress(e),
            onWarning: (m) => ctx.out.warn(m),
          });
        } finally {
          stopListening();
          view.end();
        }
        const { bytes, seconds } = view.stats();
        const failed = result.failed.map((f) => ({ item: f.path, error: f.error }));
        const lines = result.uploaded.map(
          (u) =>
            `${u.url}  ${u.filename}${u.skipped ? ` (skipped: ${u.skipped === "journal" ? "already uploaded" : "exists"})` : ""}`,
        );
        const speed = seconds > 0 ? Math.round(bytes / seconds) : 0;
        const skipped = result.uploaded.filter((u) => u.skipped).length;
        const leftOut = result.skipped.length
          ? `, ${result.skipped.length} skipped (empty or special files)`
          : "";
        lines.push(
          `${result.uploaded.length - skipped} uploaded, ${skipped ? `${skipped} already there, ` : ""}${failed.length} failed${leftOut}, ${formatBytes(bytes)} sent in ${seconds.toFixed(1)} s (${formatBytes(speed)}/s)`,
        );
        // One line per failed item when there were several; a lone item's error is the closing line itself.
        if (result.uploaded.length + failed.length > 1) {
          for (const f of failed) ctx.out.warn(`${f.item}: ${(f.error as Error).message ?? f.error}`);
        }
        ctx.out.result(lines.join("\n"), {
          uploaded: result.uploaded,
          failed: failed.map((f) => toFailedItem(f.item, f.error)),
          skipped: result.skipped.map((s) => ({ item: s.path, reason: s.reason })),
          bytes,
          seconds,
        });
        finishTransfers(failed, result.uploaded.length + failed.length);
      },
    );
}
