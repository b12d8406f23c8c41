/** `file/*.cgi` endpoints (spec §7.5 to §7.12). */
import { open } from "node:fs/promises";
import { z } from "zod";
import { isApiDate, parisDate } from "../clock.js";
import { type ApiCall, type ApiRoute, accountOf, type Ctx } from "../context.js";
import { ApiError, KO } from "../http.js";
import { ids } from "../ids.js";
import { fileUrl, parseFileUrl } from "../names.js";
import type { FileRow } from "../store.js";
import {
  checkName,
  fileInFolder,
  fileItem,
  flag,
  folderPath,
  int,
  ownFile,
  parse,
  readableFile,
  removeFile,
  resolveFolder,
} from "./common.js";

const LISTING_CAP = 5000;

const lsSchema = z.object({
  folder_id: int.optional(),
  sharing_user: z.string().optional(),
  sent_before: z.string().refine(isApiDate).optional(),
  sent_after: z.string().refine(isApiDate).optional(),
});

const ls: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(lsSchema, call.body);
    const folderId = b.folder_id ?? 0;
    let files: FileRow[];
    if (folderId === -1) {
      listingLimit(ctx, call, "file/ls", -1);
      files = ctx.store.filesOf(account.email);
    } else if (folderId < -1) {
      throw KO.folderNotFound();
    } else {
      const target = resolveFolder(ctx, account, folderId, b.sharing_user);
      listingLimit(ctx, call, "file/ls", folderId);
      // Root of a sharer: only the folders they share with us, no loose files.
      files =
        target.owner !== account.email && target.id === 0 ? [] : ctx.store.filesIn(target.owner, target.id);
    }
    // Dates compare as strings: both sides are `YYYY-MM-DD HH:MM:SS` in Paris time.
    const items = files
      .map(fileItem)
      .filter((i) => (b.sent_before ? (i.date as string) < b.sent_before : true))
      .filter((i) => (b.sent_after ? (i.date as string) > b.sent_after : true))
      .slice(0, LISTING_CAP);
    return { status: "OK", items, count: items.length };
  },
};

/**
 * The per-folder listing spacing (DECISIONS "Limits").
 * @example
 * listingLimit(ctx, call, "file/ls", 0); // throws 403 #374 within 30 s of the last listing
 */
export function listingLimit(ctx: Ctx, call: ApiCall, endpoint: string, folderId: number): void {
  const key = call.account?.api_key ?? call.ip;
  const refusal = ctx.limiter.checkListing(key, endpoint, folderId, ctx.clock.now());
  if (refusal) throw new ApiError(403, refusal.message, refusal.retryAfterSeconds);
}

const infoSchema = z.object({
  url: z.string().optional(),
  pass: z.string().optional(),
  folder_id: int.optional(),
  filename: z.string().optional(),
  sharing_user: z.string().optional(),
});

/**
 * Full file information (spec §7.6); `acl` is an object here.
 * @example
 * return fileInfo(ctx, file, file.owner === account.email);
 */
export function fileInfo(ctx: Ctx, f: FileRow, owner: boolean): Record<string, unknown> {
  const acl = f.acl ? (JSON.parse(f.acl) as Record<string, unknown>) : {};
  return {
    status: "OK",
    ...fileItem(f),
    folder_id: owner ? f.folder : 0,
    path: owner && f.owner ? folderPath(ctx, f.owner, f.folder) : "",
    description: f.description,
    no_ssl: f.no_ssl,
    inline: f.inline,
    acl: { ip: [], country: [], email: [], premium: 0, ...acl },
  };
}

const info: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(infoSchema, call.body);
    let f: FileRow;
    if (b.url !== undefined) f = readableFile(ctx, account, b.url, b.pass, call.ip, false);
    else if (b.folder_id !== undefined && b.filename !== undefined) {
      f = fileInFolder(ctx, account, b.folder_id, b.filename, b.sharing_user, b.pass);
    } else throw KO.badRequest();
    return fileInfo(ctx, f, f.owner === account.email);
  },
};

const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!";
const SCAN_CACHE_MS = 6 * 3600_000;

