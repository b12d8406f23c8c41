// Where the key comes from, in order (issue "Where the key comes from"):
//   1. --api-key-stdin (or --api-key VALUE, accepted with a warning)
//   2. FICHIER_API_KEY, then RCLONE_FICHIER_API_KEY
//   3. the OS keychain, 4. the encrypted file (whichever `key set` recorded for the profile)
//   5. `.env` in the current folder, only when git ignores it
// The resolved key is registered with the redactor at once, so no output path can print it afterwards.

import { KEY_LENGTH, looksLikeApiKey, registerSecret } from "../redact.js";
import { configDir, type KeysMeta, keyFilePath, pickProfile, readMeta } from "./config.js";
import { readDotenvKey } from "./dotenv.js";
import { InvalidKeyFormatError, KeyError, MissingKeyError, UnsafeDotenvError } from "./errors.js";
import { decryptKey, parseKeyFile, readKeyFileText } from "./file-store.js";
import { osKeychain, type SecretStore } from "./keychain.js";

/** Where a resolved key came from (reported by `fichier key status`). */
export type KeySource = "stdin" | "flag" | "env" | "rclone-env" | "keychain" | "file" | "dotenv";

/** A key and where it came from. */
export interface ResolvedKey {
  key: string;
  source: KeySource;
  profile: string;
  /** ISO date the key was stored, for keys from the keychain or the encrypted file. */
  storedAt?: string;
}

/** Options of {@link resolveApiKey}; everything but `warn` has a sensible default. */
export interface ResolveOptions {
  /** `--profile`; else FICHIER_PROFILE; else "default". */
  profile?: string;
  /** `--api-key-stdin`: read the key from stdin. */
  apiKeyStdin?: boolean;
  /** `--api-key VALUE` (discouraged: argv is visible to other users and kept in shell history). */
  apiKeyFlag?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  readStdin?: () => Promise<string>;
  /** Asks for the passphrase of the encrypted file without echo; absent when stdin is not a terminal. */
  promptHidden?: (question: string) => Promise<string>;
  /** Warnings for stderr (already free of secrets). */
  warn: (message: string) => void;
  /** The keychain; default the OS keychain. */
  keychain?: SecretStore;
}

/** Warning printed whenever `--api-key VALUE` is used. */
export const FLAG_WARNING =
  "--api-key puts the key in the command line, visible to other users (ps) and kept in shell history; " +
  "prefer `fichier key set`, FICHIER_API_KEY or --api-key-stdin";

/**
 * Normalises a key typed or piped by the user (surrounding whitespace, a trailing newline) and checks its
 * shape offline. `origin` names where it came from in the error, never the key itself.
 *
 * @example
 * checkKeyFormat(" abcdefghijklmnopqrstuvwxyzABCDEF\n", "stdin"); // "abcdefghijklmnopqrstuvwxyzABCDEF"
 */
export function checkKeyFormat(value: string, origin: string): string {
  const key = value.trim();
  if (looksLikeApiKey(key)) return key;
  if (key.length !== KEY_LENGTH) {
    throw new InvalidKeyFormatError(
      `the key from ${origin} has ${key.length} characters instead of ${KEY_LENGTH}`,
    );
  }
  const bad = new Set([...key].filter((c) => !/[A-Za-z0-9_=-]/.test(c)).map((c) => JSON.stringify(c)));
  throw new InvalidKeyFormatError(`the key from ${origin} contains ${[...bad].join(", ")}`);
}

/**
 * The passphrase of the encrypted file: FICHIER_PASSPHRASE, else a hidden prompt when there is a terminal.
 * `null` when neither is available.
 *
 * @example
 * const pass = await getPassphrase(process.env, ctx.stdin.isTTY ? ctx.stdin.promptHidden : undefined);
 */
export async function getPassphrase(
  env: NodeJS.ProcessEnv,
  promptHidden?: (question: string) => Promise<string>,
  question = "Passphrase of the fichier key file: ",
): Promise<string | null> {
  // Registered like the key: a passphrase must not reach an output either.
  if (env.FICHIER_PASSPHRASE) {
    registerSecret(env.FICHIER_PASSPHRASE);
    return env.FICHIER_PASSPHRASE;
  }
  if (!promptHidden) return null;
  const typed = await promptHidden(question);
  registerSecret(typed);
  return typed ? typed : null;
}

/**
 * Reads the key stored by `fichier key set` for a profile (keychain or encrypted file), or `null`.
 * Exported for `key status`/`key rotate`, which need the stored key whatever overrides the environment has.
 *
 * @example
 * const stored = await readStoredKey({ profile: "default", warn: console.error });
 */
