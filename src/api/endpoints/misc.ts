// user/info.cgi, download/get_token.cgi, remote/*, ftp/*, vouchers/* (spec §7.1, §7.18–§7.21).
import { z } from "zod";
import type { ClientContext } from "../context.js";
import {
  remoteInfoSchema,
  remoteListSchema,
  remoteRequestSchema,
  tokenSchema,
  userInfoSchema,
  voucherListSchema,
} from "../schemas.js";
import type { RemoteJob, RemoteJobInfo, UserInfo } from "../types.js";
import { normaliseFileUrl } from "../urls.js";
import { type Signalable, sig } from "./files.js";

const anySchema = z.looseObject({});

export interface UserApi {
  /**
   * Account information (`user/info.cgi`, spec §7.18). 1fichier allows one call per 5 minutes, so the
   * answer is cached that long (shared with other processes using the key); `fresh` waits for the next
   * allowed call instead.
   * @example
   * ```ts
   * const me = await client.user.info();
   * console.log(me.email, me.offer, me.coldStorage);
   * ```
   */
  info(opts?: { fresh?: boolean } & Signalable): Promise<UserInfo>;
}

export interface DownloadApi {
  /**
   * A temporary direct-download URL (`download/get_token.cgi`, spec §7.1): valid 5 minutes if unused,
   * then 30 minutes of Range requests when `single` is false.
   * @example
   * ```ts
   * const { url } = await client.download.getToken({ url: fileUrl });
   * const res = await client.http.request(url, { headers: { range: "bytes=0-1023" } });
   * ```
   * @throws EntitlementError #200 on a free account
   */
  getToken(
    opts: {
      url: string;
      single?: boolean;
      inline?: boolean;
      cdn?: boolean;
      password?: string;
      noSsl?: boolean;
    } & Signalable,
  ): Promise<{ url: string; expiresAt: number }>;
}

export interface RemoteApi {
  /**
   * Asks 1fichier to fetch URLs into the account (`remote/request.cgi`, spec §7.19).
   * @example
   * ```ts
   * const { id } = await client.remote.request({ urls: ["https://example.org/a.iso"], folderId: 0 });
   * ```
   */
  request(
    opts: { urls: string[]; folderId?: number; headers?: Record<string, string> | string[] } & Signalable,
  ): Promise<{ id: number; raw: Record<string, unknown> }>;
  /**
   * Remote-upload jobs (`remote/ls.cgi`).
   * @example
   * ```ts
   * for (const job of await client.remote.list()) console.log(job.id, job.executionDate || "pending");
   * ```
   */
  list(opts?: Signalable): Promise<RemoteJob[]>;
  /**
   * One job's result (`remote/info.cgi`).
   * @example
   * ```ts
   * const job = await client.remote.info({ id: 12 });
   * ```
   */
  info(opts: { id: number } & Signalable): Promise<RemoteJobInfo>;
}

export interface FtpApi {
  /**
   * Asks 1fichier to process files uploaded over FTP (`ftp/process.cgi`, spec §7.20).
   * @example
   * ```ts
   * await client.ftp.process();
   * ```
   */
  process(opts?: Signalable): Promise<Record<string, unknown>>;
  users: {
    /**
     * FTP users (`ftp/users/ls.cgi`; the answer's shape is unknown, spec §7.20, so it is returned raw).
     * @example
     * ```ts
     * const users = await client.ftp.users.list();
     * ```
     */
    list(opts?: Signalable): Promise<Record<string, unknown>[]>;
    /**
     * Adds an FTP user bound to a folder (`ftp/users/add.cgi`).
     * @example
     * ```ts
     * await client.ftp.users.add({ user: "cam", password: "s3cret-pass", folderId: 42 });
     * ```
     */
    add(
      opts: { user: string; password: string; folderId: number } & Signalable,
    ): Promise<Record<string, unknown>>;
    /**
     * Removes an FTP user (`ftp/users/rm.cgi`).
     * @example
     * ```ts
     * await client.ftp.users.remove({ user: "cam" });
     * ```
     */
    remove(opts: { user: string } & Signalable): Promise<Record<string, unknown>>;
  };
}

