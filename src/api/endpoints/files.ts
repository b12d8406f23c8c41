// file/*.cgi (spec §7.5–§7.12).
import { z } from "zod";
import type { ClientContext } from "../context.js";
import { BadRequestError } from "../errors.js";
import { decodeName, encodeName } from "../names.js";
import {
  chattrSchema,
  copySchema,
  fileInfoSchema,
  fileListSchema,
  moveSchema,
  removeSchema,
  renameSchema,
} from "../schemas.js";
import type { ClientObserver, FileInfo, FileItem } from "../types.js";
import { normaliseFileUrl } from "../urls.js";

const statusSchema = z.looseObject({ status: z.string().optional(), message: z.string().optional() });

export interface Signalable {
  signal?: AbortSignal;
}

export interface FilesApi {
  /**
   * Lists the files of a folder (`file/ls.cgi`, spec §7.5). `folderId` -1 lists the whole account (once an
   * hour). Paced to once per 30 s per folder; the answer is cached as long and dropped by the client's own
   * changes. Names are decoded.
   * @example
   * ```ts
   * const files = await client.files.list({ folderId: 0 });
   * ```
   */
  list(
    opts?: { folderId?: number; sentBefore?: string; sentAfter?: string; fresh?: boolean } & Signalable,
  ): Promise<FileItem[]>;
  /**
   * Information on one file (`file/info.cgi`, spec §7.6).
   * @example
   * ```ts
   * const info = await client.files.info({ url: "https://1fichier.com/?abcde12345" });
   * ```
   * @throws NotFoundError (#469), NotAllowedError (#631, password)
   */
  info(opts: { url: string; password?: string } & Signalable): Promise<FileInfo>;
  /**
   * Deletes files (`file/rm.cgi`, spec §7.8).
   * @example
   * ```ts
   * const { removed } = await client.files.remove(["https://1fichier.com/?abcde12345"]);
   * ```
   */
  remove(urls: string[], opts?: Signalable): Promise<{ removed: number; urls: string[] }>;
  /**
   * Moves files to a folder, optionally renaming one (`file/mv.cgi`, spec §7.9). The URLs stay the same.
   * @example
   * ```ts
   * await client.files.move({ urls: [url], folderId: 42 });
   * ```
   */
  move(opts: { urls: string[]; folderId: number; rename?: string } & Signalable): Promise<{ urls: string[] }>;
  /**
   * Copies files server-side (`file/cp.cgi`, spec §7.11); each copy gets a new URL.
   * @example
   * ```ts
   * const { urls } = await client.files.copy({ urls: [url], folderId: 0 });
   * console.log(urls[0]?.to);
   * ```
   */
  copy(
    opts: { urls: string[]; folderId: number; rename?: string; password?: string } & Signalable,
  ): Promise<{ urls: { from: string; to: string }[] }>;
  /**
   * Renames one file in place (`file/rename.cgi`, spec §7.10).
   * @example
   * ```ts
   * await client.files.rename({ url, filename: "report <final>.pdf" });
   * ```
   * @throws ConflictError #312 when the name does not change
   */
  rename(
    opts: { url: string; filename: string } & Signalable,
  ): Promise<{ url: string; oldFilename: string; newFilename: string }>;
  /**
   * Changes attributes (`file/chattr.cgi`, spec §7.12). `password: null` or `""` removes the password.
   * @example
   * ```ts
   * await client.files.setAttributes({ urls: [url], description: "Q3 report", inline: true });
   * ```
   */
  setAttributes(
    opts: {
      urls: string[];
      filename?: string;
      description?: string;
      password?: string | null;
      inline?: boolean;
      cdn?: boolean;
      noSsl?: boolean;
      acl?: { ip?: string[]; country?: string[]; email?: string[]; premium?: boolean } | null;
    } & Signalable,
  ): Promise<{ updated: number; urls: string[] }>;
  /**
   * Antivirus scan (`file/scan.cgi`, spec §7.7; files under 5 GB). A virus found removes the file and
   * answers KO.
   * @example
   * ```ts
   * const r = await client.files.scan({ url });
   * ```
   */
  scan(opts: { url: string } & Signalable): Promise<{ status: string; message: string; date: string | null }>;
}

