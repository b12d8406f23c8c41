/**
 * `fichier about` (alias `whoami`): the account's offer, storage and flags, from `user/info.cgi`, cached
 * for 5 minutes (spec §2.1: the service allows one call per 5 minutes per key).
 */
import type { Command } from "commander";
import { type AboutJson, loadAbout } from "../account.js";
import type { CliContext } from "../context.js";
import { formatBytes, table } from "../output.js";
import { SUMMARIES } from "../summaries.js";
import { humanServiceDate } from "../time.js";

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
    ["Subscription end", a.subscriptionEnd === null ? "-" : humanServiceDate(a.subscriptionEnd)],
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
    .addHelpText(
      "after",
      "\n--refresh (a global option) asks again rather than use the 5-minute cache (still waiting out the\n" +
        "5-minute spacing).\n" +
        'JSON: {"email","offer","offerName","subscriptionEnd","cdnCredits","hotStorage","coldStorage",' +
        '"availableStorage","allowedColdStorage","availableColdStorage","overQuota","uploadForbidden","cached","emulator"}',
    )
    .action(async () => {
      const about = await loadAbout(ctx, { refresh: ctx.globals().refresh });
      ctx.out.result(renderAbout(about), about);
    });
}