export interface VouchersApi {
  /**
   * Unused vouchers (`vouchers/ls.cgi`, spec §7.21).
   * @example
   * ```ts
   * const vouchers = await client.vouchers.list();
   * ```
   */
  list(opts?: Signalable): Promise<{ voucher: string; service: string }[]>;
  /**
   * What a voucher is for (`vouchers/check.cgi`).
   * @example
   * ```ts
   * const { service } = await client.vouchers.check({ voucher: code });
   * ```
   */
  check(opts: { voucher: string } & Signalable): Promise<{ service: string }>;
  /**
   * Redeems a voucher for an account (`vouchers/use.cgi`).
   * @example
   * ```ts
   * await client.vouchers.use({ voucher: code, email: "me@example.org" });
   * ```
   */
  use(opts: { voucher: string; email: string } & Signalable): Promise<{ message: string }>;
}

/** Token lifetime when unused (spec §7.1, DECISIONS.md "Transfers"). */
export const TOKEN_TTL_MS = 5 * 60_000;

export function userApi(ctx: ClientContext): UserApi {
  return {
    async info(opts = {}) {
      // spec §7.18: the body may be empty; we send `{}`.
      return ctx.call("user/info.cgi", {}, userInfoSchema, {
        cache: true,
        fresh: opts.fresh ?? false,
        ...sig(opts),
      });
    },
  };
}

export function downloadApi(ctx: ClientContext): DownloadApi {
  return {
    async getToken(opts) {
      const body: Record<string, unknown> = { url: normaliseFileUrl(opts.url) };
      if (opts.single !== undefined) body.single = opts.single ? 1 : 0;
      if (opts.inline !== undefined) body.inline = opts.inline ? 1 : 0;
      if (opts.cdn !== undefined) body.cdn = opts.cdn ? 1 : 0;
      if (opts.noSsl !== undefined) body.no_ssl = opts.noSsl ? 1 : 0;
      if (opts.password !== undefined) body.pass = opts.password;
      const issued = ctx.now();
      // The token URL is a bearer of its own: the --debug trace shows its origin only.
      const r = await ctx.call("download/get_token.cgi", body, tokenSchema, {
        tokenFields: ["url"],
        ...sig(opts),
      });
      return { url: r.url, expiresAt: issued + TOKEN_TTL_MS };
    },
  };
}

export function remoteApi(ctx: ClientContext): RemoteApi {
  return {
    async request(opts) {
      const body: Record<string, unknown> = { urls: opts.urls };
      if (opts.folderId !== undefined) body.folder_id = opts.folderId;
      if (opts.headers !== undefined) body.headers = opts.headers;
      const r = await ctx.call("remote/request.cgi", body, remoteRequestSchema, {
        idempotent: false,
        ...sig(opts),
      });
      return { id: r.id, raw: r as Record<string, unknown> };
    },
    async list(opts = {}) {
      return ctx.call("remote/ls.cgi", {}, remoteListSchema, sig(opts));
    },
    async info(opts) {
      return ctx.call("remote/info.cgi", { id: opts.id }, remoteInfoSchema, sig(opts));
    },
  };
}

export function ftpApi(ctx: ClientContext): FtpApi {
  const dataSchema = z.looseObject({ data: z.array(z.looseObject({})).optional().nullable() });
  return {
    async process(opts = {}) {
      return ctx.call("ftp/process.cgi", {}, anySchema, sig(opts));
    },
    users: {
      async list(opts = {}) {
        const r = await ctx.call("ftp/users/ls.cgi", {}, dataSchema, sig(opts));
        return (r.data ?? []) as Record<string, unknown>[];
      },
      async add(opts) {
        return ctx.call(
          "ftp/users/add.cgi",
          { user: opts.user, pass: opts.password, folder_id: opts.folderId },
          anySchema,
          sig(opts),
        );
      },
      async remove(opts) {
        return ctx.call("ftp/users/rm.cgi", { user: opts.user }, anySchema, sig(opts));
      },
    },
  };
}

export function vouchersApi(ctx: ClientContext): VouchersApi {
  return {
    async list(opts = {}) {
      return ctx.call("vouchers/ls.cgi", {}, voucherListSchema, sig(opts));
    },
    async check(opts) {
      const r = await ctx.call(
        "vouchers/check.cgi",
        { voucher: opts.voucher },
        z.looseObject({ service: z.string().optional() }),
        sig(opts),
      );
      return { service: r.service ?? "" };
    },
    async use(opts) {
      const r = await ctx.call(
        "vouchers/use.cgi",
        { voucher: opts.voucher, user_email: opts.email },
        z.looseObject({ message: z.string().optional() }),
        { idempotent: false, ...sig(opts) },
      );
      return { message: r.message ?? "" };
    },
  };
}
