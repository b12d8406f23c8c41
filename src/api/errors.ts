// Error classes of the client and the pure decision table that maps a failed answer to one of them.
// Classification is by the `#code` in the KO message first, the HTTP status second, never by status alone
// (DECISIONS.md "Errors"; spec §1.10, §1.12, §8).
import { MAX_ANNOUNCED_MS, parseRetryAfter } from "./retry-after.js";

/** Fields shared by every fichier error. */
export interface FichierErrorInit {
  /** 1fichier's internal error code, the `#NNN` at the end of a KO message (spec §1.10). */
  code?: number;
  httpStatus?: number;
  /** API path such as `file/ls.cgi`, or a website path such as `dir/<hash>`. */
  endpoint?: string;
  retryable?: boolean;
  /** One sentence naming the fix. */
  hint?: string;
  /** Delay the server asked for (Retry-After), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Base class of every error the client throws. `hint` is one sentence naming the fix; neither the message
 * nor the hint ever contains the API key. Each subclass states its defaults once, as the static
 * `defaultRetryable` and `defaultHint`; an `init` value wins over them.
 *
 * @example
 * ```ts
 * try { await client.files.info({ url }); }
 * catch (e) { if (isFichierError(e)) console.error(`${e.message}\n${e.hint}`); }
 * ```
 */
export class FichierError extends Error {
  /** Whether an error of this class is worth another attempt when `init.retryable` says nothing. */
  static defaultRetryable = false;
  /** The fix named when `init.hint` says nothing. */
  static defaultHint = "See the message above; run again with --debug for the HTTP trace.";

  override name = "FichierError";
  readonly code?: number;
  readonly httpStatus?: number;
  readonly endpoint?: string;
  readonly retryable: boolean;
  readonly hint: string;
  readonly retryAfterMs?: number;

