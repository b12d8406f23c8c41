// What an answer of a download link (a token URL, spec §7.1) calls for: read its bytes, fetch a fresh token,
// try again after a pause, or stop. Decided here only, for every download connection and `cat`.
import { type FichierError, NotAllowedError, NotFoundError, ServerError } from "../api/errors.js";

/** The one thing to do with a download link's answer. */
export type LinkAnswer =
  /** 200 or 206: the bytes (the caller checks where they start). */
  | { action: "read" }
  /** 410: the token expired or was used up (DECISIONS.md); a fresh one continues the download. */
  | { action: "refresh" }
  /** Worth another attempt after a pause: too many connections (429, spec §2.1), a timeout, a 5xx. */
  | { action: "retry"; reason: string }
  /** No attempt can help: stop the download with this error. */
  | { action: "fail"; error: FichierError };

/**
 * Classifies a download link's HTTP status (pure). A 403 is never retried: the link is refused (an IP lock on
 * the token, the file's access list), and asking again only repeats it.
 *
 * @example
 * linkAnswer(206, "a.bin"); // { action: "read" }
 * linkAnswer(503, "a.bin"); // { action: "retry", reason: "HTTP 503" }
 * linkAnswer(403, "a.bin"); // { action: "fail", error: NotAllowedError }
 */
export function linkAnswer(status: number, file: string): LinkAnswer {
  if (status === 200 || status === 206) return { action: "read" };
  if (status === 410) return { action: "refresh" };
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    return { action: "retry", reason: `HTTP ${status}` };
  }
  if (status === 404) {
    return {
      action: "fail",
      error: new NotFoundError(`${file}: the download link answered 404`, { httpStatus: 404 }),
    };
  }
  if (status === 403) {
    return {
      action: "fail",
      error: new NotAllowedError(`${file}: the download link was refused (HTTP 403)`, {
        httpStatus: 403,
        hint: "1fichier refuses this link from here (an IP restriction on the link or the file's access list): download from an allowed address, or check the file's settings with `fichier info`.",
      }),
    };
  }
  // A redirect (never followed: it could lead to another host), a refused range (416) or any other answer
  // would only come again.
  return {
    action: "fail",
    error: new ServerError(`${file}: the download link answered HTTP ${status}`, {
      httpStatus: status,
      retryable: false,
    }),
  };
}