const flag = (b: boolean | undefined) => (b ? 1 : 0);

/** Builds the `files` group; listings and changes are told to `observers` after each success. */
export function filesApi(ctx: ClientContext, observers: ClientObserver): FilesApi {
  return {
    list: (opts = {}) => listFiles(ctx, observers, opts),
    async info(opts) {
      const body: Record<string, unknown> = { url: normaliseFileUrl(opts.url) };
      if (opts.password !== undefined) body.pass = opts.password;
      return ctx.call("file/info.cgi", body, fileInfoSchema, sig(opts));
    },
    async remove(urls, opts = {}) {
      const files = urls.map((u) => ({ url: normaliseFileUrl(u) }));
      const r = await ctx.call("file/rm.cgi", { files }, removeSchema, sig(opts));
      ctx.mutated("files");
      const removed = r.urls ?? files.map((f) => f.url);
      observers.changed({ type: "files-removed", urls: removed, at: ctx.now() });
      return { removed: r.removed ?? files.length, urls: removed };
    },
    async move(opts) {
      const body: Record<string, unknown> = {
        urls: opts.urls.map(normaliseFileUrl),
        destination_folder_id: opts.folderId,
      };
      // spec §7.9: `rename` only with one URL; never equal to the current name (rclone 3f2074901).
      if (opts.rename !== undefined) {
        oneUrlOnly(opts.urls, "move with rename");
        body.rename = encodeName(opts.rename);
      }
      const r = await ctx.call("file/mv.cgi", body, moveSchema, sig(opts));
      ctx.mutated("files");
      const urls = r.urls ?? (body.urls as string[]);
      observers.changed({
        type: "files-moved",
        folderId: opts.folderId,
        urls,
        name: opts.rename,
        at: ctx.now(),
      });
      return { urls };
    },
    async copy(opts) {
      const body: Record<string, unknown> = {
        urls: opts.urls.map(normaliseFileUrl),
        folder_id: opts.folderId,
      };
      if (opts.rename !== undefined) {
        oneUrlOnly(opts.urls, "copy with rename");
        body.rename = encodeName(opts.rename);
      }
      if (opts.password !== undefined) body.pass = opts.password;
      // A copy makes a new file each time: a retried copy could leave two, so it is never re-sent.
      const r = await ctx.call("file/cp.cgi", body, copySchema, { idempotent: false, ...sig(opts) });
      ctx.mutated("files");
      const copies = (r.urls ?? []).map((u) => ({ from: u.from_url, to: u.to_url }));
      observers.changed({
        type: "files-copied",
        folderId: opts.folderId,
        copies,
        name: opts.rename,
        at: ctx.now(),
      });
      return { urls: copies };
    },
    rename: (opts) => renameFile(ctx, observers, opts),
    async setAttributes(opts) {
      const body = attributesBody(opts);
      const r = await ctx.call("file/chattr.cgi", body, chattrSchema, sig(opts));
      ctx.mutated("files");
      const urls = r.urls ?? (body.urls as string[]);
      observers.changed({ type: "files-changed", urls, ...attributeChanges(opts), at: ctx.now() });
      return { updated: r.updated ?? opts.urls.length, urls };
    },
    async scan(opts) {
      const r = await ctx.call(
        "file/scan.cgi",
        { url: normaliseFileUrl(opts.url) },
        statusSchema.extend({ date: z.string().optional() }),
        sig(opts),
      );
      return { status: r.status ?? "OK", message: r.message ?? "", date: r.date ?? null };
    },
  };
}

type ListOptions = Parameters<FilesApi["list"]>[0] & {};
type AttributeOptions = Parameters<FilesApi["setAttributes"]>[0];

