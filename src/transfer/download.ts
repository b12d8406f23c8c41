// Segmented, resumable, verified downloads (spec §7.1, DECISIONS.md "Transfers"), as named steps: plan
// (metadata, final path, skip if identical: download-plan.ts), claim the working files (working-files.ts),
// resume (journal: download-resume.ts), fetch the missing ranges over parallel connections (download-session.ts,
// download-schedule.ts, download-segment.ts, fetch-range.ts), finalize (verify, fsync, rename:
// download-finalize.ts). Plus whole folders (read through the remote index) and public shares, one file after
// another.
import { dirname, join } from "node:path";
import { AbortedError, isNotFoundError } from "../api/errors.js";
import { createMemoryIndex } from "../remote-index/memory-store.js";
import type { RemoteIndex } from "../remote-index/remote-index.js";
import type { FolderView, IndexedFile } from "../remote-index/views.js";
import { type ByteBudget, byteBudgetOf } from "./bandwidth.js";
import type { TransferClient } from "./client.js";
import { finalizeDownload } from "./download-finalize.js";
import { alreadyThere, checkRoom, type DownloadPlan, planDownload, reportDone } from "./download-plan.js";
import { resumeFrom } from "./download-resume.js";
import { DownloadSession } from "./download-session.js";
import { LocalFileError, toLocalFileError } from "./errors.js";
import { ensureFolder, localFolderName, uniqueLocalName } from "./local-names.js";
import type { ProgressListener } from "./progress.js";
import { coveredBytes } from "./segments.js";
import { claimWorkingFiles } from "./working-files.js";

export { DEFAULT_CONNECTIONS, MAX_CONNECTIONS } from "./download-session.js";

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  /** File URL `https://1fichier.com/?<id>`. */
  url: string;
  /** Folder to write into (default: the current directory); the file keeps its remote name. */
  dir?: string;
  /** Exact output path (overrides `dir` and the remote name). */
  path?: string;
  /** Parallel Range requests, 1 to 30 (default 4). */
  connections?: number;
  /** The file's access password. */
  password?: string;
  /** Overwrite an existing file at the output path. */
  force?: boolean;
  /** Verify the Whirlpool (default true). */
  verify?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Non-fatal notices (journal damaged, remote file changed, no checksum to verify against). */
  onWarning?: (message: string) => void;
  /** A connection that delivers no byte for this long is dropped and its range re-queued (default 30 s). */
  stallMs?: number;
  /** Smallest piece worth its own connection (default 2 MiB). */
  minSegmentBytes?: number;
  /** Largest piece fetched by one request (default 16 MiB), so bytes complete roughly in file order. */
  maxSegmentBytes?: number;
  /** Attempts per range without progress before giving up (default RANGE_RETRY's 6). */
  attempts?: number;
  /** How often the journal of completed ranges is written (default 1000 ms). */
  journalIntervalMs?: number;
  /** Known metadata (skips `file/info.cgi`, e.g. for files of a public share that the key does not own). */
  known?: { filename: string; size: number; checksum?: string };
  /**
   * Bandwidth limit in bytes per second (`parseRate("10M")`), shared by every connection of the download, or
   * a {@link ByteBudget} shared with other transfers; default none.
   */
  bwlimit?: number | ByteBudget;
}

/** What {@link downloadFile} did. */
export interface DownloadResult {
  url: string;
  path: string;
  filename: string;
  size: number;
  /** Whirlpool of the written file ("" when not verified). */
  whirlpool: string;
  verified: boolean;
  /** Bytes found already downloaded by an earlier, interrupted run. */
  resumedBytes: number;
  /** Bytes received over the network by this run (includes any re-fetched after drops). */
  fetchedBytes: number;
  /** "exists": the file was already there with the same size and Whirlpool; nothing was fetched. */
  skipped?: "exists";
}

/**
 * Downloads one file with parallel Range requests, resuming from the working files of an earlier, interrupted
 * run (`.fichier-partial/NAME.part` and `NAME.part.json` in the output folder), verifying the Whirlpool and
 * renaming atomically to the final name. An existing file is never overwritten without `force`, and no file
 * but fichier's own working files is ever written, renamed or removed; free disk space is checked first.
 *
 * @throws ChecksumMismatchError (CLI exit 8), DownloadRefusedError, LocalFileError, NotFoundError,
 *   NotAllowedError, AbortedError, NetworkError
 * @example
 * const r = await downloadFile(client, { url: "https://1fichier.com/?abc...", dir: "out", connections: 8 });
 * console.log(r.path, r.whirlpool);
 */
export async function downloadFile(
  client: TransferClient,
  options: DownloadFileOptions,
): Promise<DownloadResult> {
  try {
    return await downloadOne(client, options);
  } catch (e) {
    // A local file-system failure (disk full, read-only, permissions...) is not network trouble: one
    // error naming the path and the fix, never retried.
    throw toLocalFileError(e, options.path ?? options.dir ?? ".") ?? e;
  }
}

