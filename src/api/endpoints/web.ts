// Website reads the API lacks (spec §7.22): public share listings and check_links.pl; plus raw HTTP for
// transfers through the same proxy-aware dispatcher.
import { type Dispatcher, request } from "undici";
import { redact } from "../../redact.js";
import type { ClientContext } from "../context.js";
import { parseWith } from "../context.js";
import { classifyFailure, InvalidUrlError } from "../errors.js";
import { parseCheckLinks, sharedFolderSchema } from "../schemas.js";
import { looksLikeHtml, networkFailure } from "../transport.js";
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
   * A raw HTTP request through the client's proxy-aware dispatcher, for transfers (token URLs, Range).
   * Not paced by the governor; the caller consumes or discards `body`.
   * @example
   * ```ts
   * const res = await client.http.request(tokenUrl, { headers: { range: "bytes=100-" } });
   * for await (const chunk of res.body) out.write(chunk);
   * ```
   */
  request(
    url: string,
    opts?: {
      method?: Dispatcher.HttpMethod;
      headers?: Record<string, string>;
      body?: Dispatcher.DispatchOptions["body"];
      signal?: AbortSignal;
      headersTimeout?: number;
      bodyTimeout?: number;
    },
  ): Promise<Dispatcher.ResponseData>;
}

/** Hides the path of a URL (download tokens are secrets) for traces. */
function hidePath(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}/[token]`;
  } catch {
    return "[url]";
  }
}

async function webCall(
  ctx: ClientContext,
  endpoint: string,
  url: string,
  init: { method: "GET" | "POST"; form?: string },
  signal?: AbortSignal,
): Promise<{ status: number; text: string; contentType: string }> {
  const s = ctx.signal(signal);
  const run = async () => {
    ctx.trace?.(redact(`> ${init.method} ${url}${init.form ? ` ${init.form}` : ""}`));
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: init.method,
        dispatcher: ctx.dispatcher,
        headers: {
          "user-agent": ctx.userAgent,
          // spec §7.22: rclone sends this content type for the share listing.
          "content-type": "application/x-www-form-urlencoded",
        },
        ...(init.form !== undefined ? { body: init.form } : {}),
        signal: s,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
    } catch (e) {
      throw networkFailure(e, endpoint, s);
    }
    const text = await res.body.text();
    ctx.trace?.(`< ${res.statusCode} ${endpoint} ${text.length > 200 ? `${text.slice(0, 200)}...` : text}`);
    const contentType = String(res.headers["content-type"] ?? "");
    if (res.statusCode >= 400) {
      let message: string | undefined;
      try {
        const j = JSON.parse(text) as { message?: unknown };
        if (typeof j.message === "string") message = j.message;
      } catch {
        message = undefined;
      }
      throw classifyFailure({
        endpoint,
        httpStatus: res.statusCode,
        ...(message !== undefined ? { message } : { bodyText: text, html: looksLikeHtml(contentType, text) }),
        now: ctx.now(),
      });
    }
    return { status: res.statusCode, text, contentType };
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
      let json: unknown;
      try {
        json = JSON.parse(r.text);
      } catch {
        throw classifyFailure({
          endpoint,
          httpStatus: r.status,
          bodyText: r.text,
          html: looksLikeHtml(r.contentType, r.text),
          now: ctx.now(),
        });
      }
      if (!Array.isArray(json)) {
        const message = (json as { message?: unknown })?.message;
        throw classifyFailure({
          endpoint,
          httpStatus: r.status,
          ...(typeof message === "string" ? { message } : { bodyText: r.text }),
          now: ctx.now(),
        });
      }
      return parseWith(sharedFolderSchema, json, endpoint);
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
      const method = opts.method ?? "GET";
      ctx.trace?.(`> ${method} ${hidePath(url)}${opts.headers?.range ? ` range=${opts.headers.range}` : ""}`);
      try {
        const res = await request(url, {
          method,
          dispatcher: ctx.dispatcher,
          headers: { "user-agent": ctx.userAgent, ...(opts.headers ?? {}) },
          ...(opts.body !== undefined ? { body: opts.body } : {}),
          signal: s,
          headersTimeout: opts.headersTimeout ?? 60_000,
          bodyTimeout: opts.bodyTimeout ?? 120_000,
        });
        ctx.trace?.(`< ${res.statusCode} ${hidePath(url)}`);
        return res;
      } catch (e) {
        throw networkFailure(e, "download", s);
      }
    },
  };
}
