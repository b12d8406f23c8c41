// Download tokens shared by the connections of one download (or one `cat`): one token at a time; a 410
// (expired or used up, DECISIONS.md) makes the first connection that sees it ask for a fresh one for all.
import { ServerError } from "../api/errors.js";
import type { TransferClient } from "./client.js";

/**
 * Fresh tokens one download may ask for before it gives up: a token lives 30 minutes once used (spec §7.1),
 * so this many 410s in one download means the server keeps refusing, not that tokens aged.
 */
export const MAX_TOKEN_REFRESHES = 50;

/**
 * Hands out the current token URL; `expire` makes the next `get` fetch a fresh one.
 *
 * @example
 * const tokens = tokenSourceFor(client, url);
 * const { url: tokenUrl, generation } = await tokens.get();
 * // ...the link answered 410:
 * tokens.expire(generation);
 */
export class TokenSource {
  private current: Promise<string> | undefined;
  private generation = 0;
  refreshes = 0;

  constructor(private readonly fetchToken: () => Promise<string>) {}

  /** The current token URL and its generation (a failed request for it is forgotten, so a later get retries). */
  async get(): Promise<{ url: string; generation: number }> {
    if (!this.current) {
      const p = this.fetchToken();
      this.current = p;
      p.catch(() => {
        if (this.current === p) this.current = undefined;
      });
    }
    const generation = this.generation;
    return { url: await this.current, generation };
  }

  /**
   * Drops the token of `generation` (no-op if another connection already replaced it).
   *
   * @throws ServerError after {@link MAX_TOKEN_REFRESHES} fresh tokens
   */
  expire(generation: number): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.refreshes++;
    this.current = undefined;
    if (this.refreshes > MAX_TOKEN_REFRESHES) {
      throw new ServerError("download tokens keep expiring (HTTP 410)", { retryable: false });
    }
  }
}

/**
 * The token source of one file: `download/get_token.cgi` with Range allowed (`single: false`, spec §7.1).
 *
 * @example
 * const tokens = tokenSourceFor(client, "https://1fichier.com/?abc", password);
 */
export function tokenSourceFor(client: TransferClient, url: string, password?: string): TokenSource {
  return new TokenSource(
    async () =>
      (await client.download.getToken({ url, single: false, ...(password ? { password } : {}) })).url,
  );
}