const scan: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  async handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(z.object({ url: z.string() }), call.body);
    const f = ownFile(ctx, account, b.url);
    // spec §7.7: files under 5 GB only; results cached 6 h (then `date` tells when it ran).
    if (f.size >= 5 * 1024 ** 3) throw KO.scanTooBig();
    const now = ctx.clock.now();
    if (f.scanned !== null && now - f.scanned < SCAN_CACHE_MS) {
      return { status: "OK", message: "No virus found", date: parisDate(f.scanned) };
    }
    // Our choice: the EICAR test string counts as a virus, so clients can test the "file removed" path.
    const fh = await open(ctx.store.blobPath(f.blob), "r");
    const head = Buffer.alloc(EICAR.length);
    try {
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
    if (head.toString("latin1") === EICAR) {
      await removeFile(ctx, f.id);
      throw new ApiError(200, "Virus found, the file has been removed #9020");
    }
    ctx.store.updateFile({ ...f, scanned: now });
    return { status: "OK", message: "No virus found" };
  },
};

const rmSchema = z.object({
  files: z.array(z.object({ url: z.string(), code: z.string().optional() })).min(1),
});

const rm: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  async handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(rmSchema, call.body);
    // Our choice: all or nothing. Any unknown URL → #469, any file not ours (and no matching code) → #631.
    const targets: FileRow[] = [];
    for (const item of b.files) {
      const id = parseFileUrl(item.url);
      const f = id ? ctx.store.file(id) : undefined;
      if (!f) throw KO.notFound();
      const mine = f.owner === account.email;
      const byCode = f.owner === null && item.code !== undefined && item.code === f.remove_code;
      if (!mine && !byCode) throw KO.notAllowed();
      if (!targets.some((t) => t.id === f.id)) targets.push(f);
    }
    for (const f of targets) await removeFile(ctx, f.id);
    return { status: "OK", removed: targets.length, urls: targets.map((f) => fileUrl(f.id, f.domain)) };
  },
};

const mvSchema = z.object({
  urls: z.array(z.string()).min(1),
  destination_folder_id: int,
  destination_user: z.string().optional(),
  rename: z.string().optional(),
});

const mv: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(mvSchema, call.body);
    if (b.rename !== undefined && b.urls.length !== 1) throw KO.badRequest();
    const dest = resolveFolder(ctx, account, b.destination_folder_id, b.destination_user);
    if (!dest.rw) throw KO.notAllowed();
    const files = b.urls.map((u) => ownFile(ctx, account, u));
    if (b.rename !== undefined) {
      checkName(b.rename);
      // spec §7.9: since 2024 a move whose `rename` equals the current name is refused.
      if (b.rename === files[0]?.name) throw KO.notRenamed();
    }
    ctx.store.tx(() => {
      for (const f of files) {
        ctx.store.db
          .prepare("UPDATE files SET owner = ?, folder = ?, name = ? WHERE id = ?")
          .run(dest.owner, dest.id, b.rename ?? f.name, f.id);
      }
    });
    const out: Record<string, unknown> = {
      status: "OK",
      message: "",
      moved: files.length,
      urls: files.map((f) => fileUrl(f.id, f.domain)),
    };
    if (b.rename !== undefined) out.filename = b.rename;
    return out;
  },
};

const renameSchema = z.object({
  urls: z.array(z.object({ url: z.string(), filename: z.string() })).min(1),
});

const rename: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(renameSchema, call.body);
    const plan = b.urls.map((u) => ({ f: ownFile(ctx, account, u.url), name: checkName(u.filename) }));
    const changed = plan.filter((p) => p.f.name !== p.name);
    // spec §7.10 / §11.7: nothing to rename → KO #312 with HTTP 200.
    if (changed.length === 0) throw KO.notRenamed();
    ctx.store.tx(() => {
      for (const p of changed) ctx.store.updateFile({ ...p.f, name: p.name });
    });
    return {
      status: "OK",
      message: "",
      renamed: changed.length,
      urls: changed.map((p) => ({
        url: fileUrl(p.f.id, p.f.domain),
        old_filename: p.f.name,
        new_filename: p.name,
      })),
    };
  },
};

