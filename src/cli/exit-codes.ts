/**
 * Exit codes of the `fichier` command and the pure mapping from a thrown error to a code and a one-line message.
 * Documented in README.md and docs/cli.md; scripts rely on them, so never renumber.
 *
 * Classification is by class (`instanceof`), most specific first: a subclass nobody listed inherits the code of
 * its nearest listed ancestor.
 */
import { CommanderError } from "commander";
import {
  AccountLockedError,
  AuthError,
  EntitlementError,
  FichierError,
  FloodError,
  HtmlResponseError,
  InvalidNameError,
  InvalidUrlError,
  NetworkError,
  NotFoundError,
  ServerError,
  TimeoutError,
} from "../api/errors.js";
import { KeyError } from "../keys/errors.js";
import { NotIndexedError, WrongKindError } from "../remote-index/errors.js";
import { FilterError } from "../sync/filter.js";
import { ChecksumMismatchError } from "../transfer/errors.js";
import { CliError, PartialSuccessError, UsageError } from "./errors.js";
import { escapeControls } from "./escape.js";
import { formatClock, rfc3339 } from "./time.js";

export const ExitCode = {
  ok: 0,
  other: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  entitlement: 5,
  rateLimited: 6,
  network: 7,
  checksum: 8,
  partial: 9,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Signals the command stops on, with their numbers (the exit code is 128 + the number, as shells report). */
export const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
export type StopSignal = keyof typeof SIGNAL_NUMBERS;

/**
 * The exit code of a run stopped by a signal: 128 + its number (gh, rclone and shells agree).
 *
 * @example
 * signalExitCode("SIGINT"); // 130
 * signalExitCode("SIGTERM"); // 143
 */
export function signalExitCode(signal: StopSignal): number {
  return 128 + SIGNAL_NUMBERS[signal];
}

/** An error class (any constructor works with `instanceof`). */
type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Error class -> exit code, checked in order: a subclass comes before its parent (ChecksumMismatchError is a
 * FichierError; FichierError itself falls back on its HTTP status below).
 */
const BY_CLASS: readonly (readonly [ErrorClass, ExitCodeValue])[] = [
  [UsageError, ExitCode.usage],
  // A reference naming the wrong kind of thing (a path through a file): the argument must change (docs/index.md).
  [WrongKindError, ExitCode.usage],
  // A malformed sync filter rule (file and line in the message).
  [FilterError, ExitCode.usage],
  // `--cached` met a folder never listed: the index does not know, like a path that is not there.
  [NotIndexedError, ExitCode.notFound],
  [InvalidNameError, ExitCode.usage],
  [InvalidUrlError, ExitCode.usage],
  [NotFoundError, ExitCode.notFound],
  [AuthError, ExitCode.auth],
  [EntitlementError, ExitCode.entitlement],
  [FloodError, ExitCode.rateLimited],
  [AccountLockedError, ExitCode.rateLimited],
  [ServerError, ExitCode.network],
  [HtmlResponseError, ExitCode.network],
  [NetworkError, ExitCode.network],
  [TimeoutError, ExitCode.network],
  [ChecksumMismatchError, ExitCode.checksum],
  [PartialSuccessError, ExitCode.partial],
];

/** Node system error codes that mean the network failed (when a raw error escapes the client). */
const NETWORK_ERRNO = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** A FichierError of no more specific class: its HTTP status decides (spec §8, DECISIONS.md "Errors"). */
function byHttpStatus(status: number | undefined): ExitCodeValue {
  if (status === 401) return ExitCode.auth;
  if (status === 404) return ExitCode.notFound;
  if (status === 429) return ExitCode.rateLimited;
  if (status !== undefined && status >= 500) return ExitCode.network;
  return ExitCode.other;
}

/**
 * The exit code for a thrown value.
 *
 * @example
 * exitCodeFor(new UsageError("bad")); // 2
 * exitCodeFor(new FloodError("Flood detected #374", { code: 374 })); // 6
 */
export function exitCodeFor(e: unknown): number {
  // commander reports --help/--version as errors with exit code 0.
  if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  // Errors that carry their own code: the CLI's CliError and the key library's KeyError family.
  if (e instanceof CliError || e instanceof KeyError) return e.exitCode;
  for (const [cls, code] of BY_CLASS) if (e instanceof cls) return code;
  if (e instanceof FichierError) return byHttpStatus(e.httpStatus);
  const errno = (e as { code?: unknown } | null)?.code;
  if (typeof errno === "string" && NETWORK_ERRNO.has(errno)) return ExitCode.network;
  return ExitCode.other;
}

/** Fields read from an error to build its line; every one optional. */
interface ErrorLike {
  message?: unknown;
  hint?: unknown;
  code?: unknown;
  unlockAt?: unknown;
  cause?: unknown;
  stack?: unknown;
}

function sentence(s: string): string {
  // Runs of spaces folded; a line break stays, to be escaped in the human line (it may be a remote name's).
  const t = s.trim().replace(/[ \t]+/g, " ");
  if (t === "") return t;
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * "14:03:20 (in 25 s)" for an unlock time, relative to `now` (local time; the date too when not today).
 *
 * @example
 * formatUnlock(Date.now() + 25_000, Date.now()); // "14:03:20 (in 25 s)"
 */
function formatUnlock(unlockAt: number, now: number): string {
  const secs = Math.max(0, Math.ceil((unlockAt - now) / 1000));
  return `${formatClock(unlockAt, now)} (in ${secs} s)`;
}

/** The parts of an error's line: cause, unlock time, hint and 1fichier `#code`, each cleaned up. */
interface ErrorParts {
  /** The cause as a sentence, without the service's trailing `#N`. */
  message: string;
  /** The hint (the fix) as a sentence ("" when none). */
  hint: string;
  /** The 1fichier error code, when the error or its text gave one. */
  code?: number;
  /** When a lock ends (ms since the epoch), for flood and account locks. */
  unlockAt?: number;
}

function errorParts(e: unknown): ErrorParts {
  if (typeof e !== "object" || e === null) return { message: sentence(String(e)), hint: "" };
  const err = e as ErrorLike;
  let message = typeof err.message === "string" && err.message !== "" ? err.message : String(e);
  // commander prefixes its messages with "error: " and puts the suggestion on a second line (its own text).
  message = message.replace(/^error:\s*/i, "");
  if (e instanceof CommanderError) message = message.replace(/\n+/g, " ");
  let code: number | undefined;
  if (typeof err.code === "number") code = err.code;
  // The service's text usually ends with its "#N"; show it once, at the end.
  const trailing = /\s*#(\d+)\s*$/.exec(message);
  if (trailing) {
    message = message.slice(0, trailing.index);
    code ??= Number(trailing[1]);
  }
  // Every fichier error names its fix in `hint`.
  const rawHint = (typeof err.hint === "string" ? err.hint : "").trim();
  const parts: ErrorParts = {
    message: sentence(message),
    hint: rawHint === "" ? "" : sentence(rawHint.charAt(0).toUpperCase() + rawHint.slice(1)),
  };
  if (code !== undefined) parts.code = code;
  if (typeof err.unlockAt === "number" && Number.isFinite(err.unlockAt) && err.unlockAt > 0) {
    parts.unlockAt = err.unlockAt;
  }
  return parts;
}

/** The stack and the chain of causes, for `--debug`. */
function debugDetail(e: unknown): string {
  if (typeof e !== "object" || e === null) return "";
  const err = e as ErrorLike;
  let detail = typeof err.stack === "string" ? err.stack : "";
  let cause = err.cause;
  for (let i = 0; cause && i < 5; i++) {
    const c = cause as ErrorLike;
    detail += `\ncaused by: ${typeof c.stack === "string" ? c.stack : String(c.message ?? cause)}`;
    cause = c.cause;
  }
  return detail.replace(/^\n/, "");
}

/**
 * The one line printed on stderr for an error: `fichier: <cause>. <fix> (#code)`, control characters escaped
 * (`escape.ts`). With `debug`, the stack and the chain of causes follow on the next lines. The caller redacts
 * the result.
 *
 * @example
 * formatErrorLine(Object.assign(new Error("Resource not found #469"), { hint: "check the URL", code: 469 }), {});
 * // "fichier: Resource not found. Check the URL. (#469)"
 */
export function formatErrorLine(e: unknown, opts: { debug?: boolean; now?: number }): string {
  const p = errorParts(e);
  let line = `fichier: ${p.message}`;
  if (p.unlockAt !== undefined) line += ` Locked until ${formatUnlock(p.unlockAt, opts.now ?? Date.now())}.`;
  if (p.hint !== "") line += ` ${p.hint}`;
  if (p.code !== undefined) line += ` (#${p.code})`;
  // The message may quote a server's text or a remote name: one line that cannot drive the terminal.
  line = escapeControls(line);
  if (opts.debug) {
    const detail = debugDetail(e);
    if (detail !== "") line += `\n${detail}`;
  }
  return line;
}

/**
 * The closing stderr line of a failed run under `--json`: one object, the same parts as
 * {@link formatErrorLine} as fields (`hint` and `code` only when known, `unlockAt` as an ISO date, `stack`
 * only with `debug`). The caller serialises and redacts it.
 *
 * @example
 * errorEvent(Object.assign(new Error("Resource not found #469"), { hint: "check the URL" }), { exit: 3 });
 * // { type: "error", message: "Resource not found.", hint: "Check the URL.", code: 469, exit: 3 }
 */
export function errorEvent(
  e: unknown,
  opts: { exit: number; debug?: boolean; signal?: string },
): { type: "error"; message: string; exit: number } & Record<string, unknown> {
  const p = errorParts(e);
  const detail = opts.debug ? debugDetail(e) : "";
  return {
    type: "error",
    message: p.message,
    ...(p.hint !== "" ? { hint: p.hint } : {}),
    ...(p.code !== undefined ? { code: p.code } : {}),
    ...(p.unlockAt !== undefined ? { unlockAt: rfc3339(p.unlockAt) } : {}),
    exit: opts.exit,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(detail !== "" ? { stack: detail } : {}),
  };
}
