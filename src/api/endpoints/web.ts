// Website reads the API lacks (spec §7.22): public share listings and check_links.pl; plus raw HTTP for
// transfers. All of it through the client's one HTTP exchange (http.ts).
import type { Dispatcher } from "undici";
import type { ClientContext } from "../context.js";
import { parseWith } from "../context.js";
import { InvalidUrlError } from "../errors.js";
import { type Answer, BODY_CAPS, type ExchangeRequest, type StreamRequest } from "../http.js";
import { parseCheckLinks, sharedFolderSchema } from "../schemas.js";
import type { LinkState, SharedFile } from "../types.js";
import { normaliseFileUrl, parseShareUrl } from "../urls.js";

export interface SharesApi {
  /**
   * Lists a public shared folder (`/dir/<hash>?json=1`, or POST with the password; spec §7.22).
   * No API key is sent to the website.
   * @example
   * ```ts
   * const files = await client.shares.listPublic("https://1fichier.com/dir/GwAVeQxR");
   * ```
   * @throws NotFoundError for an unknown share, NotAllowedError for a wrong password
   */
  listPublic(hashOrUrl: string, opts?: { password?: string; signal?: AbortSignal }): Promise<SharedFile[]>;
}

export interface LinksApi {
  /**
   * Checks file links in batches of 100 (`check_links.pl`, spec §7.22). Works for anyone's files.
   * @example
   * ```ts
   * const states = await client.links.check(["https://1fichier.com/?abcde12345"]);
   * ```
   */
  check(urls: string[], opts?: { signal?: AbortSignal }): Promise<LinkState[]>;
}

export interface HttpApi {
  /**
   * A raw HTTP request through the client's one HTTP exchange, for transfers (token URLs, Range): the
   * proxy-aware dispatcher and the user agent, no body cap, no deadline, never the API key. Not paced by
   * the governor; the caller consumes or discards `body`. Options: `method`, `headers`, `body`, `signal`,
   * `headersTimeout` (default the client's `timeoutMs`), `bodyTimeout` (default 120 000 ms).
   * @example
   * ```ts
   * const res = await client.http.request(tokenUrl, { headers: { range: "bytes=100-" } });
   * for await (const chunk of res.body) out.write(chunk);
   * ```
   */
  request(url: string, opts?: StreamRequest): Promise<Dispatcher.ResponseData>;
  /**
   * One request read whole through the client's one HTTP exchange, for a caller that passes answers on as they
   * came (the gateway): the body read within `cap` (`BODY_CAPS`), headers and body within the call deadline,
   * the key sent only with `auth` and only to the API's host or a 1fichier upload node. Any HTTP status
   * resolves; no answer throws the client's NetworkError, TimeoutError or AbortedError. Not paced by the
   * governor.
   * @example
   * ```ts
   * const a = await client.http.exchange({ endpoint: "folder/ls.cgi", url: `${client.apiUrl}/folder/ls.cgi`,
   *   json: { folder_id: 0 }, auth: true, cap: BODY_CAPS.listing });
   * console.log(a.status, a.json);
   * ```
   */
  exchange(req: ExchangeRequest): Promise<Answer>;
}

/** A website read (spec §7.22): the one exchange, the page cap, any status over 399 an error. */
async function webCall(
  ctx: ClientContext,
  endpoint: string,
  url: string,
  init: { method: "GET" | "POST"; form?: string },
  signal?: AbortSignal,
): Promise<Answer> {
  const s = ctx.signal(signal);
  const run = async () => {
    const answer = await ctx.http.exchange({
      endpoint,
      url,
      method: init.method,
      // spec §7.22: rclone sends this content type for the share listing, even on a GET.
      headers: { "content-type": "application/x-www-form-urlencoded" },
      ...(init.form !== undefined ? { form: init.form } : {}),
      cap: BODY_CAPS.page,
      ...(s ? { signal: s } : {}),
    });
    if (answer.status >= 400) throw ctx.http.failure(answer);
    return answer;
  };
  // Website calls share the key's budget: they come from the same IP and 1fichier locks IPs too.
  return ctx.governor ? ctx.governor.run({ endpoint, ...(s ? { signal: s } : {}) }, run) : run();
}

export function sharesApi(ctx: ClientContext): SharesApi {
  return {
    async listPublic(hashOrUrl, opts = {}) {
      const hash = parseShareUrl(hashOrUrl, true);
      if (hash === undefined) {
        throw new InvalidUrlError(`${JSON.stringify(hashOrUrl)} is not a 1fichier share URL.`, {
          hint: "Give a URL like https://1fichier.com/dir/AbCd1234 or its hash.",
        });
      }
      const endpoint = `dir/${hash}`;
      const base = `${ctx.webUrl}/dir/${encodeURIComponent(hash)}`;
      const r =
        opts.password === undefined
          ? await webCall(ctx, endpoint, `${base}?json=1`, { method: "GET" }, opts.signal)
          : await webCall(
              ctx,
              endpoint,
              base,
              { method: "POST", form: `json=1&pass=${encodeURIComponent(opts.password)}` },
              opts.signal,
            );
      // Not a JSON list: a KO object, an HTML page or junk, classified like any failed answer.
      if (!r.parsed || !Array.isArray(r.json)) throw ctx.http.failure(r);
      return parseWith(sharedFolderSchema, r.json, endpoint);
    },
  };
}

export function linksApi(ctx: ClientContext): LinksApi {
  return {
    async check(urls, opts = {}) {
      const out: LinkState[] = [];
      // spec §12: 100 links per request (JD's batch size).
      for (let i = 0; i < urls.length; i += 100) {
        const batch = urls.slice(i, i + 100).map(normaliseFileUrl);
        const form = batch.map((u) => `links[]=${encodeURIComponent(u)}`).join("&");
        const r = await webCall(
          ctx,
          "check_links.pl",
          `${ctx.webUrl}/check_links.pl`,
          { method: "POST", form },
          opts.signal,
        );
        out.push(...parseCheckLinks(r.text));
      }
      return out;
    },
  };
}

export function httpApi(ctx: ClientContext): HttpApi {
  return {
    async request(url, opts = {}) {
      const s = ctx.signal(opts.signal);
      return ctx.http.stream(url, { ...opts, ...(s ? { signal: s } : {}) });
    },
    async exchange(req) {
      const s = ctx.signal(req.signal);
      return ctx.http.exchange({ ...req, ...(s ? { signal: s } : {}) });
    },
  };
}
