// Before any byte moves: what is downloaded (metadata), where it goes (final path, working files), whether it
// is already there (skip), and whether it fits on the disk. And after: the one `done` event and result.
import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { TransferClient } from "./client.js";
import { freeBytes, hasRoomFor } from "./diskspace.js";
import type { DownloadFileOptions, DownloadResult } from "./download.js";
import { DownloadRefusedError } from "./errors.js";
import { isWorkingFolderName, uniqueLocalName } from "./local-names.js";
import type { ProgressListener } from "./progress.js";
import { whirlpoolFile } from "./whirlpool.js";
import { type WorkingFiles, workingFilesFor } from "./working-files.js";

/** One download, decided. */
export interface DownloadPlan {
  url: string;
  filename: string;
  size: number;
  /** The Whirlpool 1fichier reports, lower case; "" when it gave none. */
  expected: string;
  finalPath: string;
  work: WorkingFiles;
}

/** What a download did, for its `done` event and result. */
export interface DownloadOutcome {
  whirlpool: string;
  verified: boolean;
  resumedBytes: number;
  fetchedBytes: number;
  skipped?: "exists";
}

/**
 * The file's metadata (given, or `file/info.cgi`), its final local path and its working files.
 *
 * @throws DownloadRefusedError when the final name is the working folder's; the client's errors
 * @example
 * const plan = await planDownload(client, { url, dir: "out" }, warn);
 */
export async function planDownload(
  client: TransferClient,
  options: DownloadFileOptions,
  warn: (message: string) => void,
): Promise<DownloadPlan> {
  const meta = options.known
    ? { url: options.url, checksum: "", ...options.known }
    : await client.files.info({
        url: options.url,
        ...(options.password ? { password: options.password } : {}),
      });
  const finalPath = options.path ?? join(options.dir ?? ".", uniqueLocalName(meta.filename, new Set(), warn));
  if (isWorkingFolderName(basename(finalPath))) {
    throw new DownloadRefusedError(`${finalPath}: fichier keeps its working files in a folder of that name`, {
      path: finalPath,
      hint: "Choose another output name.",
    });
  }
  return {
    url: meta.url || options.url,
    filename: meta.filename,
    size: meta.size,
    expected: (meta.checksum ?? "").toLowerCase(),
    finalPath,
    work: workingFilesFor(finalPath),
  };
}

/**
 * Whether the final path already holds this very file (same size and Whirlpool: a rerun, as `wget -c` or
 * `rclone copy`, skips it). Checked before any byte moves: a folder in the way would otherwise fail the
 * final rename after the whole download, even with --force.
 *
 * @throws DownloadRefusedError for a folder there, or another file without `force`
 * @example
 * if (await alreadyThere(plan, options)) return reportDone(plan, { ...skipped }, onProgress);
 */
export async function alreadyThere(plan: DownloadPlan, options: DownloadFileOptions): Promise<boolean> {
  const there = await stat(plan.finalPath).catch(() => undefined);
  if (there?.isDirectory()) {
    throw new DownloadRefusedError(`${plan.finalPath} is a folder, not a file`, {
      path: plan.finalPath,
      hint: "Move or rename that folder, or choose another folder with -o.",
    });
  }
  if (!there || options.force) return false;
  // spec §7.1: the checksum is the Whirlpool; the local file is hashed only when its size matches.
  if (there.isFile() && there.size === plan.size && plan.expected) {
    options.onProgress?.({ type: "verify", direction: "download", file: plan.filename });
    const local = await whirlpoolFile(plan.finalPath, options.signal ? { signal: options.signal } : {});
    if (local === plan.expected) return true;
  }
  throw new DownloadRefusedError(`${plan.finalPath} already exists and differs from the remote file`, {
    path: plan.finalPath,
    hint: plan.expected
      ? "Pass --force to overwrite it, or choose another folder with -o."
      : "1fichier gave no checksum to compare it with: pass --force to overwrite it, or choose another folder with -o.",
  });
}

/**
 * Refuses a download that cannot fit on the disk of its output folder.
 *
 * @throws DownloadRefusedError naming the bytes needed and available
 * @example
 * await checkRoom(plan, resumedBytes);
 */
export async function checkRoom(plan: DownloadPlan, resumedBytes: number): Promise<void> {
  const available = await freeBytes(dirname(plan.finalPath));
  const needed = plan.size - resumedBytes;
  if (hasRoomFor(needed, available)) return;
  throw new DownloadRefusedError(
    `not enough disk space for ${plan.finalPath}: ${needed} bytes needed, ${available} available`,
    { path: plan.finalPath, hint: "Free some space or download to another disk with -o DIR." },
  );
}

/**
 * The `done` event and the result of a download, built in this one place.
 *
 * @example
 * return reportDone(plan, { whirlpool, verified: true, resumedBytes, fetchedBytes }, options.onProgress);
 */
export function reportDone(
  plan: DownloadPlan,
  outcome: DownloadOutcome,
  onProgress: ProgressListener | undefined,
): DownloadResult {
  const { url, filename, size, finalPath: path } = plan;
  const skipped = outcome.skipped ? { skipped: outcome.skipped } : {};
  onProgress?.({
    type: "done",
    direction: "download",
    file: filename,
    size,
    path,
    url,
    whirlpool: outcome.whirlpool,
    ...skipped,
  });
  const { whirlpool, verified, resumedBytes, fetchedBytes } = outcome;
  return { url, path, filename, size, whirlpool, verified, resumedBytes, fetchedBytes, ...skipped };
}
