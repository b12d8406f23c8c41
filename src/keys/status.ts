// Pure computations behind `fichier key status`: the key's age, the days left before rotation, and the
// warnings (10 days before rotation is due, i.e. at 80 days with the default 90; subscription ending within 14 days).
import { serviceDateMs } from "../api/service-time.js";
import type { AccountInfo } from "./check.js";
import { offerName } from "./check.js";
import type { KeySource } from "./resolve.js";

const DAY = 86_400_000;
/** Days before the rotation date at which `key status` starts warning (80 days of 90). */
export const ROTATION_WARNING_DAYS = 10;
/** Days before the subscription end at which `key status` warns. */
export const SUBSCRIPTION_WARNING_DAYS = 14;

/** Age of a stored key and where it stands against the rotation period. */
export interface KeyAge {
  ageDays: number;
  rotationDays: number;
  daysLeft: number;
  /** From this age on, `key status` warns. */
  warnAtDays: number;
}

/**
 * Age in whole days and days left before rotation.
 *
 * @example
 * keyAge("2026-01-01T00:00:00Z", 90, new Date("2026-03-22T12:00:00Z")); // { ageDays: 80, daysLeft: 10, ... }
 */
export function keyAge(storedAt: string, rotationDays: number, now: Date): KeyAge | null {
  const t = Date.parse(storedAt);
  if (!Number.isFinite(t)) return null;
  const ageDays = Math.max(0, Math.floor((now.getTime() - t) / DAY));
  return {
    ageDays,
    rotationDays,
    daysLeft: rotationDays - ageDays,
    warnAtDays: Math.max(0, rotationDays - ROTATION_WARNING_DAYS),
  };
}

/** Everything `fichier key status` reports (the `--json` shape). */
export interface KeyStatus {
  profile: string;
  source: KeySource | "emulator";
  /** The key masked to its last 4 characters. */
  key: string;
  storedAt: string | null;
  ageDays: number | null;
  rotationDays: number;
  daysLeft: number | null;
  account: {
    email: string;
    offer: number;
    offerName: string;
    subscriptionEnd: string | null;
    subscriptionDaysLeft: number | null;
  } | null;
  /** Why the account could not be read, when it could not. */
  accountError: string | null;
  warnings: string[];
}

/** How a service date is shown in a human line (the command line's local-time convention); as given by default. */
export type ShowDate = (serviceDate: string) => string;

/**
 * Builds the status report and its warnings. `showDate` renders the subscription end in the warnings (the
 * command line passes its local-time convention; the `--json` fields keep the date as given).
 *
 * @example
 * buildStatus({ profile: "default", source: "keychain", maskedKey: "****abcd", storedAt, rotationDays: 90,
 *   account, accountError: null, now: new Date(), showDate: humanServiceDate });
 */
export function buildStatus(input: {
  profile: string;
  source: KeySource | "emulator";
  maskedKey: string;
  storedAt: string | null;
  rotationDays: number;
  account: AccountInfo | null;
  accountError: string | null;
  now: Date;
  showDate?: ShowDate;
}): KeyStatus {
  const warnings: string[] = [];
  const age = input.storedAt ? keyAge(input.storedAt, input.rotationDays, input.now) : null;
  if (age) {
    if (age.daysLeft < 0) {
      warnings.push(
        `the key is ${age.ageDays} days old, ${-age.daysLeft} days past its ${age.rotationDays}-day rotation: run \`fichier key rotate\``,
      );
    } else if (age.ageDays >= age.warnAtDays) {
      warnings.push(
        `the key is ${age.ageDays} days old: rotation is due in ${age.daysLeft} days; run \`fichier key rotate\``,
      );
    }
  }
  let subscriptionDaysLeft: number | null = null;
  const endText = input.account?.subscriptionEnd;
  const end = serviceDateMs(endText);
  if (endText && end !== undefined) {
    const shown = (input.showDate ?? ((d: string) => d))(endText);
    subscriptionDaysLeft = Math.floor((end - input.now.getTime()) / DAY);
    if (subscriptionDaysLeft < 0) {
      warnings.push(`the subscription ended on ${shown}: most API calls need Premium or Access`);
    } else if (subscriptionDaysLeft <= SUBSCRIPTION_WARNING_DAYS) {
      warnings.push(
        `the subscription ends on ${shown} (in ${subscriptionDaysLeft} days): renew it to keep API access`,
      );
    }
  }
  return {
    profile: input.profile,
    source: input.source,
    key: input.maskedKey,
    storedAt: input.storedAt,
    ageDays: age?.ageDays ?? null,
    rotationDays: input.rotationDays,
    daysLeft: age?.daysLeft ?? null,
    account: input.account
      ? {
          email: input.account.email,
          offer: input.account.offer,
          offerName: offerName(input.account.offer),
          subscriptionEnd: input.account.subscriptionEnd,
          subscriptionDaysLeft,
        }
      : null,
    accountError: input.accountError,
    warnings,
  };
}

