/**
 * Server-side changes for `fichier serve` over the account: delete, move and copy, files and folders, through
 * the client (whose changes the remote index writes through, so what was just done is known without a
 * listing). Nothing is lost on the way:
 *
 * - replacing a file with a file places the new one first (1fichier allows two files of one name), then
 *   removes every older file of that name by URL;
 * - replacing anything else (a folder, or a file by a folder) first renames the old one aside under a name
 *   nothing has, places the new one, then removes the old; if placing fails, the old one gets its name back;
 * - a folder is moved by `folder/mv.cgi` (move and rename as two calls, spec §7.16); a folder is copied by a
 *   walk: its tree read from the index (each folder listed at most once per window), each folder made, each
 *   folder's files copied server-side, 100 per `file/cp.cgi`.
 */
import { randomBytes } from "node:crypto";
import type { FichierClient } from "../../api/client.js";
import { BackendError, type TransferOptions } from "../backend.js";
import { baseName, parentOf } from "../paths.js";
import { backendCall } from "./errors.js";
import type { AccountPaths, Found } from "./lookup.js";

/** URLs per `file/rm.cgi` and `file/cp.cgi` call (as `fichier rm` and `cp`). */
const BATCH = 100;

/** What a change needs: the served paths and the client. */
export interface ChangeContext {
  paths: AccountPaths;
  client: FichierClient;
  /** A file's bytes are no longer at this URL (the reader drops its token). */
  forget(url: string): void;
}

/**
 * Deletes what is at a served path: every file of its name, or a folder with everything in it.
 *
 * @throws BackendError not-found, forbidden (the served root), busy, upstream
 * @example
 * await removePath(ctx, "/old");
 */
export async function removePath(ctx: ChangeContext, path: string): Promise<void> {
  if (path === "/") throw new BackendError("forbidden", "the served root cannot be deleted");
  const found = await ctx.paths.find(path);
  if (!found) throw new BackendError("not-found", `${path} does not exist`);
  await removeFound(ctx, path, found);
}

/**
 * Moves (renames) a file or a folder on the server side.
 *
 * @throws BackendError not-found, exists (Overwrite: F), conflict (no destination folder), busy, upstream
 * @example
 * await movePath(ctx, "/drafts/a.txt", "/final/a.txt", { overwrite: true });
 */
export function movePath(ctx: ChangeContext, from: string, to: string, o: TransferOptions): Promise<void> {
  return placeAt(ctx, from, to, o, async (source, destId, name) => {
    if (source.kind === "file") {
      await moveFile(ctx, to, source.file, destId, name);
      return source.file.url;
    }
    const parent = await ctx.paths.folder(parentOf(from));
    await moveFolder(ctx, to, { id: source.id, parentId: parent.id, name: baseName(from) }, destId, name);
    return undefined;
  });
}

/**
 * Copies a file or a whole folder on the server side.
 *
 * @throws BackendError not-found, exists (Overwrite: F), conflict (no destination folder), busy, upstream
 * @example
 * await copyPath(ctx, "/photos", "/backup/photos", { overwrite: false });
 */
export function copyPath(ctx: ChangeContext, from: string, to: string, o: TransferOptions): Promise<void> {
  return placeAt(ctx, from, to, o, async (source, destId, name) => {
    if (source.kind === "folder") {
      await copyTree(ctx, to, source.id, destId, name);
      return undefined;
    }
    const rename = name !== source.file.name ? { rename: name } : {};
    const r = await backendCall(to, () =>
      ctx.client.files.copy({ urls: [source.file.url], folderId: destId, ...rename }),
    );
    return r.urls[0]?.to;
  });
}

/**
 * What MOVE and COPY share: the source, the destination's folder and what is there (checked against
 * `overwrite`), then `place` (which returns the new file's URL when it places a file) run by {@link replacing}.
 */
async function placeAt(
  ctx: ChangeContext,
  from: string,
  to: string,
  o: TransferOptions,
  place: (source: Found, destId: number, name: string) => Promise<string | undefined>,
): Promise<void> {
  const { source, dest, existing } = await endpoints(ctx, from, to, o);
  await replacing(ctx, to, existing, source.kind === "file", () => place(source, dest.id, baseName(to)));
}

/** The source, the destination's folder and what the destination holds, checked against `overwrite`. */
async function endpoints(ctx: ChangeContext, from: string, to: string, o: TransferOptions) {
  const source = await ctx.paths.find(from);
  if (!source) throw new BackendError("not-found", `${from} does not exist`);
  const dest = await ctx.paths.folder(parentOf(to));
  const existing = await ctx.paths.find(to);
  if (existing && !o.overwrite) throw new BackendError("exists", `${to} already exists`);
  return { source, dest, existing };
}

/**
 * Puts something at `to` with `place` (which returns the new file's URL, when it places a file), replacing
 * `existing` without ever deleting it before the new one is in place.
 */
async function replacing(
  ctx: ChangeContext,
  to: string,
  existing: Found | undefined,
  placingFile: boolean,
  place: () => Promise<string | undefined>,
): Promise<void> {
  if (!existing) {
    await place();
    return;
  }
  if (existing.kind === "file" && placingFile) {
    const placed = await place();
    await removeFiles(
      ctx,
      to,
      existing.all.map((f) => f.url).filter((u) => u !== placed),
    );
    return;
  }
  const aside = await setAside(ctx, to, existing);
  try {
    await place();
  } catch (e) {
    await aside.restore().catch(() => {});
    throw e;
  }
  await aside.discard();
}

