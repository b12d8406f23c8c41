// Errors of the key lifecycle. Each carries the one-line cause (message), the fix (`hint`, the word every
// fichier error uses), and the exit code the CLI
// maps it to (src/cli/exit-codes.ts: 1 other, 2 usage, 4 invalid/missing key). No message ever contains a key.

/**
 * Base class of every key-lifecycle error: `message` is the cause, `hint` what to do, `exitCode` the CLI code.
 *
 * @example
 * try { await resolveApiKey({ warn }) } catch (e) { if (e instanceof KeyError) console.error(e.message, e.hint) }
 */
export class KeyError extends Error {
  override name = "KeyError";
  readonly hint: string;
  readonly exitCode: number;
  constructor(message: string, hint: string, exitCode = 4, options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

/**
 * No key anywhere: the message names every source tried, the fix every way to provide one.
 *
 * @example
 * throw new MissingKeyError("default");
 */
export class MissingKeyError extends KeyError {
  override name = "MissingKeyError";
  constructor(profile: string, detail?: string) {
    super(
      `no 1fichier API key found for profile "${profile}"${detail ? ` (${detail})` : ""}`,
      "create one at https://1fichier.com/console/params.pl (Get my API key), then run `fichier key set` " +
        "(stores it in the OS keychain, or an encrypted file with FICHIER_PASSPHRASE), " +
        "or set FICHIER_API_KEY, or pipe it with --api-key-stdin",
    );
  }
}

/**
 * The key does not have the 1fichier shape (32 characters of `[A-Za-z0-9_=-]`, spec §1.7).
 *
 * @example
 * throw new InvalidKeyFormatError("31 characters");
 */
export class InvalidKeyFormatError extends KeyError {
  override name = "InvalidKeyFormatError";
  constructor(detail: string) {
    super(
      `this is not a 1fichier API key: ${detail}; a key is 32 characters of A-Z, a-z, 0-9, _, = and -`,
      "copy the whole key from https://1fichier.com/console/params.pl (no spaces or quotes) and try again",
    );
  }
}

/**
 * The encrypted key file could not be opened with this passphrase (or its KDF parameters were altered).
 *
 * @example
 * throw new WrongPassphraseError("/home/me/.config/fichier/keys/default.enc");
 */
export class WrongPassphraseError extends KeyError {
  override name = "WrongPassphraseError";
  constructor(file: string) {
    super(
      `wrong passphrase for the encrypted key file ${file}`,
      "set FICHIER_PASSPHRASE to the passphrase used by `fichier key set` (or type it at the prompt); " +
        "if it is lost, run `fichier key forget` then `fichier key set`",
    );
  }
}

/**
 * The encrypted key file was modified after it was written (authentication tag mismatch or broken structure).
 *
 * @example
 * throw new TamperedKeyFileError("/home/me/.config/fichier/keys/default.enc", "authentication tag mismatch");
 */
export class TamperedKeyFileError extends KeyError {
  override name = "TamperedKeyFileError";
  constructor(file: string, detail: string) {
    super(
      `the encrypted key file ${file} was altered or damaged (${detail}); it was not used`,
      "run `fichier key forget` then `fichier key set` to store the key again, and check who can write to that folder",
    );
  }
}

/**
 * A `.env` holding the key is tracked by git, or not ignored: it would be committed.
 *
 * @example
 * throw new UnsafeDotenvError("/repo/.env", "tracked");
 */
export class UnsafeDotenvError extends KeyError {
  override name = "UnsafeDotenvError";
  constructor(file: string, state: "tracked" | "not-ignored" | "no-git") {
    const why =
      state === "tracked"
        ? "is tracked by git, so the key is (or will be) in the repository"
        : state === "not-ignored"
          ? "is not ignored by git, so the key could be committed"
          : "is not inside a git work tree, so git cannot confirm it is ignored";
    const fix =
      state === "tracked"
        ? "run `git rm --cached .env && echo .env >> .gitignore`, regenerate the key in the console " +
          "(it may already be in your history; `fichier key scan --history`), then `fichier key set`"
        : state === "not-ignored"
          ? "run `echo .env >> .gitignore`, or better `fichier key set` and delete the key from .env"
          : "use `fichier key set` (keychain or encrypted file) or FICHIER_API_KEY instead of .env";
    super(`refusing the key in ${file}: it ${why}`, fix);
  }
}

/**
 * Neither a keychain nor a passphrase is available to store the key: never fall back to plaintext.
 *
 * @example
 * throw new NoSecureStoreError("Secret Service not available");
 */
export class NoSecureStoreError extends KeyError {
  override name = "NoSecureStoreError";
  constructor(detail: string) {
    super(
      `no secure place to store the key: no OS keychain (${detail}) and no passphrase for the encrypted file`,
      "choose one: set FICHIER_PASSPHRASE (or run in a terminal to type one) to use the encrypted file; " +
        "start a Secret Service (gnome-keyring, KeePassXC) for the keychain; " +
        "or skip storing and pass FICHIER_API_KEY / --api-key-stdin to each command",
      1,
    );
  }
}

/**
 * A keychain operation failed (locked keychain, denied access, no Secret Service). `detail` is the cause alone.
 *
 * @example
 * throw new KeychainError("read", new Error("No such interface"));
 */
export class KeychainError extends KeyError {
  override name = "KeychainError";
  readonly detail: string;
  /** `action`: "read", "store", "delete", or "probe" (is the keychain usable at all). */
  constructor(action: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      action === "probe"
        ? `the OS keychain is not usable (${detail})`
        : `the OS keychain could not ${action} the key (${detail})`,
      "unlock the keychain (or start a Secret Service), or use `fichier key set --store file` with FICHIER_PASSPHRASE",
      1,
      { cause },
    );
    this.detail = detail;
  }
}