async function downloadOne(client: TransferClient, options: DownloadFileOptions): Promise<DownloadResult> {
  const warn = options.onWarning ?? (() => {});
  if (options.signal?.aborted) throw new AbortedError();
  const plan = await planDownload(client, options, warn);
  if (await alreadyThere(plan, options)) return reportSkipped(plan, options);
  await ensureFolder(dirname(plan.finalPath));
  const claim = await claimWorkingFiles(plan.work, {
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: () =>
      warn(`${plan.finalPath}: another fichier process is downloading it; waiting for it to finish`),
  });
  try {
    // The other process may have finished it meanwhile.
    if (claim.waited && (await alreadyThere(plan, options))) return reportSkipped(plan, options);
    const completed = await resumeFrom(
      plan.work,
      { url: plan.url, size: plan.size, checksum: plan.expected },
      warn,
    );
    await checkRoom(plan, coveredBytes(completed));
    const session = await DownloadSession.open(client, plan, completed, options);
    try {
      await session.fetchMissing();
      const whirlpool = await finalizeDownload(session);
      const { resumedBytes, fetchedBytes } = session;
      const verified = session.hasherReady !== undefined;
      return reportDone(plan, { whirlpool, verified, resumedBytes, fetchedBytes }, options.onProgress);
    } finally {
      await session.close();
    }
  } finally {
    await claim.release();
  }
}

function reportSkipped(plan: DownloadPlan, options: DownloadFileOptions): DownloadResult {
  const outcome = { whirlpool: plan.expected, verified: true, resumedBytes: 0, fetchedBytes: 0 };
  return reportDone(plan, { ...outcome, skipped: "exists" }, options.onProgress);
}

/** Options shared by folder and share downloads. */
export type DownloadManyOptions = Omit<DownloadFileOptions, "url" | "path" | "known" | "dir"> & {
  /** Folder to write into; the remote folder's name is created inside it (unless `contents`). */
  dir?: string;
  /**
   * A folder download puts the folder's contents straight into `dir` instead of `dir/<folder name>/`
   * (rsync's rule for `folder/`, source-path.ts). A share's files always go straight into `dir`.
   */
  contents?: boolean;
  /**
   * The remote index a folder is read through (`openIndex`'s, shared with the rest of the run: a folder just
   * uploaded to or listed is not listed again). Default: one in memory for this call. Shares do not use it.
   */
  index?: RemoteIndex;
};

/** Result of a folder or share download: one entry per file, failures listed rather than thrown. */
export interface DownloadManyResult {
  downloaded: DownloadResult[];
  failed: { file: string; error: unknown }[];
}

/**
 * Downloads a remote folder (by id) recursively into `dir/<folder name>/...`, one file at a time (each
 * with its own parallel segments), each folder read through the remote index (served from it while fresh).
 * A failing file is reported and the others continue. Empty remote folders are created too. A file already
 * there with the same size and Whirlpool is skipped (`skipped: "exists"`), so rerunning an interrupted folder
 * download finishes it. Two remote files with the same name in one folder (1fichier allows it) are saved as
 * `name.ext` and `name (2).ext`, with a warning. A file the index listed that the service no longer knows
 * (`#469`: the folder was changed elsewhere) makes the folder listed again once, with a warning: the file's new
 * copy is downloaded, one deleted meanwhile is left out.
 *
 * @example
 * const r = await downloadFolder(client, 1234, { dir: "out" });
 * console.log(r.downloaded.length, r.failed.length);
 */
export async function downloadFolder(
  client: TransferClient,
  folderId: number,
  options: DownloadManyOptions = {},
): Promise<DownloadManyResult> {
  const index = options.index ?? createMemoryIndex(client);
  const result: DownloadManyResult = { downloaded: [], failed: [] };
  options = shareBudget(options);
  // Disk full or read-only: every next file would fail the same way, so the walk stops.
  let diskFailed = false;
  const walk = async (id: number, localDir: string, top: boolean) => {
    if (diskFailed) return;
    const view = await index.list(id);
    const here =
      top && id !== 0 && !options.contents ? join(localDir, localFolderName(view.folder.name)) : localDir;
    // Created even when empty, as upload recreates empty local folders.
    try {
      await ensureFolder(here);
    } catch (e) {
      // A folder that cannot be made fails every file in it: said once.
      result.failed.push({ file: here, error: e });
      if (isDiskWide(e)) diskFailed = true;
      return;
    }
    const files = view.files.map(listedOf);
    if (!(await downloadEach(client, options, files, here, result, staleCheck(index, view)))) {
      diskFailed = true;
      return;
    }
    for (const sub of view.subFolders) {
      await walk(sub.id, join(here, localFolderName(sub.name)), false);
    }
  };
  await walk(folderId, options.dir ?? ".", true);
  return result;
}

/** A file of the index as a folder download lists it (the index holds its Whirlpool). */
function listedOf(f: IndexedFile): Listed {
  return { url: f.url, filename: f.name, size: f.size, checksum: async () => f.whirlpool };
}

/**
 * What to do with a file of `view` whose URL the service no longer knows: when the view came from the index (an
 * older listing, not this index's own), the folder is listed again once (a `stale` warning) and the file's
 * current copy is returned, or `"gone"` when it was deleted meanwhile; otherwise the not-found stands.
 */
