/**
 * `fichier doctor`: one readable report of where the configuration and the key come from, connectivity to the
 * API, clock skew, the account's state, and the governor's state. Every check runs even if an earlier one
 * failed, except those that need the key when there is none: they say so (`skip`). The exit code is that of
 * the first failure (e.g. 4 for the key, 7 for the network).
 */
import type { Command } from "commander";
import { configDir, pickProfile } from "../../keys/config.js";
import { maskKey } from "../../redact.js";
import { VERSION } from "../../version.js";
import { loadAbout } from "../account.js";
import type { CliContext, FichierClient, ResolvedKey } from "../context.js";
import { CliError } from "../errors.js";
import { exitCodeFor, formatErrorLine } from "../exit-codes.js";
import { table } from "../output.js";
import { NATIVE_SQLITE_FIX } from "../run-index.js";
import { SUMMARIES } from "../summaries.js";
import { formatClock, humanServiceDate } from "../time.js";

/** One line of the report. `skip`: not run, and why (a check that needs the API key when there is none). */
export interface Check {
  name: string;
  status: "ok" | "warn" | "fail" | "skip";
  detail: string;
}

/** Clock skew above which signed links and expiry times get unreliable. */
export const MAX_SKEW_MS = 60_000;

/** An endpoint answering a plain GET without a key (spec §7.2): it proves the URL is a 1fichier API. */
const PROBE_ENDPOINT = "upload/get_upload_server.cgi";

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

/** The report being built: its lines, the first failure, and what later checks need from earlier ones. */
interface Report {
  ctx: CliContext;
  checks: Check[];
  firstError?: unknown;
  key?: ResolvedKey;
}

function fail(r: Report, name: string, e: unknown): void {
  r.firstError ??= e;
  r.checks.push({ name, status: "fail", detail: formatErrorLine(e, {}).replace(/^fichier: /, "") });
}

const NEEDS_KEY = "not run: needs an API key (see the API key line)";

/** Registers `doctor`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("doctor")
    .description(SUMMARIES.doctor.description)
    .addHelpText(
      "after",
      "\nChecks: fichier, configuration, API key, API URL, connectivity and clock (need the key), account,\n" +
        "rate limits, remote index (need the key).\n" +
        'JSON: {ok, checks:[{name, status:"ok"|"warn"|"fail"|"skip", detail}]}',
    )
    .action(() => runDoctor(ctx));
}

/**
 * `fichier doctor`: every check in turn, the report, then the first failure's exit code.
 *
 * @example
 * await runDoctor(ctx);
 */
export async function runDoctor(ctx: CliContext): Promise<void> {
  const r: Report = { ctx, checks: [] };
  r.checks.push({ name: "fichier", status: "ok", detail: `${VERSION} on Node ${process.versions.node}` });
  checkConfiguration(r);
  await checkKey(r);
  const apiUrl = await checkApiUrl(r);
  const client = r.key && apiUrl ? await ctx.client() : undefined;
  await checkConnectivity(r, client, apiUrl);
  await checkAccount(r, client);
  checkRateLimits(r, client);
  await checkIndex(r, client);
  const ok = r.checks.every((c) => c.status !== "fail");
  ctx.out.result(renderReport(ctx, r.checks), { ok, checks: r.checks });
  if (!ok)
    throw new CliError("doctor found a problem", "see the FAIL lines above", exitCodeFor(r.firstError));
}

/** The report's lines: a coloured status, the check's name, its detail. */
function renderReport(ctx: CliContext, checks: Check[]): string {
  const colour = { ok: "green", warn: "yellow", fail: "red", skip: "dim" } as const;
  const word = { ok: "ok", warn: "warn", fail: "FAIL", skip: "skip" } as const;
  // The table escapes its cells (names and details may quote a server's text); the status is ours, coloured after.
  const rows = table(checks.map((c) => [c.name, c.detail])).split("\n");
  return rows
    .map((row, i) => {
      const status = (checks[i] as Check).status;
      return `${ctx.out.style(colour[status], word[status].padEnd(4))}  ${row}`;
    })
    .join("\n");
}

function checkConfiguration(r: Report): void {
  try {
    const profile = pickProfile(r.ctx.globals().profile, r.ctx.env);
    r.checks.push({
      name: "configuration",
      status: "ok",
      detail: `${configDir(r.ctx.env)} (profile ${profile})`,
    });
  } catch (e) {
    fail(r, "configuration", e);
  }
}

async function checkKey(r: Report): Promise<void> {
  try {
    const k = await r.ctx.key();
    const where =
      k.source === "emulator"
        ? "the embedded emulator's premium account"
        : `${k.source}${k.storedAt ? `, stored ${k.storedAt}` : ""}`;
    r.checks.push({ name: "API key", status: "ok", detail: `${maskKey(k.key)} from ${where}` });
    r.key = k;
  } catch (e) {
    fail(r, "API key", e);
  }
}

async function checkApiUrl(r: Report): Promise<string | undefined> {
  const g = r.ctx.globals();
  try {
    const apiUrl = await r.ctx.apiUrl();
    const from = g.emulator ? "embedded emulator" : g.apiUrl ? "--api-url / FICHIER_API_URL" : "default";
    r.checks.push({ name: "API URL", status: "ok", detail: `${apiUrl} (${from})` });
    return apiUrl;
  } catch (e) {
    fail(r, "API URL", e);
    return undefined;
  }
}