export async function readStoredKey(options: {
  profile: string;
  env?: NodeJS.ProcessEnv;
  promptHidden?: (question: string) => Promise<string>;
  keychain?: SecretStore;
  meta?: KeysMeta;
}): Promise<{ key: string; source: "keychain" | "file"; storedAt?: string } | null> {
  const env = options.env ?? process.env;
  const dir = configDir(env);
  const meta = options.meta ?? (await readMeta(dir));
  const recorded = meta.profiles[options.profile];
  const keychain = options.keychain ?? osKeychain(env);
  const storedAt = recorded?.storedAt;

  const fromKeychain = async (strict: boolean) => {
    try {
      return await keychain.get(options.profile);
    } catch (e) {
      // Without a record the keychain is only a guess: an unusable keychain just means "not there".
      if (strict) throw e;
      return null;
    }
  };
  const fromFile = async () => {
    const path = keyFilePath(dir, options.profile);
    const text = await readKeyFileText(path);
    if (text === null) return null;
    const file = parseKeyFile(text, path);
    const passphrase = await getPassphrase(env, options.promptHidden);
    if (passphrase === null) {
      throw new KeyError(
        `the key of profile "${options.profile}" is in the encrypted file ${path}, and no passphrase is available`,
        "set FICHIER_PASSPHRASE, or run the command in a terminal to type the passphrase",
      );
    }
    return decryptKey(file, passphrase, path);
  };

  if (recorded?.store === "keychain") {
    const key = await fromKeychain(true);
    if (key) return { key, source: "keychain", storedAt };
  } else if (recorded?.store === "file") {
    const key = await fromFile();
    if (key) return { key, source: "file", storedAt };
  } else {
    const kc = await fromKeychain(false);
    if (kc) return { key: kc, source: "keychain" };
    const file = await fromFile();
    if (file) return { key: file, source: "file" };
  }
  return null;
}

/**
 * Finds the API key, in the documented order, and registers it with the redactor.
 * Throws {@link MissingKeyError} (exit 4) naming the choices when there is none, {@link InvalidKeyFormatError}
 * when the key found is not key-shaped, {@link UnsafeDotenvError} for a tracked or unignored `.env`.
 *
 * @example
 * const { key, source } = await resolveApiKey({ profile: "default", warn: (m) => console.error(m) });
 */
export async function resolveApiKey(options: ResolveOptions): Promise<ResolvedKey> {
  const env = options.env ?? process.env;
  const profile = pickProfile(options.profile, env);
  const done = (key: string, source: KeySource, storedAt?: string): ResolvedKey => {
    registerSecret(key);
    return storedAt ? { key, source, profile, storedAt } : { key, source, profile };
  };
  // Register raw values before checking them, so even a malformed key never reaches an output.
  const check = (value: string, origin: string) => {
    registerSecret(value.trim());
    return checkKeyFormat(value, origin);
  };

  if (options.apiKeyStdin) {
    if (!options.readStdin)
      throw new MissingKeyError(profile, "--api-key-stdin given but stdin is not readable");
    const text = await options.readStdin();
    if (!text.trim()) throw new MissingKeyError(profile, "--api-key-stdin given but stdin was empty");
    return done(check(text, "stdin"), "stdin");
  }
  if (options.apiKeyFlag !== undefined) {
    options.warn(FLAG_WARNING);
    return done(check(options.apiKeyFlag, "--api-key"), "flag");
  }
  if (env.FICHIER_API_KEY) return done(check(env.FICHIER_API_KEY, "FICHIER_API_KEY"), "env");
  if (env.RCLONE_FICHIER_API_KEY) {
    return done(
      check(env.RCLONE_FICHIER_API_KEY, "RCLONE_FICHIER_API_KEY (rclone's variable)"),
      "rclone-env",
    );
  }

  const stored = await readStoredKey({
    profile,
    env,
    promptHidden: options.promptHidden,
    keychain: options.keychain,
  });
  if (stored) return done(check(stored.key, `the ${stored.source} store`), stored.source, stored.storedAt);

  const dotenv = await readDotenvKey(options.cwd ?? process.cwd());
  if (dotenv) {
    registerSecret(dotenv.key.trim());
    if (dotenv.state !== "ignored") throw new UnsafeDotenvError(dotenv.path, dotenv.state);
    return done(check(dotenv.key, dotenv.path), "dotenv");
  }
  throw new MissingKeyError(profile);
}
