// zod schemas of the wire responses (spec §7), lenient where the spec lists variants: numbers or numeric
// strings, `content-type` or `content_type`, `acl` as 0/1 or an object, sub-folder key `id` or `folder_id`.
// Each schema transforms into the public camelCase type of types.ts.
import { z } from "zod";
import { decodeName } from "./names.js";
import type {
  AclRules,
  FileInfo,
  FileItem,
  FolderListing,
  FolderShare,
  LinkState,
  RemoteJob,
  RemoteJobInfo,
  SharedFile,
  SubFolder,
  UploadLink,
  UploadServer,
  UserInfo,
} from "./types.js";

/** A number sent as a number or a numeric string (spec §1.14, §7.18). Missing or empty → 0. */
export const lenientNumber = z
  .union([z.number(), z.string(), z.null()])
  .optional()
  .transform((v, ctx) => {
    if (v === null || v === undefined || v === "") return 0;
    const n = typeof v === "number" ? v : Number(v.trim());
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: "custom", message: `expected a number, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });

/** A 0/1 flag (spec §1.13), also accepted as a string or boolean. */
export const lenientFlag = z
  .union([z.number(), z.string(), z.boolean(), z.null()])
  .optional()
  .transform(
    (v) => v === true || (v !== null && v !== undefined && v !== false && Number(v) !== 0 && v !== ""),
  );

const str = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? "" : String(v)));

const aclObject = z.looseObject({
  ip: z.array(z.string()).optional(),
  country: z.array(z.string()).optional(),
  email: z.array(z.string()).optional(),
  premium: lenientFlag.optional(),
});

function aclRulesOf(v: unknown): AclRules | null {
  const r = aclObject.safeParse(v);
  if (!r.success || typeof v !== "object" || v === null) return null;
  return {
    ip: r.data.ip ?? [],
    country: r.data.country ?? [],
    email: r.data.email ?? [],
    premium: r.data.premium ?? false,
  };
}

function aclFlagOf(v: unknown): boolean {
  // spec §7.6: `acl` is 0/1 in listings and an object in file/info.cgi.
  if (typeof v === "object" && v !== null) {
    const a = aclRulesOf(v);
    return a !== null && (a.ip.length > 0 || a.country.length > 0 || a.email.length > 0 || a.premium);
  }
  return lenientFlag.parse(v);
}

const fileItemWire = z.looseObject({
  url: z.string(),
  filename: str,
  size: lenientNumber,
  date: str,
  checksum: str,
  "content-type": z.string().optional(),
  content_type: z.string().optional(),
  pass: lenientFlag,
  acl: z.unknown().optional(),
  cdn: lenientFlag,
});

function toFileItem(w: z.infer<typeof fileItemWire>): FileItem {
  return {
    url: w.url,
    filename: decodeName(w.filename),
    size: w.size,
    date: w.date,
    checksum: w.checksum,
    contentType: w["content-type"] ?? w.content_type ?? "",
    password: w.pass,
    acl: aclFlagOf(w.acl),
    cdn: w.cdn,
  };
}

/** One item of `file/ls.cgi` / `folder/ls.cgi` `items` (spec §7.5). */
export const fileItemSchema = fileItemWire.transform(toFileItem);

/** `file/ls.cgi` (spec §7.5): `items` may be missing for an empty folder. */
export const fileListSchema = z
  .looseObject({ items: z.array(fileItemSchema).optional().nullable() })
  .transform((w): FileItem[] => w.items ?? []);

/** `file/info.cgi` (spec §7.6). */
export const fileInfoSchema = fileItemWire
  .extend({
    folder_id: lenientNumber,
    path: str,
    description: str,
    inline: lenientFlag,
    no_ssl: lenientFlag,
  })
  .transform(
    (w): FileInfo => ({
      ...toFileItem(w),
      folderId: w.folder_id,
      path: w.path
        .split("/")
        .map((p) => decodeName(p))
        .join("/"),
      description: w.description,
      inline: w.inline,
      noSsl: w.no_ssl,
      aclRules: aclRulesOf(w.acl),
      raw: w as Record<string, unknown>,
    }),
  );

const subFolderSchema = z
  .looseObject({
    id: lenientNumber.optional(),
    folder_id: lenientNumber.optional(),
    name: str,
    create_date: str,
    pass: lenientFlag,
  })
  .transform(
    (w): SubFolder => ({
      // spec §7.13/§13: working clients read `id`; [SW] says `folder_id`.
      id: w.id ?? w.folder_id ?? 0,
      name: decodeName(w.name),
      createDate: w.create_date,
      password: w.pass,
    }),
  );

/** A groupware share in `folder/ls.cgi`'s `shares` (spec §7.13: `{email, rw, hide_links}`). */
const folderShareSchema = z
  .looseObject({ email: str, rw: lenientFlag, hide_links: lenientFlag })
  .transform((w): FolderShare => ({ email: w.email, rw: w.rw, hideLinks: w.hide_links }));

/** `folder/ls.cgi` (spec §7.13). */
export const folderListingSchema = z
  .looseObject({
    folder_id: lenientNumber,
    name: str,
    create_date: str,
    pass: lenientFlag,
    shared: z.union([z.string(), z.number(), z.null()]).optional(),
    shares: z.array(folderShareSchema).optional().nullable(),
    files: lenientNumber,
    size: lenientNumber,
    sub_folders: z.array(subFolderSchema).optional().nullable(),
    items: z.array(fileItemSchema).optional().nullable(),
  })
  .transform((w): FolderListing => {
    const out: FolderListing = {
      folderId: w.folder_id,
      name: decodeName(w.name),
      createDate: w.create_date,
      password: w.pass,
      shared: typeof w.shared === "string" && w.shared !== "" && w.shared !== "0" ? w.shared : null,
      shares: w.shares ?? [],
      fileCount: w.files,
      size: w.size,
      subFolders: w.sub_folders ?? [],
    };
    if (w.items) out.items = w.items;
    return out;
  });

/** `user/info.cgi` (spec §7.18): many numbers arrive as strings. */
export const userInfoSchema = z
  .looseObject({
    email: str,
    offer: lenientNumber,
    subscription_end: z.union([z.string(), z.null()]).optional(),
    cdn: lenientNumber,
    hot_storage: lenientNumber,
    cold_storage: lenientNumber,
    available_storage: lenientNumber,
    allowed_cold_storage: lenientNumber,
    available_cold_storage: lenientNumber,
    overquota: lenientFlag,
    upload_forbidden: lenientFlag,
  })
  .transform(
    (w): UserInfo => ({
      email: w.email,
      offer: ([0, 1, 2, 3].includes(w.offer) ? w.offer : 0) as UserInfo["offer"],
      subscriptionEnd: w.subscription_end ? w.subscription_end : null,
      cdnCredits: w.cdn,
      hotStorage: w.hot_storage,
      coldStorage: w.cold_storage,
      availableStorage: w.available_storage,
      allowedColdStorage: w.allowed_cold_storage,
      availableColdStorage: w.available_cold_storage,
      overQuota: w.overquota,
      uploadForbidden: w.upload_forbidden,
      raw: w as Record<string, unknown>,
    }),
  );

/** `upload/get_upload_server.cgi` (spec §7.2): rclone refuses ids over 10 characters or non-alphanumeric. */
export const uploadServerSchema = z
  .looseObject({
    url: z.string().regex(/^[A-Za-z0-9.-]+(?::\d{1,5})?$/, "upload host must be a bare host name"),
    id: z.string().regex(/^[A-Za-z0-9]{1,10}$/, "upload id must be 1-10 characters [A-Za-z0-9]"),
  })
  .transform((w): UploadServer => ({ host: w.url, id: w.id }));

/** `end.pl` JSON (spec §7.4): `size` is a string. */
export const uploadResultSchema = z
  .looseObject({
    incoming: lenientFlag,
    links: z
      .array(
        z.looseObject({
          download: z.string(),
          filename: str,
          remove: str,
          size: lenientNumber,
          whirlpool: str,
        }),
      )
      .optional()
      .nullable(),
  })
  .transform((w): { incoming: boolean; links: UploadLink[] } => ({
    incoming: w.incoming,
    links: (w.links ?? []).map((l) => ({
      download: l.download,
      filename: decodeName(l.filename),
      remove: l.remove,
      size: l.size,
      whirlpool: l.whirlpool,
    })),
  }));

/** `download/get_token.cgi` (spec §7.1). */
export const tokenSchema = z.looseObject({ url: z.string().min(1) });

/** `file/rm.cgi` (spec §7.8). */
export const removeSchema = z.looseObject({
  removed: lenientNumber.optional(),
  urls: z.array(z.string()).optional().nullable(),
});

/** `file/mv.cgi` (spec §7.9). */
export const moveSchema = z.looseObject({ urls: z.array(z.string()).optional().nullable() });

/** `file/cp.cgi` (spec §7.11). */
export const copySchema = z.looseObject({
  urls: z
    .array(z.looseObject({ from_url: z.string(), to_url: z.string() }))
    .optional()
    .nullable(),
});

/** `file/rename.cgi` (spec §7.10). */
export const renameSchema = z.looseObject({
  urls: z
    .array(z.looseObject({ url: z.string(), old_filename: str, new_filename: str }))
    .optional()
    .nullable(),
});

/** `file/chattr.cgi` (spec §7.12). */
export const chattrSchema = z.looseObject({
  updated: lenientNumber.optional(),
  urls: z.array(z.string()).optional().nullable(),
});

/** `folder/mkdir.cgi` (spec §7.14). */
export const mkdirSchema = z.looseObject({ folder_id: lenientNumber, name: str });

/** `folder/share.cgi` (spec §7.15). */
export const shareSchema = z.looseObject({ url: z.string().optional().nullable() });

/** `remote/ls.cgi` (spec §7.19). */
export const remoteListSchema = z
  .looseObject({
    data: z
      .array(z.looseObject({ id: lenientNumber, request_date: str, execution_date: str }))
      .optional()
      .nullable(),
  })
  .transform((w): RemoteJob[] =>
    (w.data ?? []).map((d) => ({ id: d.id, requestDate: d.request_date, executionDate: d.execution_date })),
  );

/** `remote/info.cgi` (spec §7.19). */
export const remoteInfoSchema = z
  .looseObject({
    id: lenientNumber,
    request_date: str,
    execution_date: str,
    links: z.array(z.string()).optional().nullable(),
    result: z
      .array(z.looseObject({ status: str, url: str, download_link: str, message: str }))
      .optional()
      .nullable(),
  })
  .transform(
    (w): RemoteJobInfo => ({
      id: w.id,
      requestDate: w.request_date,
      executionDate: w.execution_date,
      links: w.links ?? [],
      result: (w.result ?? []).map((r) => ({
        status: r.status,
        url: r.url,
        downloadLink: r.download_link,
        message: r.message,
      })),
      raw: w as Record<string, unknown>,
    }),
  );

/** `remote/request.cgi` (spec §7.19). */
export const remoteRequestSchema = z.looseObject({ id: lenientNumber });

/** `vouchers/ls.cgi` (spec §7.21). */
export const voucherListSchema = z
  .looseObject({
    data: z
      .array(z.looseObject({ voucher: str, service: str }))
      .optional()
      .nullable(),
  })
  .transform((w) => (w.data ?? []).map((d) => ({ voucher: d.voucher, service: d.service })));

/** Website `/dir/<hash>?json=1` (spec §7.22): an array of `{filename, link, size}`. */
export const sharedFolderSchema = z
  .array(z.looseObject({ filename: str, link: z.string(), size: lenientNumber }))
  .transform((a): SharedFile[] =>
    a.map((f) => ({ filename: decodeName(f.filename), url: f.link, size: f.size })),
  );

/**
 * Parses the text answer of `check_links.pl` (spec §7.22): `<url>;<filename>;<size>` or `<url>;;;NOT FOUND`,
 * `;;;BAD LINK`, `;;;PRIVATE`.
 *
 * @example
 * ```ts
 * parseCheckLinks("https://1fichier.com/?abcde12345;a.txt;12"); // [{ url, filename: "a.txt", size: 12, state: "ok" }]
 * ```
 */
export function parseCheckLinks(text: string): LinkState[] {
  const out: LinkState[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const parts = line.split(";");
    const url = parts[0] ?? "";
    const filename = parts[1] ?? "";
    const size = parts[2] ?? "";
    const flag = (parts.slice(3).join(";") || "").trim().toUpperCase();
    let state: LinkState["state"] = "ok";
    if (flag.includes("NOT FOUND")) state = "not-found";
    else if (flag.includes("BAD LINK")) state = "bad-link";
    else if (flag.includes("PRIVATE")) state = "private";
    out.push({ url, filename: decodeName(filename), size: Number(size) || 0, state });
  }
  return out;
}