/**
 * A plain GET of an endpoint that needs no key: the round trip, and the server's `Date` for the clock. Any
 * answer but a 2xx is a failure: a 404 means the URL is not a 1fichier API.
 */
async function checkConnectivity(r: Report, client: FichierClient | undefined, apiUrl: string | undefined) {
  if (!client || !apiUrl) {
    for (const name of ["connectivity", "clock"]) r.checks.push({ name, status: "skip", detail: NEEDS_KEY });
    return;
  }
  try {
    const t0 = Date.now();
    const res = await client.http.request(`${apiUrl.replace(/\/+$/, "")}/${PROBE_ENDPOINT}`, {
      method: "GET",
    });
    const rtt = Date.now() - t0;
    await res.body.dump().catch(() => {});
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const what = res.statusCode === 404 ? "not a 1fichier API base URL" : "an error";
      throw new CliError(
        `${apiUrl}/${PROBE_ENDPOINT} answered HTTP ${res.statusCode} (${what})`,
        "check --api-url and FICHIER_API_URL (the service's is https://api.1fichier.com/v1)",
        7,
      );
    }
    r.checks.push({ name: "connectivity", status: "ok", detail: `HTTP ${res.statusCode} in ${rtt} ms` });
    const date = res.headers.date;
    r.checks.push(clockCheck(clockSkewMs(Array.isArray(date) ? date[0] : date, t0 + rtt / 2)));
  } catch (e) {
    fail(r, "connectivity", e);
    r.checks.push({ name: "clock", status: "skip", detail: "not run: the API could not be reached" });
  }
}

function clockCheck(skew: number | undefined): Check {
  if (skew === undefined) {
    return { name: "clock", status: "warn", detail: "the server sent no Date header to compare with" };
  }
  const s = Math.round(skew / 1000);
  if (Math.abs(skew) <= MAX_SKEW_MS) {
    return { name: "clock", status: "ok", detail: `within ${Math.max(1, Math.abs(s))} s of the server` };
  }
  return {
    name: "clock",
    status: "warn",
    detail: `local clock is ${Math.abs(s)} s ${s > 0 ? "ahead" : "behind"}: token expiry times will be off; sync it (NTP)`,
  };
}

async function checkAccount(r: Report, client: FichierClient | undefined): Promise<void> {
  if (!client) {
    r.checks.push({ name: "account", status: "skip", detail: NEEDS_KEY });
    return;
  }
  try {
    const a = await loadAbout(r.ctx, { refresh: false });
    const expired = a.subscriptionEnd !== null && Date.parse(a.subscriptionEnd) < Date.now();
    const flags = [
      a.offer === 0 ? "free account: downloads through the API need Premium or Access" : "",
      expired ? "subscription expired" : "",
      a.overQuota ? "over quota" : "",
      a.uploadForbidden ? "uploads forbidden" : "",
    ].filter(Boolean);
    const until = a.subscriptionEnd ? ` until ${humanServiceDate(a.subscriptionEnd)}` : "";
    r.checks.push({
      name: "account",
      status: flags.length > 0 ? "warn" : "ok",
      detail:
        `${a.email}, ${a.offerName}${until}, CDN ${a.cdnCredits} GB` +
        `${flags.length ? `; ${flags.join("; ")}` : ""}${a.cached ? " (cached)" : ""}`,
    });
  } catch (e) {
    fail(r, "account", e);
  }
}

function checkRateLimits(r: Report, client: FichierClient | undefined): void {
  const gov = client?.governor?.snapshot();
  if (!gov) {
    r.checks.push({ name: "rate limits", status: "skip", detail: NEEDS_KEY });
    return;
  }
  const now = Date.now();
  const locked = gov.lockedUntil > now;
  r.checks.push({
    name: "rate limits",
    status: locked ? "warn" : "ok",
    detail:
      (locked ? `locked until ${formatClock(gov.lockedUntil, now)} (flood protection)` : "not locked") +
      `; this run: ${gov.calls} calls, ${gov.waits} waits (${Math.round(gov.waitedMs / 1000)} s), ` +
      `${gov.retries} retries, ${gov.floods} flood answers; budget ${gov.store}`,
  });
}

/**
 * Where the remote index lives (no call): its file, or in memory when better-sqlite3's native module did not load
 * or the file could not be opened (the run's warning says why; a warning here too).
 */
async function checkIndex(r: Report, client: FichierClient | undefined): Promise<void> {
  if (!client) {
    r.checks.push({ name: "remote index", status: "skip", detail: NEEDS_KEY });
    return;
  }
  try {
    const index = await r.ctx.index();
    const memory = index.location === "memory";
    r.checks.push({
      name: "remote index",
      status: memory ? "warn" : "ok",
      detail: memory
        ? `in memory for each run (listings are not kept between runs): ${NATIVE_SQLITE_FIX} if better-sqlite3 did not load`
        : `${index.location} (a folder listed is served from it for ${Math.round(index.maxAgeMs / 1000)} s)`,
    });
  } catch (e) {
    fail(r, "remote index", e);
  }
}
