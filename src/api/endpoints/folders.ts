// folder/*.cgi (spec §7.13–§7.17).
import { z } from "zod";
import type { ClientContext } from "../context.js";
import { decodeName, encodeName } from "../names.js";
import { folderListingSchema, mkdirSchema, shareSchema } from "../schemas.js";
import type { ClientObserver, FileItem, FolderListing, ListingEvent } from "../types.js";
import { type Signalable, sig } from "./files.js";

const okSchema = z.looseObject({ message: z.string().optional() });
const folderMoveSchema = z.looseObject({ old_name: z.string().optional(), new_name: z.string().optional() });

export interface FoldersApi {
  /**
   * A folder's information and sub-folders, and its files with `files: true` (`folder/ls.cgi`, spec §7.13).
   * Paced to once per 30 s per folder; cached as long, dropped by the client's own changes.
   * @example
   * ```ts
   * const root = await client.folders.list({ folderId: 0, files: true });
   * for (const f of root.subFolders) console.log(f.id, f.name);
   * ```
   */
  list(
    opts?: {
      folderId?: number;
      files?: boolean;
      fresh?: boolean;
      /** Told when the request leaves, after any wait for its slot (see `CallOptions.onSent`). */
      onSent?: (at: number) => void;
    } & Signalable,
  ): Promise<FolderListing>;
  /**
   * Creates a folder (`folder/mkdir.cgi`, spec §7.14). The name is encoded (spec §5).
   * @example
   * ```ts
   * const { folderId } = await client.folders.create({ name: "2026", parentId: 0 });
   * ```
   * @throws ConflictError #9002 when it exists already
   */
  create(opts: { name: string; parentId?: number } & Signalable): Promise<{ folderId: number; name: string }>;
  /**
   * Deletes an empty folder (`folder/rm.cgi`, spec §7.17).
   * @example
   * ```ts
   * await client.folders.remove({ folderId: 42 });
   * ```
   * @throws ConflictError #9003 when not empty
   */
  remove(opts: { folderId: number } & Signalable): Promise<{ message: string }>;
  /**
   * Moves and/or renames a folder (`folder/mv.cgi`, spec §7.16). No `destinationId` with a `rename` renames in place.
   * @example
   * ```ts
   * await client.folders.move({ folderId: 42, destinationId: 0 });
   * ```
   */
  move(
    opts: { folderId: number; destinationId?: number; rename?: string } & Signalable,
  ): Promise<{ oldName: string | null; newName: string | null }>;
  /**
   * Shares a folder publicly and/or with registered users (`folder/share.cgi`, spec §7.15).
   * @example
   * ```ts
   * const { url } = await client.folders.share({ folderId: 42, share: true });
   * ```
   */
  share(
    opts: {
      folderId: number;
      share?: boolean;
      password?: string;
      shares?: { email: string; rw: boolean; hideLinks: boolean }[];
    } & Signalable,
  ): Promise<{ url?: string }>;
}

/**
 * The observers' event of a `folder/ls.cgi` answer; `files` when the files were asked for (or read otherwise).
 * @example
 * ```ts
 * observers.listed(folderListingEvent(listing, startedAt, listing.items ?? []));
 * ```
 */
export function folderListingEvent(l: FolderListing, startedAt: number, files?: FileItem[]): ListingEvent {
  const { name, createDate, password, shared, fileCount } = l;
  return {
    endpoint: "folder/ls.cgi",
    folderId: l.folderId,
    startedAt,
    folder: { name, createDate, password, shared, fileCount },
    subFolders: l.subFolders,
    files,
  };
}

/** Builds the `folders` group; listings and changes are told to `observers` after each success. */
export function foldersApi(ctx: ClientContext, observers: ClientObserver): FoldersApi {
  return {
    async list(opts = {}) {
      const body: Record<string, unknown> = { folder_id: opts.folderId ?? 0 };
      if (opts.files) body.files = 1;
      let startedAt = ctx.now();
      const l = await ctx.call("folder/ls.cgi", body, folderListingSchema, {
        cache: true,
        fresh: opts.fresh ?? false,
        onSent: (at) => {
          startedAt = at;
          opts.onSent?.(at);
        },
        ...sig(opts),
      });
      // spec §7.13: `items` only with `files: 1`; an empty folder may leave it out ([PY] reads it with a default).
      observers.listed(folderListingEvent(l, startedAt, opts.files ? (l.items ?? []) : undefined));
      return l;
    },
    async create(opts) {
      const r = await ctx.call(
        "folder/mkdir.cgi",
        { name: encodeName(opts.name), folder_id: opts.parentId ?? 0 },
        mkdirSchema,
        sig(opts),
      );
      const parentId = opts.parentId ?? 0;
      const name = decodeName(r.name);
      ctx.mutated("folder-created", { parentId, id: r.folder_id, name });
      observers.changed({ type: "folder-created", parentId, folderId: r.folder_id, name, at: ctx.now() });
      return { folderId: r.folder_id, name };
    },
    async remove(opts) {
      const r = await ctx.call("folder/rm.cgi", { folder_id: opts.folderId }, okSchema, sig(opts));
      ctx.mutated("folders");
      observers.changed({ type: "folder-removed", folderId: opts.folderId, at: ctx.now() });
      return { message: r.message ?? "" };
    },
    async move(opts) {
      const body: Record<string, unknown> = { folder_id: opts.folderId };
      // spec §7.16: a missing destination means the root; we always send it when given, 0 included.
      if (opts.destinationId !== undefined) body.destination_folder_id = opts.destinationId;
      if (opts.rename !== undefined) body.rename = encodeName(opts.rename);
      const r = await ctx.call("folder/mv.cgi", body, folderMoveSchema, sig(opts));
      ctx.mutated("folders");
      // spec §7.16: no destination means the root, unless only a rename is asked (a rename in place).
      const parentId = opts.destinationId ?? (opts.rename === undefined ? 0 : undefined);
      observers.changed({
        type: "folder-moved",
        folderId: opts.folderId,
        ...(parentId !== undefined ? { parentId } : {}),
        ...(opts.rename !== undefined ? { name: opts.rename } : {}),
        at: ctx.now(),
      });
      return {
        oldName: r.old_name !== undefined ? decodeName(r.old_name) : null,
        newName: r.new_name !== undefined ? decodeName(r.new_name) : null,
      };
    },
    async share(opts) {
      const body: Record<string, unknown> = { folder_id: opts.folderId };
      if (opts.share !== undefined) body.share = opts.share ? 1 : 0;
      if (opts.password !== undefined) body.pass = opts.password;
      if (opts.shares !== undefined) {
        body.shares = opts.shares.map((s) => ({
          email: s.email,
          rw: s.rw ? 1 : 0,
          hide_links: s.hideLinks ? 1 : 0,
        }));
      }
      const r = await ctx.call("folder/share.cgi", body, shareSchema, sig(opts));
      ctx.mutated("files");
      const shared = opts.share === undefined ? undefined : opts.share ? (r.url ?? undefined) : null;
      observers.changed({
        type: "folder-shared",
        folderId: opts.folderId,
        ...(shared !== undefined ? { shared } : {}),
        ...(opts.password !== undefined ? { password: opts.password !== "" } : {}),
        at: ctx.now(),
      });
      return r.url ? { url: r.url } : {};
    },
  };
}
