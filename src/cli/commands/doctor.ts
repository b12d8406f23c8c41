/**
 * `fichier doctor`: one readable report of where the configuration and the key come from, connectivity to the
 * API, clock skew, the account's state, and the governor's state. Every check runs even if an earlier one
 * failed; the exit code is that of the first failure (e.g. 4 for the key, 7 for the network).
 */
import type { Command } from "commander";
import { configDir, pickProfile } from "../../keys/config.js";
import { maskKey } from "../../redact.js";
import { VERSION } from "../../version.js";
import type { CliContext } from "../context.js";
import { exitCodeFor, formatErrorLine } from "../exit-codes.js";
import { table } from "../output.js";
import { SUMMARIES } from "../summaries.js";
import { loadAbout } from "./about.js";

/** One line of the report. */
export interface Check {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
}

/** Clock skew above which signed links and expiry times get unreliable. */
export const MAX_SKEW_MS = 60_000;

/**
 * Skew between the local clock and a server `Date` header (positive: the local clock is ahead).
 *
 * @example
 * clockSkewMs("Tue, 01 Jan 2030 00:00:00 GMT", Date.parse("2030-01-01T00:00:05Z")); // 5000
 */
export function clockSkewMs(dateHeader: string | undefined, localMs: number): number | undefined {
  if (!dateHeader) return undefined;
  const t = Date.parse(dateHeader);
  return Number.isNaN(t) ? undefined : localMs - t;
}

/** Registers `doctor`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("doctor")
    .description(SUMMARIES.doctor.description)
    .addHelpText("after", '\nJSON: {ok, checks:[{name, status:"ok"|"warn"|"fail", detail}]}')
    .action(async () => {
      const checks: Check[] = [];
      let firstError: unknown;
      const fail = (name: string, e: unknown): void => {
        firstError ??= e;
        checks.push({ name, status: "fail", detail: formatErrorLine(e, {}).replace(/^fichier: /, "") });
      };
      const g = ctx.globals();
      checks.push({ name: "fichier", status: "ok", detail: `${VERSION} on Node ${process.versions.node}` });
      let profile = "default";
      try {
        profile = pickProfile(g.profile, ctx.env);
        checks.push({
          name: "configuration",
          status: "ok",
          detail: `${configDir(ctx.env)} (profile ${profile})`,
        });
      } catch (e) {
        fail("configuration", e);
      }

      let keyOk = false;
      try {
        const k = await ctx.key();
        keyOk = true;
        const where =
          k.source === "emulator"
            ? "the embedded emulator's premium account"
            : `${k.source}${k.storedAt ? `, stored ${k.storedAt}` : ""}`;
        checks.push({ name: "API key", status: "ok", detail: `${maskKey(k.key)} from ${where}` });
      } catch (e) {
        fail("API key", e);
      }

      const apiUrl = await ctx.apiUrl();
      const urlFrom = g.emulator
        ? "embedded emulator"
        : ctx.globals().apiUrl
          ? "--api-url / FICHIER_API_URL"
          : "default";
      checks.push({ name: "API URL", status: "ok", detail: `${apiUrl} (${urlFrom})` });

      if (keyOk) {
        const client = await ctx.client();
        try {
          const t0 = Date.now();
          const res = await client.http.request(apiUrl, { method: "GET" });
          const rtt = Date.now() - t0;
          await res.body.dump().catch(() => {});
          checks.push({ name: "connectivity", status: "ok", detail: `HTTP ${res.statusCode} in ${rtt} ms` });
          const date = res.headers.date;
          const skew = clockSkewMs(Array.isArray(date) ? date[0] : date, t0 + rtt / 2);
          if (skew === undefined) {
            checks.push({
              name: "clock",
              status: "warn",
              detail: "the server sent no Date header to compare with",
            });
          } else {
            const s = Math.round(skew / 1000);
            checks.push({
              name: "clock",
              status: Math.abs(skew) > MAX_SKEW_MS ? "warn" : "ok",
              detail:
                Math.abs(skew) > MAX_SKEW_MS
                  ? `local clock is ${Math.abs(s)} s ${s > 0 ? "ahead" : "behind"}: token expiry times will be off; sync it (NTP)`
                  : `within ${Math.max(1, Math.abs(s))} s of the server`,
            });
          }
        } catch (e) {
          fail("connectivity", e);
        }

        try {
          const a = await loadAbout(ctx, { refresh: false });
          const expired =
            a.subscriptionEnd !== null && Date.parse(a.subscriptionEnd.replace(" ", "T")) < Date.now();
          const warn = a.offer === 0 || expired || a.overQuota || a.uploadForbidden;
          const flags = [
            a.offer === 0 ? "free account: downloads through the API need Premium or Access" : "",
            expired ? "subscription expired" : "",
            a.overQuota ? "over quota" : "",
            a.uploadForbidden ? "uploads forbidden" : "",
          ].filter(Boolean);
          checks.push({
            name: "account",
            status: warn ? "warn" : "ok",
            detail:
              `${a.email}, ${a.offerName}${a.subscriptionEnd ? ` until ${a.subscriptionEnd}` : ""}, CDN ${a.cdnCredits} GB` +
              `${flags.length ? `; ${flags.join("; ")}` : ""}${a.cached ? " (cached)" : ""}`,
          });
        } catch (e) {
          fail("account", e);
        }

        const gov = client.governor?.snapshot();
        if (gov) {
          const locked = gov.lockedUntil > Date.now();
          checks.push({
            name: "rate limits",
            status: locked ? "warn" : "ok",
            detail:
              (locked
                ? `locked until ${new Date(gov.lockedUntil).toLocaleTimeString()} (flood protection)`
                : "not locked") +
              `; this run: ${gov.calls} calls, ${gov.waits} waits (${Math.round(gov.waitedMs / 1000)} s), ` +
              `${gov.retries} retries, ${gov.floods} flood answers; budget ${gov.store}`,
          });
        }
      }

      const ok = checks.every((c) => c.status !== "fail");
      const mark = (s: Check["status"]): string =>
        s === "ok"
          ? ctx.out.style("green", "ok")
          : s === "warn"
            ? ctx.out.style("yellow", "warn")
            : ctx.out.style("red", "FAIL");
      ctx.out.result(table(checks.map((c) => [mark(c.status), c.name, c.detail])), { ok, checks });
      if (!ok) {
        throw Object.assign(new Error("doctor found a problem"), {
          name: "CliError",
          hint: "see the FAIL lines above",
          exitCode: exitCodeFor(firstError),
        });
      }
    });
}