const SOURCE_NAMES: Record<string, string> = {
  stdin: "stdin (--api-key-stdin)",
  flag: "the --api-key option",
  env: "the FICHIER_API_KEY variable",
  "rclone-env": "the RCLONE_FICHIER_API_KEY variable (rclone's)",
  keychain: "the OS keychain",
  file: "the encrypted key file",
  dotenv: "the .env file of this folder",
  emulator: "the embedded emulator",
};

/**
 * The human text of a status report (warnings are printed separately, on stderr); `showDate` renders the
 * subscription end (the command line passes its local-time convention).
 *
 * @example
 * console.log(formatStatus(status, humanServiceDate));
 */
export function formatStatus(s: KeyStatus, showDate: ShowDate = (d) => d): string {
  const lines: [string, string][] = [
    ["profile", s.profile],
    ["source", SOURCE_NAMES[s.source] ?? s.source],
    ["key", s.key],
  ];
  if (s.storedAt) {
    lines.push(["stored", `${s.storedAt.slice(0, 10)} (${s.ageDays ?? "?"} days ago)`]);
    lines.push([
      "rotation",
      s.daysLeft !== null && s.daysLeft < 0
        ? `overdue by ${-s.daysLeft} days (every ${s.rotationDays} days)`
        : `due in ${s.daysLeft ?? "?"} days (every ${s.rotationDays} days)`,
    ]);
  } else {
    lines.push(["stored", "not stored by fichier (age unknown)"]);
  }
  if (s.account) {
    lines.push(["account", s.account.email]);
    lines.push(["offer", s.account.offerName]);
    lines.push([
      "subscription",
      s.account.subscriptionEnd
        ? `ends ${showDate(s.account.subscriptionEnd)}${s.account.subscriptionDaysLeft !== null ? ` (in ${s.account.subscriptionDaysLeft} days)` : ""}`
        : "no end date",
    ]);
  } else {
    lines.push(["account", `unknown (${s.accountError ?? "not checked"})`]);
  }
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

/**
 * The reminder every command prints on stderr when the stored key is due for rotation within
 * {@link ROTATION_WARNING_DAYS} days or overdue, or null. Keys from the environment or stdin have no recorded
 * date, so they get none: their owner rotates them where they are kept.
 *
 * @example
 * rotationReminder("2026-01-01T00:00:00Z", 90, new Date("2026-04-05T00:00:00Z"));
 * // "your API key is 94 days old, past its 90-day rotation: run `fichier key rotate`"
 */
export function rotationReminder(
  storedAt: string | undefined,
  rotationDays: number,
  now: Date,
): string | null {
  if (!storedAt) return null;
  const age = keyAge(storedAt, rotationDays, now);
  if (!age || age.ageDays < age.warnAtDays) return null;
  if (age.daysLeft <= 0) {
    return `your API key is ${age.ageDays} days old, past its ${rotationDays}-day rotation: run \`fichier key rotate\``;
  }
  return `your API key is ${age.ageDays} days old, due for rotation in ${age.daysLeft} day${age.daysLeft === 1 ? "" : "s"}: run \`fichier key rotate\``;
}
