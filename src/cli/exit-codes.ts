/**
 * Exit codes of the `fichier` command and the pure mapping from a thrown error to a code and a one-line message.
 * Documented in README.md and docs/cli.md; scripts rely on them, so never renumber.
 *
 * Classification is by class name along the prototype chain rather than `instanceof`, so it stays pure (no import
 * of the client) and works even if two copies of a module end up loaded.
 */

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

/** Error class name -> exit code. Subclasses inherit the code of the nearest listed ancestor. */
const BY_CLASS: Record<string, ExitCodeValue> = {
  UsageError: ExitCode.usage,
  CommanderError: ExitCode.usage,
  InvalidNameError: ExitCode.usage,
  InvalidUrlError: ExitCode.usage,
  NotFoundError: ExitCode.notFound,
  AuthError: ExitCode.auth,
  MissingKeyError: ExitCode.auth,
  InvalidKeyError: ExitCode.auth,
  EntitlementError: ExitCode.entitlement,
  FloodError: ExitCode.rateLimited,
  AccountLockedError: ExitCode.rateLimited,
  ServerError: ExitCode.network,
  HtmlResponseError: ExitCode.network,
  NetworkError: ExitCode.network,
  TimeoutError: ExitCode.network,
  ChecksumMismatchError: ExitCode.checksum,
  PartialSuccessError: ExitCode.partial,
};

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

/** Names of the classes of `e`, most derived first (its own `name` property included). */
export function classNames(e: unknown): string[] {
  const names: string[] = [];
  if (typeof e !== "object" || e === null) return names;
  const own = (e as { name?: unknown }).name;
  if (typeof own === "string") names.push(own);
  for (let p = Object.getPrototypeOf(e); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const n = (p as { constructor?: { name?: string } }).constructor?.name;
    if (n && !names.includes(n)) names.push(n);
  }
  return names;
}

/**
 * The exit code for a thrown value.
 *
 * @example
 * exitCodeFor(new UsageError("bad")); // 2
 * exitCodeFor(Object.assign(new Error("x"), { name: "FloodError" })); // 6
 */
export function exitCodeFor(e: unknown): ExitCodeValue {
  if (typeof e !== "object" || e === null) return ExitCode.other;
  const withCode = e as { exitCode?: unknown; code?: unknown; httpStatus?: unknown };
  const names = classNames(e);
  // commander reports --help/--version as errors with exit code 0.
  if (names.includes("CommanderError")) {
    return withCode.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  // Errors that carry their own code: the CLI's CliError and the key library's KeyError family.
  if ((names.includes("CliError") || names.includes("KeyError")) && typeof withCode.exitCode === "number") {
    return withCode.exitCode as ExitCodeValue;
  }
  for (const n of names) {
    const code = BY_CLASS[n];
    if (code !== undefined) return code;
  }
  // A FichierError of no more specific class: fall back on the HTTP status (spec §8, DECISIONS.md "Errors").
  if (names.includes("FichierError") && typeof withCode.httpStatus === "number") {
    const s = withCode.httpStatus;
    if (s === 401) return ExitCode.auth;
    if (s === 404) return ExitCode.notFound;
    if (s === 429) return ExitCode.rateLimited;
    if (s >= 500) return ExitCode.network;
  }
  if (typeof withCode.code === "string" && NETWORK_ERRNO.has(withCode.code)) return ExitCode.network;
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
  const t = s.trim().replace(/\s+/g, " ");
  if (t === "") return t;
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** "14:03:20 (in 25 s)" for an unlock time, relative to `now`. */
export function formatUnlock(unlockAt: number, now: number): string {
  const d = new Date(unlockAt);
  const hh = String(d.getHours()).padStart(2, "0");
  const mm = String(d.getMinutes()).padStart(2, "0");
  const ss = String(d.getSeconds()).padStart(2, "0");
  const secs = Math.max(0, Math.ceil((unlockAt - now) / 1000));
  return `${hh}:${mm}:${ss} (in ${secs} s)`;
}

/** The parts of an error's line: cause, unlock time, fix and 1fichier `#code`, each cleaned up. */
interface ErrorParts {
  /** The cause as a sentence, without the service's trailing `#N`. */
  message: string;
  /** The fix as a sentence ("" when none). */
  fix: string;
  /** The 1fichier error code, when the error or its text gave one. */
  code?: number;
  /** When a lock ends (ms since the epoch), for flood and account locks. */
  unlockAt?: number;
}

function errorParts(e: unknown): ErrorParts {
  if (typeof e !== "object" || e === null) return { message: sentence(String(e)), fix: "" };
  const err = e as ErrorLike;
  let message = typeof err.message === "string" && err.message !== "" ? err.message : String(e);
  // commander prefixes its messages with "error: " and puts the suggestion on a second line.
  message = message.replace(/^error:\s*/i, "").replace(/\n+/g, " ");
  let code: number | undefined;
  if (typeof err.code === "number") code = err.code;
  // The service's text usually ends with its "#N"; show it once, at the end.
  const trailing = /\s*#(\d+)\s*$/.exec(message);
  if (trailing) {
    message = message.slice(0, trailing.index);
    code ??= Number(trailing[1]);
  }
  // Every fichier error names its fix in `hint`.
  const rawFix = (typeof err.hint === "string" ? err.hint : "").trim();
  const parts: ErrorParts = {
    message: sentence(message),
    fix: rawFix === "" ? "" : sentence(rawFix.charAt(0).toUpperCase() + rawFix.slice(1)),
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
 * The one line printed on stderr for an error: `fichier: <cause>. <fix> (#code)`. With `debug`, the stack and
 * the chain of causes follow on the next lines. The caller redacts the result.
 *
 * @example
 * formatErrorLine(Object.assign(new Error("Resource not found #469"), { hint: "check the URL", code: 469 }), {});
 * // "fichier: Resource not found. Check the URL. (#469)"
 */
export function formatErrorLine(e: unknown, opts: { debug?: boolean; now?: number }): string {
  const p = errorParts(e);
  let line = `fichier: ${p.message}`;
  if (p.unlockAt !== undefined) line += ` Locked until ${formatUnlock(p.unlockAt, opts.now ?? Date.now())}.`;
  if (p.fix !== "") line += ` ${p.fix}`;
  if (p.code !== undefined) line += ` (#${p.code})`;
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
    ...(p.fix !== "" ? { hint: p.fix } : {}),
    ...(p.code !== undefined ? { code: p.code } : {}),
    ...(p.unlockAt !== undefined ? { unlockAt: new Date(p.unlockAt).toISOString() } : {}),
    exit: opts.exit,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(detail !== "" ? { stack: detail } : {}),
  };
}
