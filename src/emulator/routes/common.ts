import { rm } from "node:fs/promises";
/** Helpers shared by the API routes: field validation, file items, access rules. */
import { z } from "zod";
import { parisDate } from "../clock.js";
import type { Ctx } from "../context.js";
import { KO } from "../http.js";
import { fileUrl, ipInCidr, isValidName, parseFileUrl } from "../names.js";
import type { AccountRow, FileRow, FolderRow } from "../store.js";

/** An integer field (spec §1.13: numbers on the wire, never numeric strings in the emulator). */
export const int = z.number().int();
/** A 0/1 flag (spec §1.13). */
export const flag = z.union([z.literal(0), z.literal(1)]);

/**
 * Validates a request body with a zod schema; any mismatch is `Bad request #9005` (400).
 * @example
 * const b = parse(z.object({ folder_id: int.optional() }), call.body);
 */
export function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body);
  if (!r.success) throw KO.badRequest();
  return r.data;
}

/**
 * Checks a name and throws `Invalid name #9004`.
 * @example
 * checkName("a.txt"); // "a.txt"; checkName(" a") throws Invalid name #9004
 */
export function checkName(name: string): string {
  if (!isValidName(name)) throw KO.invalidName();
  return name;
}

/** ACL of a file (spec §7.6). */
export interface Acl {
  ip: string[];
  country: string[];
  email: string[];
  premium: 0 | 1;
}

/**
 * Parses the stored ACL, null when none.
 * @example
 * aclOf(file)?.email; // e-mails allowed, or undefined without ACL
 */
export function aclOf(f: FileRow): Acl | null {
  if (!f.acl) return null;
  const a = JSON.parse(f.acl) as Partial<Acl>;
  return { ip: a.ip ?? [], country: a.country ?? [], email: a.email ?? [], premium: a.premium ?? 0 };
}

function hasAcl(f: FileRow): boolean {
  const a = aclOf(f);
  return !!a && (a.ip.length > 0 || a.country.length > 0 || a.email.length > 0 || a.premium === 1);
}

/**
 * A listing item (spec §7.5; `content-type` with a hyphen, `acl` 0/1).
 * @example
 * items.push(fileItem(file)); // { url, filename, size, date, checksum, "content-type", pass, acl, cdn }
 */
export function fileItem(f: FileRow): Record<string, unknown> {
  return {
    url: fileUrl(f.id, f.domain),
    filename: f.name,
    size: f.size,
    date: parisDate(f.created),
    checksum: f.checksum,
    "content-type": f.mime,
    pass: f.pass ? 1 : 0,
    acl: hasAcl(f) ? 1 : 0,
    cdn: f.cdn,
  };
}

/**
 * Looks a file up by URL: `Resource not found #469` (404) when unknown, deleted or not a file URL.
 * @example
 * const f = fileByUrl(ctx, "https://1fichier.com/?abcde12345abcde12345");
 */
export function fileByUrl(ctx: Ctx, url: string): FileRow {
  const id = parseFileUrl(url);
  const f = id ? ctx.store.file(id) : undefined;
  if (!f) throw KO.notFound();
  return f;
}

/**
 * A file the account owns, else `#469`/`#631`.
 * @example
 * const f = ownFile(ctx, account, body.url); // 404 #469 or 403 #631 otherwise
 */
export function ownFile(ctx: Ctx, account: AccountRow, url: string): FileRow {
  const f = fileByUrl(ctx, url);
  if (f.owner !== account.email) throw KO.notAllowed();
  return f;
}

/**
 * Whether a file's ACL lets an account read it (spec §7.6 `acl`).
 * Our choice: the emulator has no geolocation, every client is in country "FR".
 * @example
 * if (!aclAllows(file, account, "127.0.0.1")) throw KO.notAllowed();
 */
export function aclAllows(f: FileRow, account: AccountRow, ip: string): boolean {
  const a = aclOf(f);
  if (!a) return true;
  if (a.email.length > 0 && !a.email.includes(account.email)) return false;
  if (a.premium === 1 && account.offer === 0) return false;
  if (a.ip.length > 0 && !a.ip.some((c) => ipInCidr(ip, c))) return false;
  if (a.country.length > 0 && !a.country.map((c) => c.toUpperCase()).includes("FR")) return false;
  return true;
}

/**
 * A file the account may read. `needPass`: the password must be given even by the owner (download tokens, spec §7.1);
 * otherwise the owner reads freely and others need the password.
 * @example
 * const f = readableFile(ctx, account, body.url, body.pass, call.ip, true);
 */
export function readableFile(
  ctx: Ctx,
  account: AccountRow,
  url: string,
  pass: string | undefined,
  ip: string,
  needPass: boolean,
): FileRow {
  const f = fileByUrl(ctx, url);
  const owner = f.owner === account.email;
  if (!owner) {
    // Our model (docs/emulator.md "Who may read a file"): another account's file is private to its owner unless it
    // was uploaded anonymously, sits in a publicly shared folder, or in a folder shared with the caller.
    const reachable =
      f.owner === null ||
      inPublicShare(ctx, f.owner, f.folder) ||
      !!sharedWith(ctx, account, f.owner, f.folder);
    if (!reachable || !aclAllows(f, account, ip)) throw KO.notAllowed();
  }
  if (f.pass && (needPass || !owner) && pass !== f.pass) throw KO.notAllowed();
  return f;
}

