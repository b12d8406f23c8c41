// Streamed, verified, journaled uploads (spec §7.2-§7.4, §9.1), as named steps: checks (upload-check.ts),
// settle what an earlier run left and `--skip-existing` (upload-earlier.ts), then one request
// (upload-request.ts: the send loop, end.pl confirmation, the journal settled and the one `done` event). A
// batch of small files (upload-batch.ts) is the same steps for several files in one request.
// The file is read as a stream into an exact-length multipart body; its Whirlpool is computed on the same
// bytes as they go out and compared with the one end.pl reports. Every upload is journaled before the first
// byte is sent, so a rerun after a crash or a lost end.pl answer finds the file (one listing per folder,
// matched by name, size and Whirlpool) instead of uploading a duplicate.
import { basename, resolve } from "node:path";
import { AbortedError } from "../api/errors.js";
import type { ByteBudget } from "./bandwidth.js";
import type { TransferClient } from "./client.js";
import type { ProgressListener } from "./progress.js";
import { checkUploadable } from "./upload-check.js";
import { findEarlier, settleFound } from "./upload-earlier.js";
import type { UploadJournal } from "./upload-journal.js";
import type { ListingCache } from "./upload-listing.js";
import { uploadRequest } from "./upload-request.js";
import { whirlpoolFile } from "./whirlpool.js";

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** Local file. */
  path: string;
  /** Destination folder id (default 0, the root). */
  folderId?: number;
  /** Remote name (default: the local base name). */
  name?: string;
  /** Password protecting access to the uploaded file (`dpass`). */
  password?: string;
  /** Display domain of the link, 0-10 (spec §3.2). */
  domain?: number;
  /** Skip the file when the folder already holds one with the same name, size and Whirlpool. */
  skipExisting?: boolean;
  /** Journal of uploads in flight (see `openUploadJournal`); without it, no duplicate protection on reruns. */
  journal?: UploadJournal;
  /** Shared listing cache (uploadTree passes one). */
  listings?: ListingCache;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  onWarning?: (message: string) => void;
  /** How long end.pl is polled while it answers HTML or no links (default 10 min, at most 2 h). */
  endTimeoutMs?: number;
  /**
   * How long end.pl is polled after the upload's answer was lost (the body went out, no 302 came back)
   * before one listing decides; if neither has the file, it is sent again (default and at most
   * `endTimeoutMs`: shorter risks a duplicate when 1fichier is slow to process the file).
   */
  lostAnswerTimeoutMs?: number;
  /** First pause between end.pl polls (default END_POLL's 1 s, doubling up to 15 s). */
  endPollMs?: number;
  /** Attempts of the whole POST when it fails before the body was fully sent (default UPLOAD_SEND_RETRY's 3). */
  attempts?: number;
  /**
   * Bandwidth limit in bytes per second (`parseRate("10M")`), or a {@link ByteBudget} shared with other
   * transfers; default none.
   */
  bwlimit?: number | ByteBudget;
}

/** The options of an upload run, shared by every file of it (a tree's files, a batch's). */
export type UploadRunOptions = Omit<UploadFileOptions, "path" | "folderId" | "name">;

/** What {@link uploadFile} did. */
export interface UploadResult {
  path: string;
  filename: string;
  folderId: number;
  size: number;
  url: string;
  whirlpool: string;
  /** Set when nothing was sent: found by the journal (earlier interrupted run) or already present. */
  skipped?: "journal" | "exists";
}

/** A local file on its way up, checked and claimed. */
export interface LocalUpload {
  /** Absolute local path. */
  path: string;
  /** Remote name. */
  name: string;
  folderId: number;
  size: number;
  mtimeMs: number;
}

/**
 * Uploads one file: streamed with an exact Content-Length, hashed while sent, checked against end.pl's
 * Whirlpool, journaled so a rerun never makes a duplicate.
 *
 * @throws UploadRefusedError, ChecksumMismatchError (CLI exit 8, naming the bad remote copy), AbortedError
 * @example
 * const r = await uploadFile(client, { path: "movie.mkv", folderId: 0, journal });
 * console.log(r.url, r.whirlpool);
 */
export async function uploadFile(client: TransferClient, options: UploadFileOptions): Promise<UploadResult> {
  const path = resolve(options.path);
  const name = options.name ?? basename(path);
  const folderId = options.folderId ?? 0;
  const { signal, journal } = options;
  if (signal?.aborted) throw new AbortedError();
  const { size, mtimeMs } = await checkUploadable(path, name);
  // One upload of this file into this folder at a time, across workers and processes: the second waits,
  // then finds the first one's journal entry and skips instead of sending a duplicate.
  const release = await journal?.claim(
    { localPath: path, remoteName: name, folderId },
    {
      ...(signal ? { signal } : {}),
      onWait: () =>
        options.onWarning?.(
          `${name}: another fichier process is uploading this file; waiting for it to finish`,
        ),
    },
  );
  try {
    return await uploadClaimed(client, options, { path, name, folderId, size, mtimeMs });
  } finally {
    await release?.();
  }
}

/** {@link uploadFile} once the file is checked and claimed. */
async function uploadClaimed(
  client: TransferClient,
  options: UploadFileOptions,
  file: LocalUpload,
): Promise<UploadResult> {
  const found = await findEarlier(client, options, file, localHashOf(file, options.signal));
  if (found) return await settleFound(client, options, file, found);
  const [outcome] = await uploadRequest(client, options, [file]);
  if (outcome && "result" in outcome) return outcome.result;
  throw outcome?.error;
}

/**
 * The local file's Whirlpool, computed once and only when asked (a listing holds a candidate of the same
 * name and size).
 *
 * @example
 * const localHash = localHashOf(file, signal); await localHash();
 */
export function localHashOf(file: LocalUpload, signal: AbortSignal | undefined): () => Promise<string> {
  let hashed: Promise<string> | undefined;
  return () => {
    hashed ??= whirlpoolFile(file.path, signal ? { signal } : {});
    return hashed;
  };
}
