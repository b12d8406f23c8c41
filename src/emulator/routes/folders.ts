/** `folder/*.cgi` endpoints (spec §7.13 to §7.17). */
import { z } from "zod";
import { parisDate } from "../clock.js";
import { type ApiRoute, accountOf } from "../context.js";
import { KO } from "../http.js";
import { ids } from "../ids.js";
import type { FolderRow } from "../store.js";
import { checkName, fileItem, flag, int, parse, resolveFolder, type ShareEntry } from "./common.js";
import { listingLimit } from "./files.js";

const LISTING_CAP = 5000;

function subFolderItem(f: FolderRow): Record<string, unknown> {
  // spec §7.13: the sub-folder key is `id`, not `folder_id`.
  return { id: f.id, name: f.name, create_date: parisDate(f.created), pass: f.share_pass ? 1 : 0 };
}

const lsSchema = z.object({
  folder_id: int.optional(),
  sharing_user: z.string().optional(),
  files: flag.optional(),
});

const ls: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(lsSchema, call.body);
    const target = resolveFolder(ctx, account, b.folder_id ?? 0, b.sharing_user);
    listingLimit(ctx, call, "folder/ls", target.id);
    const foreignRoot = target.owner !== account.email && target.id === 0;
    // Root of a sharer: the folders they share with the caller (our reading of spec §7.13 `sharing_user`).
    const subs = foreignRoot
      ? ctx.store.foldersSharedWith(account.email).filter((f) => f.owner === target.owner)
      : ctx.store.subFolders(target.owner, target.id);
    const stats = foreignRoot ? { files: 0, size: 0 } : ctx.store.folderStats(target.owner, target.id);
    const row = target.row;
    const owner = ctx.store.account(target.owner);
    const out: Record<string, unknown> = {
      status: "OK",
      folder_id: target.id,
      // spec §14.6: root name unknown, ours is "".
      name: row ? row.name : "",
      create_date: parisDate(row ? row.created : (owner?.created ?? 0)),
      pass: row?.share_pass ? 1 : 0,
      shares: row ? (JSON.parse(row.shares) as ShareEntry[]) : [],
      files: stats.files,
      size: stats.size,
      sub_folders: subs.slice(0, LISTING_CAP).map(subFolderItem),
    };
    if (row?.share_hash) out.shared = `https://1fichier.com/dir/${row.share_hash}`;
    if (target.owner !== account.email) {
      out.user = target.owner;
      out.rw = target.rw ? 1 : 0;
      out.hide_links = 0;
    }
    if (b.files === 1) {
      out.items = foreignRoot
        ? []
        : ctx.store.filesIn(target.owner, target.id).slice(0, LISTING_CAP).map(fileItem);
    }
    return out;
  },
};

const mkdirSchema = z.object({
  name: z.string(),
  folder_id: int.optional(),
  sharing_user: z.string().optional(),
});

const mkdir: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(mkdirSchema, call.body);
    const parent = resolveFolder(ctx, account, b.folder_id ?? 0, b.sharing_user);
    if (!parent.rw || (parent.owner !== account.email && parent.id === 0)) throw KO.notAllowed();
    checkName(b.name);
    return ctx.store.tx(() => {
      if (ctx.store.folderNamed(parent.owner, parent.id, b.name)) throw KO.folderExists();
      const id = ctx.store.insertFolder(parent.owner, parent.id, b.name, ctx.clock.now());
      return { status: "OK", folder_id: id, name: b.name };
    });
  },
};

const shareSchema = z.object({
  folder_id: int,
  share: flag.optional(),
  pass: z.string().optional(),
  shares: z
    .array(z.object({ email: z.string(), rw: flag.optional(), hide_links: flag.optional() }))
    .optional(),
});

const share: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(shareSchema, call.body);
    // Our choice: the root cannot be shared (it has no folder row to hold a share).
    if (b.folder_id === 0) throw KO.folderNotFound();
    const row = ctx.store.folder(account.email, b.folder_id);
    if (!row) throw KO.folderNotFound();
    // spec §12: share passwords have 6 characters minimum; "" removes it.
    if (b.pass !== undefined && b.pass !== "" && b.pass.length < 6) throw KO.invalidPassword();
    let hash = row.share_hash;
    if (b.share === 1 && !hash) hash = ids.share();
    if (b.share === 0) hash = null;
    const pass = b.pass === undefined ? row.share_pass : b.pass === "" ? null : b.pass;
    let shares = row.shares;
    if (b.shares !== undefined) {
      for (const s of b.shares) if (!ctx.store.account(s.email)) throw KO.notFound();
      // spec §7.15: hide_links = 1 implies rw = 0; an empty array removes every groupware share.
      shares = JSON.stringify(
        b.shares.map((s) => ({
          email: s.email,
          rw: s.hide_links === 1 ? 0 : (s.rw ?? 0),
          hide_links: s.hide_links ?? 0,
        })),
      );
    }
    ctx.store.setShare(row.id, hash, pass, shares);
    const out: Record<string, unknown> = { status: "OK", message: "" };
    if (hash) out.url = `https://1fichier.com/dir/${hash}`;
    return out;
  },
};

const mvSchema = z.object({
  folder_id: int,
  destination_folder_id: int.optional(),
  destination_user: z.string().optional(),
  rename: z.string().optional(),
});

const mv: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(mvSchema, call.body);
    if (b.folder_id === 0) throw KO.invalidDestination();
    const row = ctx.store.folder(account.email, b.folder_id);
    if (!row) throw KO.folderNotFound();
    // spec §7.16: rclone omits destination_folder_id for the root (omitempty), so a missing one means 0, unless
    // only `rename` is given: then it is a rename in place. With both, both apply (what rclone expects; §14.7).
    const destId = b.destination_folder_id ?? (b.rename !== undefined ? row.parent : 0);
    const dest = resolveFolder(ctx, account, destId, b.destination_user);
    if (dest.owner !== account.email) throw KO.notAllowed();
    // No move into itself or one of its descendants.
    for (let id = dest.id, depth = 0; id !== 0 && depth < 1000; depth++) {
      if (id === row.id) throw KO.invalidDestination();
      id = ctx.store.folder(account.email, id)?.parent ?? 0;
    }
    const name = b.rename === undefined ? row.name : checkName(b.rename);
    return ctx.store.tx(() => {
      const clash = ctx.store.folderNamed(account.email, dest.id, name);
      if (clash && clash.id !== row.id) throw KO.folderExists();
      ctx.store.updateFolder(row.id, dest.id, name);
      return { status: "OK", message: "", old_name: row.name, new_name: name };
    });
  },
};

const rm: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(z.object({ folder_id: int }), call.body);
    // DECISIONS: deleting the root or a non-empty folder → `Folder not empty #9003` (HTTP 200).
    if (b.folder_id === 0) throw KO.folderNotEmpty();
    const row = ctx.store.folder(account.email, b.folder_id);
    if (!row) throw KO.folderNotFound();
    return ctx.store.tx(() => {
      const stats = ctx.store.folderStats(account.email, row.id);
      if (stats.files > 0 || ctx.store.subFolders(account.email, row.id).length > 0)
        throw KO.folderNotEmpty();
      ctx.store.deleteFolder(row.id);
      return { status: "OK", message: "" };
    });
  },
};

/** The folder routes, keyed by path under /v1/. */
export const folderRoutes: Record<string, ApiRoute> = {
  "folder/ls.cgi": ls,
  "folder/mkdir.cgi": mkdir,
  "folder/share.cgi": share,
  "folder/mv.cgi": mv,
  "folder/rm.cgi": rm,
};