/**
 * True when the folder or one of its ancestors has a public share link (`folder/share.cgi` with share: 1).
 * @example
 * inPublicShare(ctx, "premium@emulator.local", 12); // true under a /dir/ share
 */
export function inPublicShare(ctx: Ctx, owner: string, folderId: number): boolean {
  let id = folderId;
  for (let depth = 0; id !== 0 && depth < 1000; depth++) {
    const f = ctx.store.folder(owner, id);
    if (!f) return false;
    if (f.share_hash) return true;
    id = f.parent;
  }
  return false;
}

/** A groupware share entry (spec §7.15). */
export interface ShareEntry {
  email: string;
  rw: 0 | 1;
  hide_links: 0 | 1;
}

/**
 * The share entry giving `account` access to a folder of `owner` (the folder or one of its ancestors), if any.
 * @example
 * sharedWith(ctx, account, "owner@x.y", 12)?.rw; // 1 when shared in write mode
 */
export function sharedWith(
  ctx: Ctx,
  account: AccountRow,
  owner: string | null,
  folderId: number,
): ShareEntry | undefined {
  if (!owner || owner === account.email) return undefined;
  let id = folderId;
  for (let depth = 0; id !== 0 && depth < 1000; depth++) {
    const f = ctx.store.folder(owner, id);
    if (!f) return undefined;
    const hit = (JSON.parse(f.shares) as ShareEntry[]).find((s) => s.email === account.email);
    if (hit) return hit;
    id = f.parent;
  }
  return undefined;
}

/** A folder target: whose folder and which id (0 = root). */
export interface FolderTarget {
  owner: string;
  id: number;
  row: FolderRow | null;
  rw: boolean;
}

/**
 * Resolves `folder_id` (+ `sharing_user`) to a folder the account may use; `Folder not found #9001` (404) otherwise.
 * With `sharing_user` = another account, the folder must be shared with the caller (spec §7.13).
 * @example
 * const target = resolveFolder(ctx, account, body.folder_id ?? 0, body.sharing_user);
 */
export function resolveFolder(
  ctx: Ctx,
  account: AccountRow,
  folderId: number,
  sharingUser: string | undefined,
): FolderTarget {
  const owner = sharingUser && sharingUser !== account.email ? sharingUser : account.email;
  if (owner === account.email) {
    if (folderId === 0) return { owner, id: 0, row: null, rw: true };
    const row = ctx.store.folder(owner, folderId);
    if (!row) throw KO.folderNotFound();
    return { owner, id: folderId, row, rw: true };
  }
  if (!ctx.store.account(owner)) throw KO.folderNotFound();
  if (folderId === 0) return { owner, id: 0, row: null, rw: false };
  const row = ctx.store.folder(owner, folderId);
  const share = row ? sharedWith(ctx, account, owner, folderId) : undefined;
  if (!row || !share) throw KO.folderNotFound();
  return { owner, id: folderId, row, rw: share.rw === 1 };
}

/**
 * Folder path like `a/b` for a folder id (spec §7.6 `path`).
 * @example
 * folderPath(ctx, "premium@emulator.local", 12); // "a/b"
 */
export function folderPath(ctx: Ctx, owner: string, folderId: number): string {
  const names: string[] = [];
  let id = folderId;
  for (let depth = 0; id !== 0 && depth < 1000; depth++) {
    const f = ctx.store.folder(owner, id);
    if (!f) break;
    names.unshift(f.name);
    id = f.parent;
  }
  return names.join("/");
}

/**
 * Removes a file and, when no other file shares it, its blob.
 * @example
 * await removeFile(ctx, file.id);
 */
export async function removeFile(ctx: Ctx, id: string): Promise<void> {
  const blob = ctx.store.deleteFile(id, ctx.clock.now());
  if (blob) {
    await rm(ctx.store.blobPath(blob), { force: true });
  }
}

/**
 * The groupware form of `get_token.cgi` / `file/info.cgi` (spec §7.1, §7.6): a file named exactly `filename`
 * (case-sensitive) in `folder_id`, of the caller or of `sharing_user` when that folder is shared with the caller.
 * @example
 * const f = fileInFolder(ctx, account, 12, "a.txt", "owner@x.y", undefined);
 */
export function fileInFolder(
  ctx: Ctx,
  account: AccountRow,
  folderId: number,
  filename: string,
  sharingUser: string | undefined,
  pass: string | undefined,
): FileRow {
  const target = resolveFolder(ctx, account, folderId, sharingUser);
  const hit = ctx.store.filesIn(target.owner, target.id).find((f) => f.name === filename);
  if (!hit) throw KO.notFound();
  if (hit.pass && pass !== hit.pass) throw KO.notAllowed();
  return hit;
}