function staleCheck(
  index: RemoteIndex,
  view: FolderView,
): (f: Listed) => Promise<Listed | "gone" | undefined> {
  let fresh: Promise<FolderView> | undefined;
  const id = view.folder.id;
  return async (f) => {
    if (!fresh) {
      if (!view.fromIndex || index.isOwnListing(id)) return undefined;
      fresh = index.list(id, { refresh: true });
      index.warnStale(id, f.filename, view.ageMs);
    }
    const now = (await fresh).files.filter((x) => x.name === f.filename).at(-1);
    if (!now) return "gone";
    return now.url === f.url ? undefined : listedOf(now);
  };
}

/**
 * Whether a download failure will repeat for every other file on the same disk (full, read-only).
 *
 * @example
 * isDiskWide(new LocalFileError("ENOSPC", "a.part")); // true
 */
export function isDiskWide(e: unknown): boolean {
  return e instanceof LocalFileError && ["ENOSPC", "EDQUOT", "EROFS"].includes(e.errno);
}

/**
 * Downloads every file of a public share (`https://1fichier.com/dir/<hash>`) straight into `dir` (the share
 * listing carries no folder name, spec §7.22). Only the files directly in the shared folder are listed:
 * its sub-folders are not part of a public share listing, and an empty listing says so in a warning. Files
 * of another account have no checksum the key may read: those are checked by size only (a warning says so).
 * Same skipping of identical files and `name (2).ext` rule as {@link downloadFolder}.
 *
 * @example
 * await downloadShare(client, "https://1fichier.com/dir/AbCdEf12", { dir: "out" });
 */
export async function downloadShare(
  client: TransferClient,
  share: string,
  options: DownloadManyOptions = {},
): Promise<DownloadManyResult> {
  const result: DownloadManyResult = { downloaded: [], failed: [] };
  options = shareBudget(options);
  const files = await client.shares.listPublic(share, options.password ? { password: options.password } : {});
  const warn = options.onWarning ?? (() => {});
  if (files.length === 0) {
    // spec §7.22: /dir/<hash>?json=1 lists only the files directly in the shared folder, never its
    // sub-folders; a share of a folder holding only sub-folders looks empty.
    warn(
      `${share} lists no files: a public share listing holds only the files directly in the shared folder, not its sub-folders; share each sub-folder, or download the folder by path or id with its owner's key`,
    );
  }
  // Files of another account have no checksum this key may read: checked by size only.
  const checksum = (url: string) => async () =>
    (await client.files.info({ url }).catch(() => undefined))?.checksum;
  const listed = files.map((f) => ({ ...f, checksum: checksum(f.url) }));
  await downloadEach(client, options, listed, options.dir ?? ".", result);
  return result;
}

/** The options with one byte budget for every file of the run (a number would make one per file). */
function shareBudget(options: DownloadManyOptions): DownloadManyOptions {
  const budget = byteBudgetOf(options.bwlimit);
  return budget ? { ...options, bwlimit: budget } : options;
}

/** A file of a remote listing, with its Whirlpool when it can be had. */
interface Listed {
  url: string;
  filename: string;
  size: number;
  checksum: () => Promise<string | undefined>;
}

/**
 * Downloads the files of one remote listing into `dir`, one after another, under unique local names; a
 * failing file is listed and the next one goes on. A file the service no longer knows is asked of `stale` (the
 * folder listed again): its current copy is downloaded instead, one deleted meanwhile is left out with a
 * warning. False when the disk failed in a way every next file would repeat (full, read-only): the caller stops.
 */
async function downloadEach(
  client: TransferClient,
  options: DownloadManyOptions,
  files: Listed[],
  dir: string,
  result: DownloadManyResult,
  stale?: (f: Listed) => Promise<Listed | "gone" | undefined>,
): Promise<boolean> {
  const taken = new Set<string>();
  const warn = options.onWarning ?? (() => {});
  for (const f of files) {
    if (options.signal?.aborted) throw new AbortedError();
    const path = join(dir, uniqueLocalName(f.filename, taken, warn));
    try {
      result.downloaded.push(await downloadListed(client, options, f, path));
    } catch (e) {
      if (e instanceof AbortedError) throw e;
      const again = stale && isNotFoundError(e) ? await stale(f).catch(() => undefined) : undefined;
      if (again === "gone") {
        warn(`${path}: deleted from the folder meanwhile (changed elsewhere); left out`);
        continue;
      }
      try {
        if (!again) throw e;
        result.downloaded.push(await downloadListed(client, options, again, path));
      } catch (e2) {
        if (e2 instanceof AbortedError) throw e2;
        result.failed.push({ file: path, error: e2 });
        if (isDiskWide(e2)) return false;
      }
    }
  }
  return true;
}

/** One file of a listing, with what the listing knows of it (no `file/info.cgi`). */
async function downloadListed(
  client: TransferClient,
  options: DownloadManyOptions,
  f: Listed,
  path: string,
): Promise<DownloadResult> {
  const checksum = await f.checksum();
  const known = { filename: f.filename, size: f.size, ...(checksum ? { checksum } : {}) };
  return downloadFile(client, { ...options, url: f.url, path, known });
}
