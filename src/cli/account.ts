/**
 * The account as `about`, `doctor` and `key status` show it: `user/info.cgi` through the client's shared
 * 5-minute cache (spec §2.1: the service allows one call per 5 minutes per key).
 */
import type { UserInfo } from "../api/types.js";
import { offerName } from "../keys/check.js";
import type { CliContext } from "./context.js";
import { jsonServiceDate } from "./time.js";

/**
 * The `--json` document of `fichier about`: the client's `UserInfo` (less its raw answer, `subscriptionEnd` in
 * RFC 3339) and three facts more.
 */
export type AboutJson = Omit<UserInfo, "raw"> & {
  offerName: string;
  /** True when the answer came from the 5-minute cache rather than a new `user/info.cgi` call. */
  cached: boolean;
  emulator: boolean;
};

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
    const { raw: _raw, subscriptionEnd, ...info } = await client.user.info({ fresh: opts.refresh });
    return {
      ...info,
      // spec §7.18: a 1fichier date (Paris time); RFC 3339 here, as every date of the command's JSON.
      subscriptionEnd: subscriptionEnd === null ? null : jsonServiceDate(subscriptionEnd),
      offerName: offerName(info.offer),
      cached,
      emulator: ctx.globals().emulator,
    };
  } finally {
    off?.();
  }
}
