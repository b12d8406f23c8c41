// The online check of a key: one governed `user/info.cgi` call (spec §7.18) through the client, with the
// cheat-sheet answers for the three ways it fails: invalid key, premium required, rate-limited.
import { createClient } from "../api/client.js";
import { AccountLockedError, AuthError, EntitlementError, FloodError } from "../api/errors.js";
import type { GovernorOptions } from "../api/governor.js";
import { KeyError } from "./errors.js";

/** The part of the client's `UserInfo` the key commands show. */
export interface AccountInfo {
  email: string;
  offer: number;
  subscriptionEnd: string | null;
  /** Set when the answer is the key's shared, at most 5-minute-old one rather than a new call. */
  cached?: true;
}

/** The part of the client the key commands use (`createClient` from src/api/client.ts). */
export interface InfoClient {
  user: { info(options?: { fresh?: boolean }): Promise<AccountInfo> };
  /** Tells whether the answer came from the shared cache (governor `cache` events). */
  governor?: { on(listener: (e: { type: string; endpoint?: string }) => void): () => void } | undefined;
  close?(): Promise<void>;
}

/** Builds a client for one key; default: the library's `createClient`. */
export type ClientFactory = (options: {
  apiKey: string;
  apiUrl?: string;
  governor?: GovernorOptions;
  onEvent?: (e: unknown) => void;
  trace?: (line: string) => void;
}) => InfoClient | Promise<InfoClient>;

/**
 * The default factory: the library's `createClient` (governed: paced and retried like every call).
 *
 * @example
 * const client = await defaultClientFactory({ apiKey, apiUrl });
 */
export const defaultClientFactory: ClientFactory = (options) => createClient(options);

/** Offer names (spec §6, §7.18: 0 free, 1 Premium, 2 Access, 3 GOLD). */
export const OFFER_NAMES: Record<number, string> = { 0: "Free", 1: "Premium", 2: "Access", 3: "GOLD" };

/**
 * Human name of an offer number.
 *
 * @example
 * offerName(1); // "Premium"
 */
export function offerName(offer: number): string {
  return OFFER_NAMES[offer] ?? `offer ${offer}`;
}

/**
 * The key was refused by 1fichier (invalid, regenerated or revoked). Exit code 4.
 *
 * @example
 * throw new InvalidKeyError("1fichier refused the key", "regenerate it", 4);
 */
export class InvalidKeyError extends KeyError {
  override name = "InvalidKeyError";
}

/**
 * The key is valid but the account needs a Premium or Access offer. Exit code 5.
 *
 * @example
 * throw new PremiumRequiredError("the account is not a customer", "subscribe", 5);
 */
export class PremiumRequiredError extends KeyError {
  override name = "PremiumRequiredError";
}

/**
 * 1fichier's flood protection answered: retry at `unlockAt`. Exit code 6.
 *
 * @example
 * throw new KeyCheckRateLimitedError("locked", "retry later", Date.now() + 60_000, cause);
 */
export class KeyCheckRateLimitedError extends KeyError {
  override name = "KeyCheckRateLimitedError";
  readonly unlockAt?: number;
  constructor(message: string, hint: string, unlockAt: number | undefined, cause: unknown) {
    super(message, hint, 6, { cause });
    if (unlockAt !== undefined) this.unlockAt = unlockAt;
  }
}

/**
 * Turns a client error from the online check into the cheat-sheet answer; other errors pass through.
 *
 * @example
 * try { await client.user.info({ fresh: true }) } catch (e) { throw cheatSheet(e, "the key") }
 */
export function cheatSheet(e: unknown, what = "the API key"): unknown {
  if (e instanceof AuthError) {
    return new InvalidKeyError(
      `1fichier refused ${what} (invalid, regenerated or revoked)`,
      "regenerate it at https://1fichier.com/console/params.pl (Parameters, Get my API key) and run `fichier key set`",
      4,
      { cause: e },
    );
  }
  if (e instanceof EntitlementError) {
    return new PremiumRequiredError(
      `${what} works, but the account is not a customer: the API needs a Premium or Access offer`,
      "subscribe at https://1fichier.com/ (Premium or Access), or use the key of an account that has one",
      5,
      { cause: e },
    );
  }
  if (e instanceof FloodError || e instanceof AccountLockedError) {
    const at = e instanceof FloodError && Number.isFinite(e.unlockAt) ? e.unlockAt : undefined;
    // The unlock time is the error's `unlockAt` (the command line prints it in local time): not repeated here.
    const when = at ? "retry once the lock ends" : "retry in a few minutes";
    return new KeyCheckRateLimitedError(
      "1fichier's flood protection is blocking this key or IP, so the key could not be checked",
      `${when}; user/info.cgi allows one call per minute per IP and one per 5 minutes per key`,
      at,
      e,
    );
  }
  return e;
}

/**
 * Checks a key online with one governed `user/info.cgi` call and returns the account it belongs to.
 * `user/info.cgi` allows one call per 5 minutes per key (spec §2.1), so an answer the key got in the last 5
 * minutes (by `key set`, `about`, another process: the governor's cache, shared per key fingerprint) is
 * reused unless `fresh`, which waits for the next allowed call. The governor's state is per key: a new key
 * is never behind another key's spacing.
 * Throws {@link InvalidKeyError}, {@link PremiumRequiredError} or {@link KeyCheckRateLimitedError}; network
 * and server errors pass through as the client threw them.
 *
 * @example
 * const account = await checkKeyOnline({ apiKey, apiUrl: "https://api.1fichier.com/v1" });
 */
export async function checkKeyOnline(options: {
  apiKey: string;
  apiUrl?: string;
  governor?: GovernorOptions;
  factory?: ClientFactory;
  onEvent?: (e: unknown) => void;
  trace?: (line: string) => void;
  what?: string;
  /** A new call even if the key has a recent answer (`key rotate`: is the old key refused now?). */
  fresh?: boolean;
}): Promise<AccountInfo> {
  const factory = options.factory ?? defaultClientFactory;
  const client = await factory({
    apiKey: options.apiKey,
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    ...(options.governor ? { governor: options.governor } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
  });
  let cached = false;
  const off = client.governor?.on((e) => {
    if (e.type === "cache" && e.endpoint === "user/info.cgi") cached = true;
  });
  try {
    const info = await client.user.info({ fresh: options.fresh === true });
    return {
      email: info.email,
      offer: Number(info.offer),
      subscriptionEnd: info.subscriptionEnd ?? null,
      ...(cached ? { cached: true as const } : {}),
    };
  } catch (e) {
    throw cheatSheet(e, options.what);
  } finally {
    off?.();
    await client.close?.().catch(() => undefined);
  }
}
