/**
 * Errors raised by the command layer itself. Errors from the client (`src/api/errors.ts`), the key library and the
 * transfer layer are thrown as they are; `src/cli/exit-codes.ts` maps every one of them to an exit code.
 */

/**
 * The command line was wrong: unknown option value, missing argument, incompatible flags, or a confirmation that
 * could not be asked because stdin is not a terminal. Exit code 2.
 *
 * @example
 * throw new UsageError("rmdir -r needs a confirmation", "pass --yes to delete without asking");
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** What to do instead, printed after the cause. */
  readonly hint: string;
  constructor(message: string, hint = "run the command with --help to see its usage") {
    super(message);
    this.hint = hint;
  }
}

/** One item of a batch that failed, as reported by {@link PartialSuccessError} and in `--json` output. */
export interface FailedItem {
  item: string;
  error: string;
  code?: number;
}

/**
 * Some items of a batch succeeded and some failed. Exit code 9. The command has already printed its result
 * (with `--json`, including the `failed` list); this error only produces the closing stderr line and the code.
 *
 * @example
 * throw new PartialSuccessError(2, 5, [{ item: "/a.txt", error: "Resource not found" }]);
 */
export class PartialSuccessError extends Error {
  override readonly name = "PartialSuccessError";
  readonly hint: string;
  readonly failed: FailedItem[];
  readonly succeeded: number;
  constructor(succeeded: number, total: number, failed: FailedItem[]) {
    super(`${failed.length} of ${total} items failed`);
    this.succeeded = succeeded;
    this.failed = failed;
    this.hint = "see the lines above (or the `failed` list of --json) and retry those items";
  }
}

/**
 * A local condition that is neither a usage error nor a service error (e.g. a player that is not installed).
 * Carries its own exit code (1 unless told).
 *
 * @example
 * throw new CliError("mpv is not installed", "install it or pass --player vlc");
 */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly hint: string;
  readonly exitCode: number;
  constructor(message: string, hint: string, exitCode = 1) {
    super(message);
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

/**
 * The same error with the fix that fits where it was met: a command knows better than the client what to do
 * about a "not found" from `remote/info.cgi` (an unknown job id, not a folder id). The class (and so the exit
 * code), message and `#code` stay.
 *
 * @example
 * throw withHint(e, "list the jobs with `fichier remote ls`");
 */
export function withHint<T extends object>(e: T, hint: string): T {
  // Every own property, `message` and `stack` included (they are not enumerable), on the same prototype.
  const copy = Object.create(Object.getPrototypeOf(e), Object.getOwnPropertyDescriptors(e));
  Object.defineProperty(copy, "hint", { value: hint, enumerable: true, writable: true, configurable: true });
  return copy;
}
