// Storing and forgetting a key: the keychain when it works, else the encrypted file when a passphrase is
// available, else a refusal naming the choices. Never plaintext.
import { configDir, keyFilePath, readMeta, type StoreKind, updateMeta } from "./config.js";
import { KeychainError, NoSecureStoreError } from "./errors.js";
import { removeKeyFile, type ScryptParams, writeKeyFile } from "./file-store.js";
import { osKeychain, type SecretStore } from "./keychain.js";

/** Options of {@link storeKey}. */
export interface StoreOptions {
  profile: string;
  key: string;
  /** Force a store (`--store keychain|file`); default: keychain if usable, else file if a passphrase is. */
  store?: StoreKind;
  env?: NodeJS.ProcessEnv;
  keychain?: SecretStore;
  /** Gets the passphrase for a new encrypted file (FICHIER_PASSPHRASE or an asked-twice prompt); null if none. */
  passphrase: () => Promise<string | null>;
  /** Rotation period to record for this profile (`--rotation-days`). */
  rotationDays?: number;
  /** Date to record (tests); default now. */
  now?: Date;
  scrypt?: ScryptParams;
}

/** Where {@link storeKey} put the key. */
export interface StoredKey {
  store: StoreKind;
  /** The encrypted file, for the file store. */
  path?: string;
  storedAt: string;
  /** Why the keychain was not used, when it was not. */
  keychainProblem?: string;
}

/** Where a key will go, decided before anything is spent on it (an online check, a prompt for the key). */
export interface StorePlan {
  store: StoreKind;
  /** The passphrase of the encrypted file, for the file store. */
  passphrase?: string;
  /** Why the keychain was not used, when it was not. */
  keychainProblem?: string;
}

/**
 * Decides where a key will be stored: the keychain if its probe works (or `--store keychain`, whose failed
 * probe is the answer), else the encrypted file if a passphrase is available, else a refusal naming the
 * choices. Never plaintext. `key set` asks this before checking the key online, so a key that cannot be
 * stored costs no call.
 *
 * @example
 * const plan = await planStore({ profile: "default", passphrase: async () => process.env.FICHIER_PASSPHRASE ?? null });
 */
export async function planStore(
  options: Pick<StoreOptions, "store" | "env" | "keychain" | "passphrase">,
): Promise<StorePlan> {
  const keychain = options.keychain ?? osKeychain(options.env ?? process.env);
  let keychainProblem: string | undefined;
  if (options.store !== "file") {
    try {
      await keychain.probe();
      return { store: "keychain" };
    } catch (e) {
      // With --store keychain, a failure is the answer (KeychainError names the fix); no silent fallback.
      if (options.store === "keychain") throw e;
      keychainProblem = e instanceof KeychainError ? e.detail : (e as Error).message;
    }
  }
  const passphrase = await options.passphrase();
  if (passphrase === null || passphrase === "") throw new NoSecureStoreError(keychainProblem ?? "not chosen");
  return { store: "file", passphrase, ...(keychainProblem ? { keychainProblem } : {}) };
}

/**
 * Writes a key where {@link planStore} decided, removes it from the other store (exactly one store holds a
 * profile's key), and records the store and the date in the metadata.
 *
 * @example
 * const stored = await writeKey(await planStore(options), options);
 */
export async function writeKey(
  plan: StorePlan,
  options: Omit<StoreOptions, "store" | "passphrase">,
): Promise<StoredKey> {
  const dir = configDir(options.env ?? process.env);
  const keychain = options.keychain ?? osKeychain(options.env ?? process.env);
  const storedAt = (options.now ?? new Date()).toISOString();
  const path = keyFilePath(dir, options.profile);
  if (plan.store === "keychain") {
    await keychain.set(options.profile, options.key);
    await removeKeyFile(path);
  } else {
    await writeKeyFile(path, options.key, plan.passphrase ?? "", options.profile, options.scrypt);
    // The previous key may sit in the keychain; an unusable keychain has nothing to delete.
    await keychain.delete(options.profile).catch(() => false);
  }
  await updateMeta(dir, (meta) => {
    const rotationDays = options.rotationDays ?? meta.profiles[options.profile]?.rotationDays;
    meta.profiles[options.profile] = {
      store: plan.store,
      storedAt,
      ...(rotationDays !== undefined ? { rotationDays } : {}),
    };
  });
  return {
    store: plan.store,
    storedAt,
    ...(plan.store === "file" ? { path } : {}),
    ...(plan.keychainProblem ? { keychainProblem: plan.keychainProblem } : {}),
  };
}

/**
 * Stores a key for a profile: {@link planStore} then {@link writeKey}.
 *
 * @example
 * await storeKey({ profile: "default", key, passphrase: async () => process.env.FICHIER_PASSPHRASE ?? null });
 */
export async function storeKey(options: StoreOptions): Promise<StoredKey> {
  return writeKey(await planStore(options), options);
}

/** What {@link forgetKey} removed. */
export interface ForgetResult {
  keychain: boolean;
  file: boolean;
  metadata: boolean;
  /** A keychain that could not be reached (so it could not be cleaned). */
  keychainProblem?: string;
}

/**
 * Removes a profile's key from every local store (keychain, encrypted file) and its metadata.
 * Revocation is not local: it happens in the console ("Disable API usage").
 *
 * @example
 * const removed = await forgetKey({ profile: "default" });
 */
export async function forgetKey(options: {
  profile: string;
  env?: NodeJS.ProcessEnv;
  keychain?: SecretStore;
}): Promise<ForgetResult> {
  const env = options.env ?? process.env;
  const dir = configDir(env);
  const keychain = options.keychain ?? osKeychain(env);
  const meta = await readMeta(dir);
  let keychainRemoved = false;
  let keychainProblem: string | undefined;
  try {
    keychainRemoved = await keychain.delete(options.profile);
  } catch (e) {
    // Only a problem if the key was recorded there; otherwise there was nothing to remove.
    if (meta.profiles[options.profile]?.store === "keychain") {
      keychainProblem = e instanceof KeychainError ? e.detail : (e as Error).message;
    }
  }
  const file = await removeKeyFile(keyFilePath(dir, options.profile));
  const metadata = meta.profiles[options.profile] !== undefined;
  if (metadata) {
    await updateMeta(dir, (m) => {
      delete m.profiles[options.profile];
    });
  }
  return { keychain: keychainRemoved, file, metadata, ...(keychainProblem ? { keychainProblem } : {}) };
}
