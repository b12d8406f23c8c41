// What a sync's run asks of its destination, the same for a remote one (uploads) and a local one (downloads):
// make the root and folders, send a file (a replacement included), remove what the plan says, in that order.

import type { ByteBudget } from "../transfer/bandwidth.js";
import type { DownloadFileOptions } from "../transfer/download.js";
import type { ProgressListener } from "../transfer/progress.js";
import type { UploadFileOptions } from "../transfer/upload.js";
import type { UploadJournal } from "../transfer/upload-journal.js";
import type { BatchLimits } from "../transfer/upload-pack.js";
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
  /**
   * Bandwidth limit in bytes per second (`parseRate("10M")`), or a budget shared with other transfers: one
   * budget for every file of the run, either direction.
   */
  bwlimit?: number | ByteBudget;
  /**
   * Uploads: small files (under 16 MiB) of one folder share upload requests, up to `files` (default 100) and
   * `bytes` (default 64 MiB) per request, as `uploadTree`'s `batch`; `false` sends one request per file.
   */
  batch?: false | Partial<BatchLimits>;
  /** Passed to each upload (e.g. `endTimeoutMs`). */
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
  /** The transfers grouped as they are sent (a batch of small files shares one upload request), in order. */
  units(transfers: readonly Transfer[]): Transfer[][];
  /**
   * Sends one unit; with `replaces`, a file's old copies are removed once its new one is verified. A file of a
   * batch that fails alone is recorded on its own; a throw fails every file of the unit.
   */
  transfer(unit: readonly Transfer[]): Promise<void>;
  /** Removes the extra copies an interrupted replacement left. */
  settle(s: { path: string; remove: SyncEntry[] }): Promise<void>;
  /** Removes files the source does not have. */
  deleteFiles(entries: SyncEntry[]): Promise<void>;
  /** Removes a folder the source does not have (false when it was not there). */
  rmdir(path: string): Promise<boolean>;
  /** Ends the transfers: what waits to be done together, and what only the end can tell. */
  finish(): Promise<void>;
}
