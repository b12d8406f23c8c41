// `fichier key rotate`: the user regenerates the key in the console (one active key per account, spec §1.6),
// then this flow validates the new key, confirms the old one is now refused, stores the new key over the old
// one and records the date. Every step's I/O is injected so the flow is tested against the emulator as is.

import { registerSecret } from "../redact.js";
import { type AccountInfo, InvalidKeyError } from "./check.js";
import { KeyError } from "./errors.js";
import { checkKeyFormat, type KeySource } from "./resolve.js";
import type { StoredKey } from "./store.js";

/** The console page where keys are regenerated (spec §1.6). */
export const CONSOLE_URL = "https://1fichier.com/console/params.pl";

/**
 * The console page for an API URL: the real one for the real API, `<origin>/console/params.pl` otherwise
 * (the emulator serves the same page).
 *
 * @example
 * consoleUrlFor("http://127.0.0.1:8080/v1"); // "http://127.0.0.1:8080/console/params.pl"
 */
export function consoleUrlFor(apiUrl: string | undefined): string {
  if (!apiUrl) return CONSOLE_URL;
  try {
    const u = new URL(apiUrl);
    if (u.hostname === "api.1fichier.com") return CONSOLE_URL;
    return `${u.origin}/console/params.pl`;
  } catch {
    return CONSOLE_URL;
  }
}

/**
 * The steps shown before reading the new key.
 *
 * @example
 * rotationSteps(CONSOLE_URL).join("\n");
 */
export function rotationSteps(consoleUrl: string): string[] {
  return [
    `1. Open ${consoleUrl} and log in (Parameters page of your account).`,
    '2. Click "Get my API key": 1fichier makes a new key, and the current one stops working at once.',
    "3. Copy the new key (32 characters) and paste it here; it is not echoed.",
  ];
}

/** What the rotation did. */
export interface RotateResult {
  account: AccountInfo;
  /** true: the old key is refused, as it should be; false: it still works; null: could not tell. */
  oldKeyRefused: boolean | null;
  /** Why the old key's state could not be told, or what to do since it still works. */
  oldKeyProblem?: string;
  stored: StoredKey;
}

/** Dependencies of {@link rotateKey}: the I/O of each step. */
export interface RotateDeps {
  oldKey: string;
  oldSource: KeySource | "emulator";
  /** Reads the new key (hidden prompt, or stdin when it is not a terminal). */
  readNewKey: () => Promise<string>;
  /**
   * The online check (one governed user/info.cgi call); throws InvalidKeyError for a refused key. `fresh`:
   * a new call, not the key's answer of the last 5 minutes (the old key was working a moment ago).
   */
  check: (key: string, what: string, opts?: { fresh?: boolean }) => Promise<AccountInfo>;
  /** Stores the new key (replacing the old one in its store) and records the date. */
  store: (key: string) => Promise<StoredKey>;
}

/**
 * Runs the rotation once the user has regenerated the key in the console.
 *
 * @example
 * const result = await rotateKey({ oldKey, oldSource: "keychain", readNewKey, check, store });
 */
export async function rotateKey(deps: RotateDeps): Promise<RotateResult> {
  const typed = await deps.readNewKey();
  registerSecret(typed.trim());
  if (!typed.trim()) {
    throw new KeyError("no new key was given", "paste the new key from the console (or pipe it on stdin)", 2);
  }
  const newKey = checkKeyFormat(typed, "the new key");
  if (newKey === deps.oldKey) {
    throw new KeyError(
      "the key given is the current key, not a new one",
      'click "Get my API key" in the console to make a new key, copy it, and run `fichier key rotate` again',
    );
  }
  const account = await deps.check(newKey, "the new key");

  let oldKeyRefused: boolean | null = null;
  let oldKeyProblem: string | undefined;
  let oldAccount: AccountInfo | undefined;
  try {
    oldAccount = await deps.check(deps.oldKey, "the old key", { fresh: true });
    oldKeyRefused = false;
  } catch (e) {
    if (e instanceof InvalidKeyError) oldKeyRefused = true;
    else
      oldKeyProblem = `could not confirm the old key is refused (${(e as Error).message}); run \`fichier key check\` later`;
  }
  if (oldAccount && oldAccount.email !== account.email) {
    // Two working keys of two accounts: the user regenerated the key of another account. Storing the new key
    // would silently switch this profile to that account, so stop here.
    throw new KeyError(
      `the new key belongs to ${account.email} but the current key to ${oldAccount.email}; nothing was stored`,
      `log in to the console as ${oldAccount.email}, click "Get my API key", and run \`fichier key rotate\` again ` +
        "(or add the other account as a profile with `fichier --profile NAME key set`)",
    );
  }
  if (oldKeyRefused === false) {
    oldKeyProblem =
      'the old key still works, so the console did not regenerate it: click "Get my API key" again (or ' +
      '"Disable API usage" to revoke it), then `fichier key check`; the new key is stored';
  }
  const stored = await deps.store(newKey);
  return { account, oldKeyRefused, ...(oldKeyProblem ? { oldKeyProblem } : {}), stored };
}
