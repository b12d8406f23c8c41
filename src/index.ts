// Public library surface of fichier. Each module adds its exports here as it lands.
export const VERSION = "0.1.0";

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
export { maskKey, redact, registerSecret } from "./redact.js";
