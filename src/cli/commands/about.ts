/**
 * `fichier about` (alias `whoami`): the account's offer, storage and flags, from `user/info.cgi`, cached
 * for 5 minutes (spec §2.1: the service allows one call per 5 minutes per key).
 */
import type { Command } from "commander";
import type { UserInfo } from "../../api/types.js";
import type { CliContext } from "../context.js";
import { formatBytes, table } from "../output.js";
import { SUMMARIES } from "../summaries.js";

/** The `--json` document of `fichier about`: the client's `UserInfo` (less its raw answer) and three facts more. */
export type AboutJson = Omit<UserInfo, "raw" | "offer"> & {
  offer: number;
  offerName: string;
  /** True when the answer came from the 5-minute cache rather than a new `user/info.cgi` call. */
  cached: boolean;
  emulator: boolean;
};

/**
 * Name of an offer number (spec §6, §7.18).
 *
 * @example
 * offerName(1); // "Premium"
 */
export function offerName(offer: number): string {
  return ["Free", "Premium", "Access", "GOLD"][offer] ?? `offer ${offer}`;
}

type UserInfoLike = Omit<AboutJson, "offerName" | "cached" | "emulator">;

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
 * The account information. The client's governor answers from its shared 5-minute cache when it can
 * (spec §2.1: one `user/info.cgi` per 5 minutes per key); `cached` says whether it did.
 *
 * @example
 * const about = await loadAbout(ctx, { refresh: false });
 */
export async function loadAbout(ctx: CliContext, opts: { refresh: boolean }): Promise<AboutJson> {
  const client = await ctx.client();
  let cached = false;
  const off = client.governor?.on((e) => {
    if (e.type === "cache" && e.endpoint === "user/info.cgi") cached = true;
  });
  try {
    const info = pick(await client.user.info({ fresh: opts.refresh }));
    return { ...info, offerName: offerName(info.offer), cached, emulator: ctx.globals().emulator };
  } finally {
    off?.();
  }
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
  if (a.cached) rows.push(["Note", "from the 5-minute cache (1fichier allows one refresh per 5 minutes)"]);
  return table(rows);
}

/** Registers `about` and its alias `whoami`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("about")
    .alias("whoami")
    .description(SUMMARIES.about.description)
    .option(
      "--refresh",
      "ask again rather than use the 5-minute cache (still waits out the 5-minute spacing)",
    )
    .addHelpText(
      "after",
      '\nJSON: {"email","offer","offerName","subscriptionEnd","cdnCredits","hotStorage","coldStorage",' +
        '"availableStorage","allowedColdStorage","availableColdStorage","overQuota","uploadForbidden","cached","emulator"}',
    )
    .action(async (opts: { refresh?: boolean }) => {
      const about = await loadAbout(ctx, { refresh: opts.refresh === true });
      ctx.out.result(renderAbout(about), about);
    });
}
