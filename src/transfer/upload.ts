// Streamed, verified, journaled uploads (spec §7.2-§7.4, §9.1), as named steps: checks (upload-check.ts),
// settle what an earlier run left and `--skip-existing` (upload-earlier.ts), the send loop (upload-send.ts),
// end.pl confirmation (upload-confirm.ts), then the journal settled and the one `done` event.
// The file is read as a stream into an exact-length multipart body; its Whirlpool is computed on the same
// bytes as they go out and compared with the one end.pl reports. Every upload is journaled before the first
// byte is sent, so a rerun after a crash or a lost end.pl answer finds the file (one listing per folder,
// matched by name, size and Whirlpool) instead of uploading a duplicate.
import { basename, resolve } from "node:path";
import { AbortedError } from "../api/errors.js";
import type { TransferClient } from "./client.js";
import { ChecksumMismatchError } from "./errors.js";
import type { ProgressListener } from "./progress.js";
import { checkUploadable } from "./upload-check.js";
import { confirmSent, type Landed } from "./upload-confirm.js";
import { type Found, findEarlier } from "./upload-earlier.js";
import type { UploadJournal } from "./upload-journal.js";
import type { ListingCache } from "./upload-listing.js";
import { type Sent, sendWithRetries } from "./upload-send.js";
import { whirlpoolFile } from "./whirlpool.js";

/**
 * Sends of one file after its answer was lost and neither end.pl nor the folder had it (each such round
 * sends the whole file again, as a rerun would).
 */
const LOST_ANSWER_ROUNDS = 3;

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
}

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
  let localWhirlpool: string | undefined;
  const localHash = async () => {
    localWhirlpool ??= await whirlpoolFile(file.path, options.signal ? { signal: options.signal } : {});
    return localWhirlpool;
  };
  const found = await findEarlier(client, options, file, localHash);
  if (found) return await settleFound(client, options, file, found);
  options.onProgress?.({
    type: "start",
    direction: "upload",
    file: file.path,
    size: file.size,
    resumedBytes: 0,
  });
  const { sent, landed } = await sendAndConfirm(client, options, file);
  return await settleSent(options, file, sent, landed);
}

/**
 * A round is one send and its end.pl check; a second round only when an answer was lost and the file then
 * proved not to have landed.
 */
async function sendAndConfirm(
  client: TransferClient,
  options: UploadFileOptions,
  file: LocalUpload,
): Promise<{ sent: Sent; landed: Landed }> {
  for (let round = 1; ; round++) {
    const sent = await sendWithRetries(client, options, file);
    const landed = await confirmSent(client, options, file, sent, round < LOST_ANSWER_ROUNDS);
    if (landed !== "resend") return { sent, landed };
  }
}

/** The copy found needs no bytes; asked for a password this time, it gets this one. */
async function settleFound(
  client: TransferClient,
  options: UploadFileOptions,
  file: LocalUpload,
  found: Found,
): Promise<UploadResult> {
  // The copy found (uploaded earlier without a password, or with another one) gets the password asked for,
  // rather than being left open, keeping a password the user does not know of, or being uploaded again.
  if (options.password) {
    await client.files.setAttributes({ urls: [found.url], password: options.password });
    options.onWarning?.(
      `${file.name}: already uploaded (${found.url}); the password given was set on that copy${found.hasPassword ? " (replacing its own)" : ""}`,
    );
  }
  return reportUpload(options, file, { url: found.url, whirlpool: found.whirlpool, skipped: found.how });
}

/** The Whirlpool check of what landed, then the journal says `done`. */
async function settleSent(
  options: UploadFileOptions,
  file: LocalUpload,
  sent: Sent,
  landed: Landed,
): Promise<UploadResult> {
  const { whirlpool, entry } = sent;
  if (landed.remoteWhirlpool !== whirlpool) {
    await options.journal?.remove(entry.id);
    throw new ChecksumMismatchError(
      `${file.name}: Whirlpool mismatch after upload: 1fichier stored ${landed.remoteWhirlpool.slice(0, 16)}..., we sent ${whirlpool.slice(0, 16)}...; the bad remote copy is ${landed.url}`,
      { expected: whirlpool, actual: landed.remoteWhirlpool, remoteUrl: landed.url, localPath: file.path },
    );
  }
  await options.journal?.patch(entry.id, { state: "done", url: landed.url });
  return reportUpload(options, file, { url: landed.url, whirlpool });
}

/** The `done` event and the result of an upload, built in this one place. */
function reportUpload(
  options: UploadFileOptions,
  file: LocalUpload,
  done: { url: string; whirlpool: string; skipped?: "journal" | "exists" },
): UploadResult {
  const { path, name: filename, folderId, size } = file;
  const skipped = done.skipped ? { skipped: done.skipped } : {};
  options.onProgress?.({
    type: "done",
    direction: "upload",
    file: path,
    size,
    url: done.url,
    whirlpool: done.whirlpool,
    ...skipped,
  });
  return { path, filename, folderId, size, url: done.url, whirlpool: done.whirlpool, ...skipped };
}