  constructor(message: string, init: FichierErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    const defaults = new.target as typeof FichierError;
    if (init.code !== undefined) this.code = init.code;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
    if (init.endpoint !== undefined) this.endpoint = init.endpoint;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    this.retryable = init.retryable ?? defaults.defaultRetryable;
    this.hint = init.hint ?? defaults.defaultHint;
  }
}

/**
 * The API key is missing, unknown, revoked or regenerated (HTTP 401, `#247`, `#93`).
 * @example
 * ```ts
 * if (e instanceof AuthError) console.error(e.hint); // regenerate the key, then `fichier key set`
 * ```
 */
export class AuthError extends FichierError {
  static override defaultHint =
    "Regenerate the API key at https://1fichier.com/console/params.pl (Parameters), then run `fichier key set`.";
  override name = "AuthError";
}

/**
 * The account lacks the offer the call needs (`#200` "Must be a customer", VPN/CDN texts).
 * @example
 * ```ts
 * if (e instanceof EntitlementError) console.error("premium needed:", e.hint);
 * ```
 */
export class EntitlementError extends FichierError {
  static override defaultHint =
    "This needs a Premium or Access offer (or CDN credits / GOLD from a VPN or datacenter IP): see https://1fichier.com/network.html.";
  override name = "EntitlementError";
}

/**
 * 1fichier's flood protection locked the key or IP (`#374`, `#412`, `#38`, "User/IP Locked").
 * `unlockAt` is when calls may resume (ms since epoch); the default hint names it.
 * @example
 * ```ts
 * if (e instanceof FloodError) console.error(`locked until ${new Date(e.unlockAt).toISOString()}`);
 * ```
 */
export class FloodError extends FichierError {
  static override defaultRetryable = true;
  override name = "FloodError";
  readonly unlockAt: number;
  constructor(message: string, init: FichierErrorInit & { unlockAt: number }) {
    const hint = `Wait until ${new Date(init.unlockAt).toISOString()} before calling again, and run fewer commands at once with this key.`;
    super(message, { ...init, hint: init.hint ?? hint });
    this.unlockAt = init.unlockAt;
  }
}

/**
 * The account is locked (`#649` "Owner locked") or used from several places at once (`#887`).
 * @example
 * ```ts
 * if (e instanceof AccountLockedError) console.error(e.hint);
 * ```
 */
export class AccountLockedError extends FichierError {
  static override defaultHint =
    "The account is locked: stop using it from several IPs at once, wait a few minutes, and contact 1fichier support if it persists.";
  override name = "AccountLockedError";
}

/**
 * The file or folder does not exist (`#469`, `#9001`), or a share hash was given where a folder id is needed.
 * @example
 * ```ts
 * if (e instanceof NotFoundError) console.error("gone:", e.message);
 * ```
 */
export class NotFoundError extends FichierError {
  static override defaultHint =
    "Check the URL or folder id with `fichier ls`; a https://1fichier.com/dir/abc123 URL is a share hash, not a folder id.";
  override name = "NotFoundError";
}

/**
 * The resource belongs to someone else, or needs a (correct) password (`#631`).
 * @example
 * ```ts
 * if (e instanceof NotAllowedError) await client.files.info({ url, password: await ask() });
 * ```
 */
export class NotAllowedError extends FichierError {
  static override defaultHint =
    "The file is private, restricted or password-protected: pass the right password (--password) or use the owner's key.";
  override name = "NotAllowedError";
}

/**
 * A name 1fichier refuses (`#9004`), or one the client cannot encode (spec §5).
 * @example
 * ```ts
 * if (e instanceof InvalidNameError) console.error(e.hint);
 * ```
 */
export class InvalidNameError extends FichierError {
  static override defaultHint = "Rename it: at most 250 characters, and not empty, `.` or `..`.";
  override name = "InvalidNameError";
}

/**
 * A string that is not a usable 1fichier file URL, share URL or folder id (client-side check).
 * @example
 * ```ts
 * try { parseFileUrl("nope"); } catch (e) { if (e instanceof InvalidUrlError) console.error(e.hint); }
 * ```
 */
export class InvalidUrlError extends FichierError {
  static override defaultHint = "Give a URL like https://1fichier.com/?abcdefghij0123456789.";
  override name = "InvalidUrlError";
}

/**
 * A logical refusal that retrying cannot fix: folder already exists (`#9002`), folder not empty (`#9003`),
 * rename that changes nothing (`#312`).
 * @example
 * ```ts
 * if (e instanceof ConflictError && e.code === 9002) {} // folder exists already
 * ```
 */
export class ConflictError extends FichierError {
  static override defaultHint = "Check the current state with `fichier ls` and adjust the request.";
  override name = "ConflictError";
}

/**
 * The request was malformed (`#9005`, HTTP 400): a client bug or an API change.
 * @example
 * ```ts
 * if (e instanceof BadRequestError) reportBug(e);
 * ```
 */
export class BadRequestError extends FichierError {
  static override defaultHint = "This is probably a fichier bug: report it with the output of --debug.";
  override name = "BadRequestError";
}

/**
 * 1fichier had trouble (HTTP 5xx, maintenance page, `#42` "Error on request"), or sent an answer fichier
 * refuses to read (over its size cap; an upload node outside 1fichier).
 * @example
 * ```ts
 * if (e instanceof ServerError) console.error("try later:", e.hint);
 * ```
 */
export class ServerError extends FichierError {
  static override defaultRetryable = true;
  static override defaultHint = "1fichier is having trouble: try again in a few minutes.";
  override name = "ServerError";
}

/**
 * HTML arrived where JSON was expected (spec §7.4: `end.pl` before the upload is processed; block pages).
 * Retryable: the caller polls.
 * @example
 * ```ts
 * if (e instanceof HtmlResponseError) await sleep(2000); // then poll upload.finish again
 * ```
 */
export class HtmlResponseError extends FichierError {
  static override defaultRetryable = true;
  static override defaultHint = "1fichier answered a web page instead of JSON: wait a little and try again.";
  override name = "HtmlResponseError";
}

/**
 * The connection failed (DNS, refused, reset, TLS, proxy).
 * @example
 * ```ts
 * if (e instanceof NetworkError) console.error(e.hint);
 * ```
 */
export class NetworkError extends FichierError {
  static override defaultRetryable = true;
  static override defaultHint =
    "Check the network connection and the proxy settings (the HTTPS_PROXY, HTTP_PROXY and NO_PROXY environment variables, or the library's proxy option).";
  override name = "NetworkError";
}

/**
 * No answer in time: no headers within the idle timeout, a body that stalled, or an answer not complete
 * within the per-call deadline.
 * @example
 * ```ts
 * if (e instanceof TimeoutError) console.error(e.hint);
 * ```
 */
export class TimeoutError extends FichierError {
  static override defaultRetryable = true;
  static override defaultHint = "1fichier did not answer in time: try again later.";
  override name = "TimeoutError";
}

/**
 * The operation was aborted by the caller's AbortSignal.
 * @example
 * ```ts
 * const ac = new AbortController(); ac.abort();
 * await client.user.info({ signal: ac.signal }).catch((e) => e instanceof AbortedError);
 * ```
 */
export class AbortedError extends FichierError {
  static override defaultHint = "The operation was cancelled.";
  override name = "AbortedError";
  constructor(message = "Operation aborted", init: FichierErrorInit = {}) {
    super(message, init);
  }
}

/**
 * True when `e` is any fichier error (or a given subclass).
 * @example
 * ```ts
 * if (isFichierError(e) && e.retryable) retryLater();
 * ```
 */
export function isFichierError(e: unknown): e is FichierError {
  return e instanceof FichierError;
}

/** @example `if (isAuthError(e)) console.error(e.hint)` */
export const isAuthError = (e: unknown): e is AuthError => e instanceof AuthError;
/** @example `if (isEntitlementError(e)) console.error(e.hint)` */
export const isEntitlementError = (e: unknown): e is EntitlementError => e instanceof EntitlementError;
/** @example `if (isFloodError(e)) console.error(e.unlockAt)` */
export const isFloodError = (e: unknown): e is FloodError => e instanceof FloodError;
/** @example `if (isAccountLockedError(e)) console.error(e.hint)` */
export const isAccountLockedError = (e: unknown): e is AccountLockedError => e instanceof AccountLockedError;
/** @example `if (isNotFoundError(e)) console.error(e.hint)` */
export const isNotFoundError = (e: unknown): e is NotFoundError => e instanceof NotFoundError;
/** @example `if (isNotAllowedError(e)) askPassword()` */
export const isNotAllowedError = (e: unknown): e is NotAllowedError => e instanceof NotAllowedError;
/** @example `if (isInvalidNameError(e)) console.error(e.hint)` */
export const isInvalidNameError = (e: unknown): e is InvalidNameError => e instanceof InvalidNameError;
/** @example `if (isInvalidUrlError(e)) console.error(e.hint)` */
export const isInvalidUrlError = (e: unknown): e is InvalidUrlError => e instanceof InvalidUrlError;
/** @example `if (isConflictError(e)) console.error(e.hint)` */
export const isConflictError = (e: unknown): e is ConflictError => e instanceof ConflictError;
/** @example `if (isServerError(e)) retryLater()` */
export const isServerError = (e: unknown): e is ServerError => e instanceof ServerError;
/** @example `if (isHtmlResponseError(e)) poll()` */
export const isHtmlResponseError = (e: unknown): e is HtmlResponseError => e instanceof HtmlResponseError;
/** @example `if (isNetworkError(e)) checkProxy()` */
export const isNetworkError = (e: unknown): e is NetworkError => e instanceof NetworkError;
/** @example `if (isTimeoutError(e)) retryLater()` */
export const isTimeoutError = (e: unknown): e is TimeoutError => e instanceof TimeoutError;
/** @example `if (isAbortedError(e)) return` */
export const isAbortedError = (e: unknown): e is AbortedError => e instanceof AbortedError;

// ---------------------------------------------------------------------------------------------------------
// The decision table (pure).

/** Everything known about a failed answer, as the transport saw it. */
export interface FailedAnswer {
  endpoint: string;
  httpStatus: number;
  /** KO `message` from a JSON body, if any. */
  message?: string;
  /** Raw body text when it was not JSON (HTML or text), first few KB. */
  bodyText?: string;
  /** True when the body looked like HTML. */
  html?: boolean;
  /** `Retry-After` header value, if present. */
  retryAfter?: string | null;
  /** Clock reading (ms since epoch), for `FloodError.unlockAt`. */
  now: number;
  /** Default flood lock duration when the answer gives none; spec §2.2: rclone sleeps 30 s. */
  defaultLockMs?: number;
}

/** Extracts 1fichier's `#NNN` code; spec §10: accept more than 3 digits. */
export function extractCode(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /#(\d{1,6})\b/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Unlock delay announced in a text such as "Will be unlocked within 1h." or "... in 5 minutes". */
function announcedUnlockMs(text: string): number | undefined {
  const m = /unlocked\s+(?:within|in)\s+(\d+)\s*(h|hours?|m|min|minutes?|s|sec|seconds?)\b/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? "s").toLowerCase();
  if (unit.startsWith("h")) return n * 3_600_000;
  if (unit.startsWith("m")) return n * 60_000;
  return n * 1000;
}

/** "Please come back after 20 minutes" (spec §8, maintenance page). */
function comeBackMs(text: string): number | undefined {
  const m = /come back after\s+(\d+)\s*(h|hours?|m|min|minutes?)\b/i.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * ((m[2] ?? "m").toLowerCase().startsWith("h") ? 3_600_000 : 60_000);
}

const FLOOD_CODES = new Set([374, 412, 38]);
const AUTH_CODES = new Set([247, 93]);
const LOCKED_CODES = new Set([649, 887, 186]);
const NOT_FOUND_CODES = new Set([469, 9001]);
const CONFLICT_CODES = new Set([312, 9002, 9003]);

/** Short, key-free excerpt of a body for messages. */
function excerpt(text: string, withHead = false): string {
  // The <title> usually repeats the first heading ("Maintenance Maintenance ..."): the message drops the
  // head; the #code search keeps it, in case the code is only there.
  const plain = (withHead ? text : text.replace(/<head[\s\S]*?<\/head>/gi, " "))
    .replace(/<script[\s\S]*?<\/script>/gi, " ")
    .replace(/<style[\s\S]*?<\/style>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > 160 ? `${plain.slice(0, 157)}...` : plain;
}

/**
 * Maps a failed answer to the right error class. Pure: the same input always gives the same error.
 * Order: the `#code` (from the JSON message or the HTML text), then known message texts, then the HTTP
 * status together with the body's nature. DECISIONS.md: never status alone when a code is present.
 *
 * @example
 * ```ts
 * classifyFailure({ endpoint: "file/info.cgi", httpStatus: 404, message: "Resource not found #469", now: Date.now() });
 * // -> NotFoundError { code: 469, retryable: false }
 * ```
 */
export function classifyFailure(a: FailedAnswer): FichierError {
  const text = a.message ?? (a.bodyText ? excerpt(a.bodyText) : "");
  const code = extractCode(a.message) ?? (a.bodyText ? extractCode(excerpt(a.bodyText, true)) : undefined);
  const base: FichierErrorInit = { endpoint: a.endpoint, httpStatus: a.httpStatus };
  if (code !== undefined) base.code = code;
  const retryAfterMs = parseRetryAfter(a.retryAfter, a.now);
  if (retryAfterMs !== undefined) base.retryAfterMs = retryAfterMs;
  const what = text ? `${a.endpoint}: ${text}` : `${a.endpoint}: HTTP ${a.httpStatus}`;
  const lockMs = () =>
    Math.min(
      MAX_ANNOUNCED_MS,
      parseRetryAfter(a.retryAfter, a.now) ?? announcedUnlockMs(text) ?? a.defaultLockMs ?? 30_000,
    );

  // 1. The #code.
  if (code !== undefined) {
    if (AUTH_CODES.has(code)) return new AuthError(what, base);
    if (FLOOD_CODES.has(code)) return new FloodError(what, { ...base, unlockAt: a.now + lockMs() });
    if (code === 200) return new EntitlementError(what, base);
    if (LOCKED_CODES.has(code)) {
      const hint =
        code === 887
          ? "The account was used from another IP a moment ago: use one location at a time and wait 5 minutes."
          : code === 186
            ? "Your IP looks blocked by 1fichier: wait, or use another connection; contact support if it persists."
            : undefined;
      return new AccountLockedError(what, hint ? { ...base, hint } : base);
    }
    if (NOT_FOUND_CODES.has(code)) {
      const hint =
        code === 9001
          ? "Unknown folder id: list folders with `fichier ls`; a https://1fichier.com/dir/abc123 URL is a share hash, not a folder id."
          : undefined;
      return new NotFoundError(what, hint ? { ...base, hint } : base);
    }
    if (code === 631) return new NotAllowedError(what, base);
    if (code === 9004) return new InvalidNameError(what, base);
    if (CONFLICT_CODES.has(code)) {
      const hint =
        code === 9002
          ? "A folder with this name already exists there: use it, or pick another name."
          : code === 9003
            ? "The folder is not empty (or is the root): remove its content first."
            : code === 312
              ? "Nothing was renamed: the new name is probably the current one."
              : undefined;
      return new ConflictError(what, hint ? { ...base, hint } : base);
    }
    if (code === 9005) return new BadRequestError(what, base);
    if (code === 42) return new ServerError(what, base);
  }

  // 2. Known texts without a (known) code; spec §2.1 and §8 (JD patterns).
  if (/Flood detected|(?:User|User APK|IP) Locked/i.test(text)) {
    return new FloodError(what, { ...base, unlockAt: a.now + lockMs() });
  }
  if (/No such user/i.test(text) || /Not authenticated/i.test(text)) return new AuthError(what, base);
  if (
    /Must be a customer|professional equipment|must have CDN|Premium status (?:must not|is only)/i.test(text)
  ) {
    return new EntitlementError(what, base);
  }
  if (/Owner locked|locations? allowed at a time/i.test(text)) return new AccountLockedError(what, base);
  if (/Invalid password|Password not provided|Resource not allowed/i.test(text)) {
    return new NotAllowedError(what, base);
  }
  if (/Resource not found/i.test(text)) return new NotFoundError(what, base);
  if (/in maintenance|Software error|Error on request/i.test(text)) {
    const back = base.retryAfterMs ?? comeBackMs(text);
    const when = back !== undefined ? `in ${Math.max(1, Math.round(back / 60_000))} minutes` : "later";
    return new ServerError(what, {
      ...base,
      hint: `1fichier is in maintenance or failing: try again ${when}.`,
    });
  }

  // 3. HTTP status, with the body's nature.
  const s = a.httpStatus;
  if (s === 401) return new AuthError(what, base);
  if (s === 429) return new FloodError(what, { ...base, unlockAt: a.now + lockMs() });
  if (s >= 500) return new ServerError(what, base);
  if (s === 404) return new NotFoundError(what, base);
  if (s === 400) return new BadRequestError(what, base);
  if (a.html || (a.bodyText !== undefined && a.message === undefined)) {
    // spec §8: a non-JSON 403 is a WAF/block page; JD treats it as an IP block.
    if (s === 403) return new FloodError(what, { ...base, unlockAt: a.now + lockMs() });
    return new HtmlResponseError(
      `${a.endpoint}: expected JSON, got a web page (HTTP ${s})${text ? `: ${text}` : ""}`,
      base,
    );
  }
  if (s === 403) return new NotAllowedError(what, base);
  return new FichierError(what, { ...base, retryable: false });
}

/**
 * Whether the governor may retry this error on its own (pure). Flood errors are "retryable" after the lock.
 * @example
 * ```ts
 * shouldRetry(new ServerError("x")); // true
 * ```
 */
export function shouldRetry(e: unknown): e is FichierError {
  return e instanceof FichierError && e.retryable && !(e instanceof AbortedError);
}
