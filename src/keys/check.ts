// The online check of a key: one governed `user/info.cgi` call (spec §7.18) through the client, with the
// cheat-sheet answers for the three ways it fails: invalid key, premium required, rate-limited.
import { createClient } from "../api/client.js";
import type { GovernorOptions } from "../api/governor.js";
import { KeyError } from "./errors.js";

/** The part of the client's `UserInfo` the key commands show. */
export interface AccountInfo {
  email: string;
  offer: number;
  subscriptionEnd: string | null;
}

/** The part of the client the key commands use (`createClient` from src/api/client.ts). */
export interface InfoClient {
  user: { info(options?: { fresh?: boolean }): Promise<AccountInfo> };
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
export const defaultClientFactory: ClientFactory = (options) =>
  createClient({ userAgent: "fichier-cli/key", ...options });

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
  constructor(message: string, fix: string, unlockAt: number | undefined, cause: unknown) {
    super(message, fix, 6, { cause });
    if (unlockAt !== undefined) this.unlockAt = unlockAt;
  }
}

function classOf(e: unknown): string[] {
  const names: string[] = [];
  for (let p = e; p && typeof p === "object"; p = Object.getPrototypeOf(p)) {
    const n = (p as { constructor?: { name?: string } }).constructor?.name;
    if (n) names.push(n);
  }
  const own = (e as { name?: unknown } | null)?.name;
  if (typeof own === "string") names.push(own);
  return names;
}

/**
 * Turns a client error from the online check into the cheat-sheet answer; other errors pass through.
 * Classified by class name so this module does not depend on the client (the CLI maps codes the same way).
 *
 * @example
 * try { await client.user.info({ fresh: true }) } catch (e) { throw cheatSheet(e, "the key") }
 */
export function cheatSheet(e: unknown, what = "the API key"): unknown {
  const names = classOf(e);
  if (names.includes("AuthError")) {
    return new InvalidKeyError(
      `1fichier refused ${what} (invalid, regenerated or revoked)`,
      "regenerate it at https://1fichier.com/console/params.pl (Parameters, Get my API key) and run `fichier key set`",
      4,
      { cause: e },
    );
  }
  if (names.includes("EntitlementError")) {
    return new PremiumRequiredError(
      `${what} works, but the account is not a customer: the API needs a Premium or Access offer`,
      "subscribe at https://1fichier.com/ (Premium or Access), or use the key of an account that has one",
      5,
      { cause: e },
    );
  }
  if (names.includes("FloodError") || names.includes("AccountLockedError")) {
    const unlockAt = (e as { unlockAt?: unknown }).unlockAt;
    const at = typeof unlockAt === "number" && Number.isFinite(unlockAt) ? unlockAt : undefined;
    const when = at ? `retry after ${new Date(at).toISOString()}` : "retry in a few minutes";
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
}): Promise<AccountInfo> {
  const factory = options.factory ?? defaultClientFactory;
  const client = await factory({
    apiKey: options.apiKey,
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    ...(options.governor ? { governor: options.governor } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
  });
  try {
    const info = await client.user.info({ fresh: true });
    return { email: info.email, offer: Number(info.offer), subscriptionEnd: info.subscriptionEnd ?? null };
  } catch (e) {
    throw cheatSheet(e, options.what);
  } finally {
    await client.close?.().catch(() => undefined);
  }
}
