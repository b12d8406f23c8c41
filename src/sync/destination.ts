// What a sync's run asks of its destination, the same for a remote one (uploads) and a local one (downloads):
// make the root and folders, send a file (a replacement included), remove what the plan says, in that order.

import type { DownloadFileOptions } from "../transfer/download.js";
import type { ProgressListener } from "../transfer/progress.js";
import type { UploadFileOptions } from "../transfer/upload.js";
import type { UploadJournal } from "../transfer/upload-journal.js";
import type { SyncEntry } from "./march.js";
import type { Transfer } from "./plan.js";

/** The options every step of a run shares. */
export interface RunOptions {
  /** Files transferred at once (default 2). */
  parallel?: number;
  /** The upload journal: a rerun after a crash finds what landed instead of sending it again. */
  journal?: UploadJournal;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  onWarning?: (message: string) => void;
  /** Passed to each upload (e.g. `endTimeoutMs`, `bwlimit` where the transfer layer takes it). */
  upload?: Partial<
    Omit<UploadFileOptions, "path" | "name" | "folderId" | "journal" | "signal" | "onProgress">
  >;
  /** Passed to each download (e.g. `connections`). */
  download?: Partial<
    Omit<DownloadFileOptions, "url" | "path" | "dir" | "known" | "force" | "signal" | "onProgress">
  >;
}

/** A sync's destination. Each method records what it did in the run's result; failures are thrown. */
export interface Destination {
  /** Makes the destination folder when it is missing. */
  prepare(): Promise<void>;
  /** Makes one folder (its parent exists or was found removed). */
  mkdir(path: string): Promise<void>;
  /** Sends one file; with `replaces`, removes the old copies once the new one is verified. */
  transfer(t: Transfer): Promise<void>;
  /** Removes the extra copies an interrupted replacement left. */
  settle(s: { path: string; remove: SyncEntry[] }): Promise<void>;
  /** Removes files the source does not have. */
  deleteFiles(entries: SyncEntry[]): Promise<void>;
  /** Removes a folder the source does not have (false when it was not there). */
  rmdir(path: string): Promise<boolean>;
  /** Ends the transfers: what waits to be done together, and what only the end can tell. */
  finish(): Promise<void>;
}
