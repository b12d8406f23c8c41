/** `user/info.cgi` (spec §7.18): many fields are JSON strings on purpose. */
import { z } from "zod";
import { parisDate } from "../clock.js";
import { type ApiRoute, accountOf } from "../context.js";
import { ApiError, KO } from "../http.js";
import { DEFAULT_SETTINGS, type Settings } from "../store.js";
import { flag, int, parse } from "./common.js";

const TB = 1024 ** 4;

const schema = z.object({
  ftp_mode: flag.optional(),
  ftp_did: int.optional(),
  ftp_report: flag.optional(),
  ru_report: flag.optional(),
  default_domain: int.min(0).max(10).optional(),
  page_limit: int.min(1).max(10000).optional(),
  default_port: flag.optional(),
  default_port_files: flag.optional(),
  use_cdn: flag.optional(),
  download_menu: flag.optional(),
});

const info: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(schema, call.body);
    const refusal = ctx.limiter.checkUserInfo(account.api_key ?? "", call.ip, ctx.clock.now());
    if (refusal) throw new ApiError(403, refusal.message, refusal.retryAfterSeconds);
    if (b.ftp_did !== undefined && b.ftp_did !== 0 && !ctx.store.folder(account.email, b.ftp_did)) {
      throw KO.folderNotFound();
    }
    const settings: Settings = {
      ...DEFAULT_SETTINGS,
      ...(JSON.parse(account.settings) as Partial<Settings>),
    };
    let changed = false;
    for (const [k, v] of Object.entries(b)) {
      if (v !== undefined) {
        (settings as Record<string, number>)[k] = v;
        changed = true;
      }
    }
    if (changed) ctx.store.setSettings(account.email, settings);
    const now = ctx.clock.now();
    const used = ctx.store.accountBytes(account.email);
    const allowed = account.offer === 0 ? 0 : account.offer === 3 ? 100 * TB : 10 * TB;
    const s = (n: number): string => String(n);
    // spec §7.18: the "string" column is sent as JSON strings, the int column as numbers.
    return {
      status: "OK",
      email: account.email,
      offer: s(account.offer),
      subscription_end: account.offer === 0 ? "" : parisDate(account.created + 365 * 86400_000),
      "2fa": "0",
      mail_rm: "0",
      ftp_mode: s(settings.ftp_mode),
      ftp_did: settings.ftp_did,
      ftp_report: s(settings.ftp_report),
      ru_report: s(settings.ru_report),
      default_domain: settings.default_domain,
      page_limit: settings.page_limit,
      default_port: s(settings.default_port),
      default_port_files: s(settings.default_port_files),
      use_cdn: s(settings.use_cdn),
      download_menu: s(settings.download_menu),
      cdn: account.offer === 3 ? "100" : "0",
      default_quota: allowed,
      default_cold_storage_quota: allowed,
      hot_storage: 0,
      cold_storage: used,
      stats_date: parisDate(now),
      allowed_cold_storage: allowed,
      available_storage: allowed - used,
      available_cold_storage: allowed - used,
      overquota: allowed > 0 && used > allowed ? 1 : 0,
      upload_forbidden: "0",
    };
  },
};

/** The user routes. */
export const userRoutes: Record<string, ApiRoute> = { "user/info.cgi": info };
