// Public library surface of fichier. Each module adds its exports here as it lands.

export type * from "./api/client.js";
export { createClient, DEFAULT_API_URL, DEFAULT_WEB_URL, Governor } from "./api/client.js";
export {
  AbortedError,
  AccountLockedError,
  AuthError,
  BadRequestError,
  ConflictError,
  classifyFailure,
  EntitlementError,
  FichierError,
  FloodError,
  HtmlResponseError,
  InvalidNameError,
  InvalidUrlError,
  isAbortedError,
  isAccountLockedError,
  isAuthError,
  isConflictError,
  isEntitlementError,
  isFichierError,
  isFloodError,
  isHtmlResponseError,
  isInvalidNameError,
  isInvalidUrlError,
  isNetworkError,
  isNotAllowedError,
  isNotFoundError,
  isServerError,
  isTimeoutError,
  NetworkError,
  NotAllowedError,
  NotFoundError,
  ServerError,
  TimeoutError,
} from "./api/errors.js";
export { systemClock } from "./api/governor.js";
export { decodeName, encodeName } from "./api/names.js";
export {
  DOMAINS,
  domainId,
  normaliseFileUrl,
  parseFileUrl,
  parseFolderId,
  parseShareUrl,
} from "./api/urls.js";
// Key lifecycle: where the key comes from, and the check of a key's shape.
export { resolveApiKey } from "./keys/resolve.js";
export { looksLikeApiKey, maskKey, redact, registerSecret } from "./redact.js";
// The remote index: one model of the account's tree, and the one path resolver (docs/index.md). openIndex
// loads SQLite by a dynamic import: this entry never loads the native module by itself.
export { NotIndexedError, WrongKindError } from "./remote-index/errors.js";
export { createMemoryIndex } from "./remote-index/memory-store.js";
export type { OpenedIndex, OpenIndexOptions } from "./remote-index/open.js";
export { indexFile, openIndex } from "./remote-index/open.js";
export type { IndexEvent, IndexOptions, TreeListing } from "./remote-index/remote-index.js";
export { RemoteIndex } from "./remote-index/remote-index.js";
export type { Resolved, ResolvedFile, ResolvedFolder, ResolveOptions } from "./remote-index/resolver.js";
export type { Target } from "./remote-index/targets.js";
export {
  classifyTarget,
  joinRemotePath,
  normalisePath,
  parentAndName,
  pathSegments,
} from "./remote-index/targets.js";
export type { FolderView, IndexedFile, IndexedFolder, ReadOptions } from "./remote-index/views.js";
// Sync and check (docs/sync.md): the runs, their ends, and the pure core (filters, the plan, the deletion guards;
// local hashes kept in the index).
export type { CheckOptions, CheckResult } from "./sync/check.js";
export { checkTrees } from "./sync/check.js";
export type { SyncEnd, SyncEnds } from "./sync/ends.js";
export { LocalSourceMissingError, parseSyncEnds, REMOTE_PREFIX, SyncRefusedError } from "./sync/ends.js";
export type { FilterRule, FilterSource, FilterSpec } from "./sync/filter.js";
export { buildFilter, Filter, FilterError } from "./sync/filter.js";
export type { DeletionVerdict, SourceState } from "./sync/guards.js";
export { deletionVerdict, maxDeleteLimit } from "./sync/guards.js";
export type { LocalHash, LocalHashCache } from "./sync/local-hash.js";
export { hashLocal, LocalFileChangedError } from "./sync/local-hash.js";
export type { LeftOut, LocalEntry, LocalSide, WalkOptions } from "./sync/local-walk.js";
export { walkLocal } from "./sync/local-walk.js";
export type { SyncEntry } from "./sync/march.js";
export type { CheckReport, PlanOptions, SyncPlan, SyncSide, Transfer } from "./sync/plan.js";
export { hashesNeeded, planCheck, planSync } from "./sync/plan.js";
export { FolderRemovedError } from "./sync/remote-destination.js";
export type { SyncFailure, SyncResult } from "./sync/result.js";
export type { SyncOptions } from "./sync/run.js";
export { syncTrees } from "./sync/run.js";
export { remoteSide } from "./sync/sides.js";
// Transfers: streamed, verified uploads and segmented, resumable downloads.
export { ByteBudget, parseRate, RateSyntaxError } from "./transfer/bandwidth.js";
export type { TransferClient } from "./transfer/client.js";
export type {
  DownloadFileOptions,
  DownloadManyOptions,
  DownloadManyResult,
  DownloadResult,
} from "./transfer/download.js";
export { downloadFile, downloadFolder, downloadShare } from "./transfer/download.js";
export {
  ChecksumMismatchError,
  DownloadRefusedError,
  StateFolderError,
  UploadRefusedError,
} from "./transfer/errors.js";
export type { ProgressListener, TransferEvent } from "./transfer/progress.js";
export { type StreamFileOptions, streamFile } from "./transfer/stream.js";
export { TokenSource, tokenSourceFor } from "./transfer/token-source.js";
export type { UploadFileOptions, UploadResult } from "./transfer/upload.js";
export { uploadFile } from "./transfer/upload.js";
export { checkUploadable } from "./transfer/upload-check.js";
export { openUploadJournal, UploadJournal } from "./transfer/upload-journal.js";
export { type BatchLimits, DEFAULT_BATCH } from "./transfer/upload-pack.js";
export {
  type StreamUploadResult,
  type UploadStreamOptions,
  uploadStream,
} from "./transfer/upload-stream.js";
export type { UploadTreeOptions, UploadTreeResult } from "./transfer/upload-tree.js";
export { uploadTree } from "./transfer/upload-tree.js";
export { VERSION } from "./version.js";