const cpSchema = z.object({
  urls: z.array(z.string()).min(1),
  folder_id: int.optional(),
  pass: z.string().optional(),
  sharing_user: z.string().optional(),
  rename: z.string().optional(),
});

const cp: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(cpSchema, call.body);
    if (b.rename !== undefined && b.urls.length !== 1) throw KO.badRequest();
    if (b.rename !== undefined) checkName(b.rename);
    const dest = resolveFolder(ctx, account, b.folder_id ?? 0, b.sharing_user);
    if (!dest.rw) throw KO.notAllowed();
    const sources = b.urls.map((u) => readableFile(ctx, account, u, b.pass, call.ip, false));
    const now = ctx.clock.now();
    const copies = sources.map((src) => ({ src, id: ids.file() }));
    // spec §7.11 / §11.8: a copy is a new file id; the bytes are shared (same blob).
    ctx.store.tx(() => {
      for (const c of copies) {
        ctx.store.insertFile({
          ...c.src,
          id: c.id,
          owner: dest.owner,
          folder: dest.id,
          name: b.rename ?? c.src.name,
          created: now,
          remove_code: null,
          pass: null,
          acl: null,
          scanned: null,
          deleted: null,
        });
      }
    });
    const out: Record<string, unknown> = {
      status: "OK",
      message: "",
      copied: copies.length,
      urls: copies.map((c) => ({
        from_url: fileUrl(c.src.id, c.src.domain),
        to_url: fileUrl(c.id, c.src.domain),
      })),
    };
    if (b.rename !== undefined) out.filename = b.rename;
    return out;
  },
};

const aclSchema = z.object({
  ip: z.array(z.string()).optional(),
  country: z.array(z.string()).optional(),
  email: z.array(z.string()).optional(),
  premium: flag.optional(),
});

const chattrSchema = z.object({
  urls: z.array(z.string()).min(1),
  filename: z.string().optional(),
  description: z.string().optional(),
  pass: z.string().optional(),
  no_ssl: flag.optional(),
  inline: flag.optional(),
  cdn: flag.optional(),
  acl: aclSchema.optional(),
});

const chattr: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(chattrSchema, call.body);
    if (b.filename !== undefined) {
      if (b.urls.length !== 1) throw KO.badRequest();
      checkName(b.filename);
    }
    // spec §7.12: password minimum 6 characters; "" removes it.
    if (b.pass !== undefined && b.pass !== "" && b.pass.length < 6) throw KO.invalidPassword();
    if (b.description !== undefined && b.description.length > 2000) throw KO.badRequest();
    const files = b.urls.map((u) => ownFile(ctx, account, u));
    ctx.store.tx(() => {
      for (const f of files) {
        const next: FileRow = { ...f };
        if (b.filename !== undefined) next.name = b.filename;
        if (b.description !== undefined) next.description = b.description;
        if (b.pass !== undefined) next.pass = b.pass === "" ? null : b.pass;
        if (b.no_ssl !== undefined) next.no_ssl = b.no_ssl;
        if (b.inline !== undefined) next.inline = b.inline;
        if (b.cdn !== undefined) next.cdn = b.cdn;
        if (b.acl !== undefined) {
          const a = b.acl;
          const empty = !a.ip?.length && !a.country?.length && !a.email?.length && !a.premium;
          next.acl = empty ? null : JSON.stringify(a);
        }
        ctx.store.updateFile(next);
      }
    });
    return { status: "OK", updated: files.length, urls: files.map((f) => fileUrl(f.id, f.domain)) };
  },
};

/** The file routes, keyed by path under /v1/. */
export const fileRoutes: Record<string, ApiRoute> = {
  "file/ls.cgi": ls,
  "file/info.cgi": info,
  "file/scan.cgi": scan,
  "file/rm.cgi": rm,
  "file/mv.cgi": mv,
  "file/rename.cgi": rename,
  "file/cp.cgi": cp,
  "file/chattr.cgi": chattr,
};
