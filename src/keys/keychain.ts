// The OS keychain store through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, Secret Service
// (gnome-keyring, KeePassXC) on Linux. Service "fichier", account = profile name.
import { KeychainError } from "./errors.js";

/** Keychain service name under which every profile's key is stored. */
export const KEYCHAIN_SERVICE = "fichier";

/** A place that holds one secret per profile. The keychain implements it; tests may pass their own. */
export interface SecretStore {
  /** Throws when the store cannot be used on this machine (e.g. no Secret Service on a headless box). */
  probe(): Promise<void>;
  get(profile: string): Promise<string | null>;
  set(profile: string, secret: string): Promise<void>;
  /** True when something was deleted. */
  delete(profile: string): Promise<boolean>;
}

const PROBE_ACCOUNT = "__fichier_probe__";

type KeyringModule = typeof import("@napi-rs/keyring");
let keyringModule: Promise<KeyringModule> | null = null;

// Loaded lazily: the native module is only needed when a command really touches the keychain.
function loadKeyring(): Promise<KeyringModule> {
  keyringModule ??= import("@napi-rs/keyring");
  return keyringModule;
}

/**
 * The OS keychain as a {@link SecretStore}. `FICHIER_KEYCHAIN=off` disables it (probe fails), for machines
 * where a keychain prompt would hang, and for tests of the other stores.
 *
 * @example
 * const kc = osKeychain();
 * await kc.set("default", key);
 */
export function osKeychain(env: NodeJS.ProcessEnv = process.env): SecretStore {
  const disabled = env.FICHIER_KEYCHAIN === "off";
  const entry = async (profile: string) => {
    if (disabled) throw new Error("disabled by FICHIER_KEYCHAIN=off");
    const { AsyncEntry } = await loadKeyring();
    return new AsyncEntry(KEYCHAIN_SERVICE, profile);
  };
  return {
    async probe() {
      try {
        // Only a write proves the keychain usable: without a Secret Service, libdbus may autolaunch a bare
        // bus where reads answer "no entry" and only writes fail. So write, read back and delete a probe entry.
        const probe = await entry(PROBE_ACCOUNT);
        await probe.setPassword("probe");
        const back = await probe.getPassword();
        await probe.deleteCredential();
        if (back !== "probe") throw new Error("the keychain did not return what was written");
      } catch (e) {
        throw new KeychainError("probe", e);
      }
    },
    async get(profile) {
      try {
        return (await (await entry(profile)).getPassword()) ?? null;
      } catch (e) {
        if (isNoEntry(e)) return null;
        throw new KeychainError("read", e);
      }
    },
    async set(profile, secret) {
      try {
        await (await entry(profile)).setPassword(secret);
      } catch (e) {
        throw new KeychainError("store", e);
      }
    },
    async delete(profile) {
      try {
        return await (await entry(profile)).deleteCredential();
      } catch (e) {
        if (isNoEntry(e)) return false;
        throw new KeychainError("delete", e);
      }
    },
  };
}

function isNoEntry(e: unknown): boolean {
  return e instanceof Error && /no matching entry|not found|NoEntry/i.test(e.message);
}
