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
export type { UploadFileOptions, UploadResult } from "./transfer/upload.js";
export { uploadFile } from "./transfer/upload.js";
export { checkUploadable } from "./transfer/upload-check.js";
export { openUploadJournal, UploadJournal } from "./transfer/upload-journal.js";
export { type BatchLimits, DEFAULT_BATCH } from "./transfer/upload-pack.js";
export type { UploadTreeOptions, UploadTreeResult } from "./transfer/upload-tree.js";
export { uploadTree } from "./transfer/upload-tree.js";
export { VERSION } from "./version.js";