/** Renames what is at `to` to a name nothing in its folder has; `restore` undoes it, `discard` deletes it. */
async function setAside(ctx: ChangeContext, to: string, existing: Found) {
  const parent = await ctx.paths.folder(parentOf(to));
  const taken = await ctx.paths.namesIn(parent.id, to);
  const original = baseName(to);
  let temp = asideName(original);
  while (taken.has(temp)) temp = asideName(original);
  const rename = (name: string) =>
    backendCall(to, async () => {
      if (existing.kind === "folder") await ctx.client.folders.move({ folderId: existing.id, rename: name });
      else for (const f of existing.all) await ctx.client.files.rename({ url: f.url, filename: name });
    });
  await rename(temp);
  return {
    restore: () => rename(original),
    discard: async () => {
      if (existing.kind === "folder") await removeTree(ctx, to, existing.id);
      else
        await removeFiles(
          ctx,
          to,
          existing.all.map((f) => f.url),
        );
    },
  };
}

/** `.fichier-old-1a2b3c4d-NAME`, within 1fichier's 250 characters. */
function asideName(name: string): string {
  return `.fichier-old-${randomBytes(4).toString("hex")}-${name}`.slice(0, 250);
}

async function removeFound(ctx: ChangeContext, path: string, found: Found): Promise<void> {
  if (found.kind === "file")
    await removeFiles(
      ctx,
      path,
      found.all.map((f) => f.url),
    );
  else await removeTree(ctx, path, found.id);
}

async function removeFiles(ctx: ChangeContext, what: string, urls: string[]): Promise<void> {
  for (let i = 0; i < urls.length; i += BATCH) {
    const batch = urls.slice(i, i + BATCH);
    await backendCall(what, () => ctx.client.files.remove(batch));
    for (const url of batch) ctx.forget(url);
  }
}

/** A folder and everything in it: files first, then the folders, deepest first (1fichier removes only empty ones). */
async function removeTree(ctx: ChangeContext, what: string, folderId: number): Promise<void> {
  const tree = await backendCall(what, () => ctx.paths.index.tree(folderId));
  await removeFiles(
    ctx,
    what,
    tree.files.map((f) => f.url),
  );
  // tree() gives parents first.
  for (const f of [...tree.folders].reverse()) {
    await backendCall(what, () => ctx.client.folders.remove({ folderId: f.id }));
  }
  await backendCall(what, () => ctx.client.folders.remove({ folderId }));
}

async function moveFile(
  ctx: ChangeContext,
  to: string,
  file: { url: string; name: string; folderId: number },
  destId: number,
  name: string,
): Promise<void> {
  await backendCall(to, async () => {
    // spec §7.9: a rename inside the folder is file/rename.cgi; mv.cgi refuses a rename to the same name.
    if (file.folderId === destId) {
      if (file.name !== name) await ctx.client.files.rename({ url: file.url, filename: name });
      return;
    }
    const rename = name !== file.name ? { rename: name } : {};
    await ctx.client.files.move({ urls: [file.url], folderId: destId, ...rename });
  });
}

/**
 * Moves a folder, renaming it on the way: two calls (spec §7.16 leaves open whether one does both), in an
 * order that meets no name already taken (folder names are unique in a folder).
 */
async function moveFolder(
  ctx: ChangeContext,
  to: string,
  folder: { id: number; parentId: number; name: string },
  destId: number,
  name: string,
): Promise<void> {
  const client = ctx.client;
  const rename = (n: string) =>
    backendCall(to, () => client.folders.move({ folderId: folder.id, rename: n }));
  const move = () =>
    backendCall(to, () => client.folders.move({ folderId: folder.id, destinationId: destId }));
  if (folder.parentId === destId) {
    if (folder.name !== name) await rename(name);
    return;
  }
  if (folder.name === name || !(await ctx.paths.namesIn(destId, to)).has(folder.name)) {
    await move();
    if (folder.name !== name) await rename(name);
    return;
  }
  // The destination has a folder of the current name: rename first (aside, if the source's folder has the new one).
  const first = (await ctx.paths.namesIn(folder.parentId, to)).has(name) ? asideName(name) : name;
  await rename(first);
  await move();
  if (first !== name) await rename(name);
}

/** Copies a folder's tree under `destId` as `name`: folders made, files copied server-side. */
async function copyTree(ctx: ChangeContext, to: string, srcId: number, destId: number, name: string) {
  const tree = await backendCall(to, () => ctx.paths.index.tree(srcId));
  if (!tree.complete) {
    throw new BackendError(
      "forbidden",
      `${to}: the folder holds more files than 1fichier lists at once (over 5 000 sent in one second); nothing was copied`,
    );
  }
  const client = ctx.client;
  const made = await backendCall(to, () => client.folders.create({ name, parentId: destId }));
  const ids = new Map<string, number>([["", made.folderId]]);
  // Parents first: each folder's parent is made before it.
  for (const f of tree.folders) {
    const parentId = ids.get(relParent(f.path)) ?? made.folderId;
    const sub = await backendCall(to, () => client.folders.create({ name: f.name, parentId }));
    ids.set(f.path, sub.folderId);
  }
  const byFolder = new Map<string, string[]>();
  for (const f of tree.files)
    byFolder.set(relParent(f.path), [...(byFolder.get(relParent(f.path)) ?? []), f.url]);
  for (const [rel, urls] of byFolder) {
    const folderId = ids.get(rel) ?? made.folderId;
    for (let i = 0; i < urls.length; i += BATCH) {
      const batch = urls.slice(i, i + BATCH);
      await backendCall(to, () => client.files.copy({ urls: batch, folderId }));
    }
  }
}

/** The folder part of a tree's relative path (`a/b/c.txt` → `a/b`, `c.txt` → ``). */
function relParent(rel: string): string {
  const i = rel.lastIndexOf("/");
  return i < 0 ? "" : rel.slice(0, i);
}
