/**
 * What a command asks the user: passwords (given as a value, typed at a hidden prompt, or read from stdin)
 * and the confirmation of a deletion. Shared by every command that needs them.
 */
import { registerSecret } from "../redact.js";
import type { CliContext } from "./context.js";
import { CliError, UsageError } from "./errors.js";

/**
 * A password given as `--password VALUE`, or asked (terminal) / read from stdin (pipe) for a bare `--password`.
 * Registered with the redactor either way.
 *
 * @example
 * const password = await readPassword(ctx, opts.password); // undefined without --password
 */
export async function readPassword(
  ctx: CliContext,
  opt: string | boolean | undefined,
): Promise<string | undefined> {
  if (opt === undefined || opt === false) return undefined;
  let value: string;
  if (typeof opt === "string") value = opt;
  else if (ctx.stdin.isTTY) value = await ctx.stdin.promptHidden("Password: ");
  else value = (await ctx.stdin.readAll()).replace(/\r?\n$/, "");
  if (value === "") {
    // Going on would upload an unprotected file, or ask for a protected one with no password.
    // Worded so that no word follows "--password": the redactor masks what follows it.
    throw new UsageError(
      "the password read is empty (option --password)",
      "pipe it on stdin or type it at the prompt, or leave out --password",
    );
  }
  registerSecret(value);
  return value;
}

/** Shortest password 1fichier accepts on a file or a share (spec §7.12, §7.15, §12). */
export const MIN_PASSWORD_LENGTH = 6;

/**
 * Reads a password being SET (`attr --password`, `share --password`) and refuses one the service would refuse,
 * before any call: 1fichier wants at least 6 characters.
 *
 * @example
 * const password = await readNewPassword(ctx, opts.password); // UsageError for "abc"
 */
export async function readNewPassword(
  ctx: CliContext,
  opt: string | boolean | undefined,
): Promise<string | undefined> {
  const value = await readPassword(ctx, opt);
  if (value !== undefined && value.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(
      `the password is ${value.length} character${value.length === 1 ? "" : "s"} long; 1fichier needs at least ${MIN_PASSWORD_LENGTH}`,
      "choose a longer password",
    );
  }
  return value;
}

/**
 * The confirmation rule: `--yes` skips it; on a terminal the user is asked; otherwise it is a usage error
 * (exit 2), since a script must say `--yes` explicitly.
 *
 * @example
 * await confirmOrThrow(ctx, opts.yes === true, "Delete 3 files?", "deleting 3 files");
 */
export async function confirmOrThrow(
  ctx: CliContext,
  yes: boolean,
  question: string,
  what: string,
): Promise<void> {
  if (yes) return;
  if (!ctx.stdin.isTTY) {
    throw new UsageError(`${what} needs a confirmation and stdin is not a terminal`, "pass --yes to confirm");
  }
  if (!(await ctx.stdin.confirm(question)))
    throw new CliError("cancelled: nothing was deleted", "answer y to confirm");
}
