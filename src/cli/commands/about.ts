/**
 * `fichier about` (alias `whoami`): the account's offer, storage and flags, from `user/info.cgi`, cached on disk
 * for 5 minutes (spec §2.1: the service allows one call per 5 minutes per key).
 */
import type { Command } from "commander";
import { cacheDir, cacheKey, readCache, USER_INFO_TTL_MS, writeCache } from "../cache.js";
import type { CliContext } from "../context.js";
import { formatBytes, table } from "../output.js";

/** The `--json` document of `fichier about`. */
export interface AboutJson {
  email: string;
  offer: number;
  offerName: string;
  subscriptionEnd: string | null;
  cdnCredits: number;
  hotStorage: number;
  coldStorage: number;
  availableStorage: number;
  allowedColdStorage: number;
  availableColdStorage: number;
  overQuota: boolean;
  uploadForbidden: boolean;
  /** When the answer was fetched (ISO 8601); older than now when it came from the 5-minute cache. */
  fetchedAt: string;
  cached: boolean;
  emulator: boolean;
}

/**
 * Name of an offer number (spec §6, §7.18).
 *
 * @example
 * offerName(1); // "Premium"
 */
export function offerName(offer: number): string {
  return ["Free", "Premium", "Access", "GOLD"][offer] ?? `offer ${offer}`;
}

type UserInfoLike = Omit<AboutJson, "offerName" | "fetchedAt" | "cached" | "emulator">;

function pick(infoIn: object): UserInfoLike {
  const info = infoIn as Record<string, unknown>;
  const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));
  return {
    email: String(info.email ?? ""),
    offer: num(info.offer),
    subscriptionEnd: typeof info.subscriptionEnd === "string" ? info.subscriptionEnd : null,
    cdnCredits: num(info.cdnCredits),
    hotStorage: num(info.hotStorage),
    coldStorage: num(info.coldStorage),
    availableStorage: num(info.availableStorage),
    allowedColdStorage: num(info.allowedColdStorage),
    availableColdStorage: num(info.availableColdStorage),
    overQuota: info.overQuota === true,
    uploadForbidden: info.uploadForbidden === true,
  };
}

/**
 * The account information, from the disk cache when younger than 5 minutes, else from the API.
 *
 * @example
 * const about = await loadAbout(ctx, { refresh: false });
 */
export async function loadAbout(ctx: CliContext, opts: { refresh: boolean }): Promise<AboutJson> {
  const key = await ctx.key();
  const apiUrl = await ctx.apiUrl();
  const dir = cacheDir(ctx.env);
  const name = cacheKey("user-info", apiUrl, key.key);
  const emulator = ctx.globals().emulator;
  const hit = opts.refresh ? undefined : readCache<UserInfoLike>(dir, name, USER_INFO_TTL_MS);
  if (hit) {
    return {
      ...hit.value,
      offerName: offerName(hit.value.offer),
      fetchedAt: new Date(hit.fetchedAt).toISOString(),
      cached: true,
      emulator,
    };
  }
  const client = await ctx.client();
  const info = pick(await client.user.info({ fresh: opts.refresh }));
  const now = Date.now();
  writeCache(dir, name, info, now);
  return {
    ...info,
    offerName: offerName(info.offer),
    fetchedAt: new Date(now).toISOString(),
    cached: false,
    emulator,
  };
}

/**
 * Human rendering of {@link AboutJson}.
 *
 * @example
 * renderAbout(about); // "E-mail             me@example.com\nOffer ..."
 */
export function renderAbout(a: AboutJson): string {
  const yesNo = (b: boolean): string => (b ? "YES" : "no");
  const rows: string[][] = [
    ["E-mail", a.email],
    ["Offer", a.offerName],
    ["Subscription end", a.subscriptionEnd ?? "-"],
    ["Hot storage used", formatBytes(a.hotStorage)],
    ["Available storage", formatBytes(a.availableStorage)],
    ["Cold storage used", formatBytes(a.coldStorage)],
    ["Cold storage allowed", formatBytes(a.allowedColdStorage)],
    ["Cold storage available", formatBytes(a.availableColdStorage)],
    ["CDN credits", `${a.cdnCredits} GB`],
    ["Over quota", yesNo(a.overQuota)],
    ["Uploads forbidden", yesNo(a.uploadForbidden)],
  ];
  if (a.cached) rows.push(["Fetched", `${a.fetchedAt} (cached: 1fichier allows one refresh per 5 minutes)`]);
  return table(rows);
}

/** Registers `about` and its alias `whoami`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("about")
    .alias("whoami")
    .description("account e-mail, offer, subscription end, storage, CDN credits, quota flags (cached 5 min)")
    .option("--refresh", "ignore the 5-minute cache (1fichier refuses more than one call per 5 minutes)")
    .addHelpText(
      "after",
      '\nJSON: {"email","offer","offerName","subscriptionEnd","cdnCredits","hotStorage","coldStorage",' +
        '"availableStorage","allowedColdStorage","availableColdStorage","overQuota","uploadForbidden","fetchedAt","cached","emulator"}',
    )
    .action(async (opts: { refresh?: boolean }) => {
      const about = await loadAbout(ctx, { refresh: opts.refresh === true });
      ctx.out.result(renderAbout(about), about);
    });
}