async function listFiles(
  ctx: ClientContext,
  observers: ClientObserver,
  opts: ListOptions,
): Promise<FileItem[]> {
  const folderId = opts.folderId ?? 0;
  const body: Record<string, unknown> = { folder_id: folderId };
  if (opts.sentBefore) body.sent_before = opts.sentBefore;
  if (opts.sentAfter) body.sent_after = opts.sentAfter;
  let startedAt = ctx.now();
  const files = await ctx.call("file/ls.cgi", body, fileListSchema, {
    cache: true,
    fresh: opts.fresh ?? false,
    onSent: (at) => {
      startedAt = at;
    },
    ...sig(opts),
  });
  // The whole-account listing (-1) says no folder per file: nothing to tell.
  if (folderId >= 0) {
    const { sentAfter, sentBefore } = opts;
    observers.listed({ endpoint: "file/ls.cgi", folderId, startedAt, files, sentAfter, sentBefore });
  }
  return files;
}

async function renameFile(
  ctx: ClientContext,
  observers: ClientObserver,
  opts: Parameters<FilesApi["rename"]>[0],
): ReturnType<FilesApi["rename"]> {
  const url = normaliseFileUrl(opts.url);
  const r = await ctx.call(
    "file/rename.cgi",
    { urls: [{ url, filename: encodeName(opts.filename) }] },
    renameSchema,
    sig(opts),
  );
  ctx.mutated("files");
  const first = r.urls?.[0];
  const renamed = {
    url: first?.url ?? url,
    oldFilename: decodeName(first?.old_filename ?? ""),
    newFilename: decodeName(first?.new_filename ?? encodeName(opts.filename)),
  };
  observers.changed({
    type: "files-renamed",
    renames: [{ url: renamed.url, name: renamed.newFilename }],
    at: ctx.now(),
  });
  return renamed;
}

/** The `file/chattr.cgi` body (spec §7.12). */
function attributesBody(opts: AttributeOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { urls: opts.urls.map(normaliseFileUrl) };
  if (opts.filename !== undefined) {
    oneUrlOnly(opts.urls, "setting a file name");
    body.filename = encodeName(opts.filename);
  }
  if (opts.description !== undefined) body.description = opts.description;
  if (opts.password !== undefined) body.pass = opts.password ?? "";
  if (opts.inline !== undefined) body.inline = flag(opts.inline);
  if (opts.cdn !== undefined) body.cdn = flag(opts.cdn);
  if (opts.noSsl !== undefined) body.no_ssl = flag(opts.noSsl);
  if (opts.acl !== undefined) {
    body.acl =
      opts.acl === null
        ? {}
        : {
            ip: opts.acl.ip ?? [],
            country: opts.acl.country ?? [],
            email: opts.acl.email ?? [],
            premium: flag(opts.acl.premium),
          };
  }
  return body;
}

/** What a `file/chattr.cgi` call changed, as the index records it (flags, not the secrets themselves). */
function attributeChanges(opts: AttributeOptions): {
  name?: string;
  password?: boolean;
  acl?: boolean;
  cdn?: boolean;
} {
  const out: { name?: string; password?: boolean; acl?: boolean; cdn?: boolean } = {};
  if (opts.filename !== undefined) out.name = opts.filename;
  if (opts.password !== undefined) out.password = !!opts.password;
  if (opts.cdn !== undefined) out.cdn = opts.cdn;
  if (opts.acl !== undefined) {
    const a = opts.acl;
    out.acl = !!a && (!!a.premium || [a.ip, a.country, a.email].some((l) => (l?.length ?? 0) > 0));
  }
  return out;
}

/** spec §7.9, §7.11, §7.12: a new name applies to a single file. */
function oneUrlOnly(urls: string[], what: string): void {
  if (urls.length !== 1) {
    throw new BadRequestError(`${what} needs exactly one file URL (got ${urls.length}).`, {
      hint: "Rename files one at a time.",
    });
  }
}

/** Keeps only the signal of an options object (exactOptionalPropertyTypes-friendly). */
export function sig(o: Signalable | undefined): { signal?: AbortSignal } {
  return o?.signal ? { signal: o.signal } : {};
}
