// The one path resolver (docs/index.md, "References" and "Paths"): a reference is classified by targets.ts,
// then a path is walked from the root over the index, each folder served from it within the listing window
// and listed otherwise. Names match exactly, after decoding (src/api/names.ts; the client decodes listings).
import { NotFoundError } from "../api/errors.js";
import { shellArg } from "../shell-quote.js";
import { NotIndexedError, WrongKindError } from "./errors.js";
import type { RemoteIndex } from "./remote-index.js";
import { classifyTarget, joinRemotePath, pathSegments, type Target } from "./targets.js";
import type { FolderView, IndexedFile, IndexedFolder, ReadOptions } from "./views.js";

/** Options of a resolution: the index's read options, and what a missing name means. */
export type ResolveOptions = ReadOptions & {
  /**
   * False: a name missing from a folder served from the index (within the listing window) is not-found at once,
   * without listing the folder again to look for a change made elsewhere. For callers that probe many names
   * that are not there (`fichier serve`: WebDAV clients ask for `desktop.ini`, `._x`, `.DS_Store`), where each
   * second listing would wait out the folder's 30 s spacing. Default true.
   */
  recheckMissing?: boolean;
};

/** A resolved folder: its id, and its path when known (a bare id the index never placed has none). */
export interface ResolvedFolder {
  id: number;
  path?: string;
  /** With `create`: true when the walk made the folder (and so any missing parent), absent when it was there. */
  created?: true;
}

/** A resolved file. Fields other than `url` and `name` are there when the index knows the file. */
export interface ResolvedFile {
  url: string;
  /** The file's name; the URL itself for a URL the index does not know. */
  name: string;
  path?: string;
  folderId?: number;
  size?: number;
  whirlpool?: string;
  /** Other files of the same name in the folder (1fichier allows them); the newest is the one resolved. */
  duplicates?: number;
}

/** What a reference resolves to. */
export type Resolved =
  | ({ type: "folder"; name: string } & ResolvedFolder)
  | ({ type: "file" } & ResolvedFile)
  | { type: "share"; url: string; hash: string };

/**
 * Resolves any reference to a folder, a file or a public share. A path's last name is a folder if one has it,
 * else a file (the newest when several share the name).
 *
 * @example
 * ```ts
 * await resolve(index, "/backups/db.sql"); // { type: "file", url: "https://1fichier.com/?...", name: "db.sql", ... }
 * ```
 * @throws NotFoundError when nothing has that name; WrongKindError for a path through a file
 */
export async function resolve(index: RemoteIndex, arg: string, opts: ResolveOptions = {}): Promise<Resolved> {
  const t = classifyTarget(arg);
  switch (t.kind) {
    case "share":
      return { type: "share", url: t.url, hash: t.hash };
    case "file":
      return { type: "file", ...knownFile(index, t) };
    case "folder-id":
      return { type: "folder", name: index.folder(t.id)?.name ?? String(t.id), ...knownFolder(index, t.id) };
    case "path":
      return resolvePath(index, t.path, opts);
  }
}

/**
 * Resolves a reference that must be a folder; with `create`, missing folders of a path are made (`mkdir -p`,
 * taking a folder another process made meanwhile). A bare id is taken as given (no call).
 *
 * @example
 * ```ts
 * const { id } = await resolveFolder(index, "/backups/2026", { create: true });
 * ```
 * @throws WrongKindError for a file URL, a share, or a path naming (or going through) a file
 * @throws NotFoundError naming the first missing folder, without `create`
 */
export async function resolveFolder(
  index: RemoteIndex,
  arg: string,
  opts: ResolveOptions & { create?: boolean } = {},
): Promise<ResolvedFolder> {
  const t = classifyTarget(arg);
  if (t.kind === "folder-id") return knownFolder(index, t.id);
  if (t.kind !== "path") throw wrongKind(arg, "folder", t);
  return walk(index, pathSegments(t.path), opts);
}

/**
 * Resolves a reference that must be a file: a file URL (no call) or the path of a file.
 *
 * @example
 * ```ts
 * const f = await resolveFile(index, "/backups/db.sql");
 * ```
 * @throws WrongKindError for a folder or a share
 */
export async function resolveFile(
  index: RemoteIndex,
  arg: string,
  opts: ResolveOptions = {},
): Promise<ResolvedFile> {
  const r = await resolve(index, arg, opts);
  if (r.type === "file") {
    const { type: _, ...file } = r;
    return file;
  }
  throw new WrongKindError(arg.trim(), "file", r.type, "give a file URL or the path of a file");
}

async function resolvePath(index: RemoteIndex, path: string, opts: ResolveOptions): Promise<Resolved> {
  const names = pathSegments(path);
  const last = names.pop();
  if (last === undefined) return { type: "folder", id: 0, name: "", path: "/" };
  const parent = await walk(index, names, opts);
  const parentPath = parent.path ?? "/";
  const full = joinRemotePath(parentPath, last);
  const hit = await findChild(index, parent.id, parentPath, last, opts);
  if (hit.folder) return { type: "folder", id: hit.folder.id, name: last, path: full };
  const newest = hit.files.at(-1);
  if (!newest) throw notFound(last, parentPath, hit.view, "file or folder");
  return {
    type: "file",
    url: newest.url,
    name: newest.name,
    path: full,
    folderId: parent.id,
    size: newest.size,
    whirlpool: newest.whirlpool,
    ...(hit.files.length > 1 ? { duplicates: hit.files.length - 1 } : {}),
  };
}

/** Walks folder names from the root; with `create`, makes the missing ones. */
async function walk(
  index: RemoteIndex,
  names: string[],
  opts: ResolveOptions & { create?: boolean },
): Promise<ResolvedFolder & { path: string }> {
  let id = 0;
  let path = "/";
  let created = false;
  const target = `/${names.join("/")}`;
  for (const name of names) {
    const here = path;
    path = joinRemotePath(here, name);
    // With create, a name missing from the index is made: mkdir itself says (#9002) when the index was stale.
    const hit = await findChild(
      index,
      id,
      here,
      name,
      opts.create ? { ...opts, recheckMissing: false } : opts,
    );
    if (hit.folder) {
      id = hit.folder.id;
    } else if (hit.files.length > 0) {
      throw new WrongKindError(
        path,
        "folder",
        "file",
        "give a folder path (the file's folder, or a new name)",
      );
    } else if (opts.create) {
      const made = await index.ensureFolder(id, name, opts);
      created ||= made.created === true;
      id = made.id;
    } else {
      throw notFound(name, here, hit.view, "folder", target);
    }
  }
  return { id, path, ...(created ? { created: true as const } : {}) };
}

/**
 * The sub-folder and the files named `name` in a folder. A name missing from a folder served by the index (not
 * listed by this walk, nor by this index earlier) may be a change made elsewhere: the folder is listed again
 * once, with a warning when that finds it. Under `cached`, a name missing from a folder never listed is unknown,
 * not missing.
 */
async function findChild(
  index: RemoteIndex,
  parentId: number,
  parentPath: string,
  name: string,
  opts: ResolveOptions,
): Promise<{ folder?: IndexedFolder; files: IndexedFile[]; view: FolderView }> {
  let view = await index.list(parentId, opts);
  let hit = match(view, name);
  const missing = !hit.folder && hit.files.length === 0;
  if (missing && opts.cached && view.ageMs === null) {
    throw new NotIndexedError(parentPath, `run \`fichier ls ${shellArg(parentPath)}\` once without --cached`);
  }
  const recheck = !opts.cached && opts.recheckMissing !== false && !index.isOwnListing(parentId);
  if (missing && view.fromIndex && recheck) {
    const age = view.ageMs;
    view = await index.list(parentId, { ...opts, refresh: true });
    hit = match(view, name);
    if (hit.folder || hit.files.length > 0) index.warnStale(parentId, joinRemotePath(parentPath, name), age);
  }
  return { ...hit, view };
}

function match(view: FolderView, name: string): { folder?: IndexedFolder; files: IndexedFile[] } {
  const folder = view.subFolders.find((f) => f.name === name);
  // Files come sorted by name then date: the last of a name is the newest.
  return { ...(folder ? { folder } : {}), files: view.files.filter((f) => f.name === name) };
}

function knownFolder(index: RemoteIndex, id: number): ResolvedFolder {
  const path = index.knownPath(id);
  return { id, ...(path !== undefined ? { path } : {}) };
}

function knownFile(index: RemoteIndex, t: Extract<Target, { kind: "file" }>): ResolvedFile {
  const f = index.file(t.url);
  if (!f) return { url: t.url, name: t.url };
  const dir = index.knownPath(f.folderId);
  return {
    url: t.url,
    name: f.name,
    folderId: f.folderId,
    size: f.size,
    whirlpool: f.whirlpool,
    ...(dir !== undefined ? { path: joinRemotePath(dir, f.name) } : {}),
  };
}

function notFound(
  name: string,
  parent: string,
  view: FolderView,
  what: string,
  target?: string,
): NotFoundError {
  const partial = view.complete
    ? ""
    : ` (the folder has more files than 1fichier lists at once, so it may be among those not read)`;
  const hint =
    what === "folder"
      ? `check the path with \`fichier ls ${shellArg(parent)}\`, or create it with \`fichier mkdir -p ${shellArg(target ?? joinRemotePath(parent, name))}\``
      : `check the name with \`fichier ls ${shellArg(parent)}\``;
  return new NotFoundError(`no ${what} named ${JSON.stringify(name)} in ${parent}${partial}`, {
    endpoint: "folder/ls.cgi",
    hint,
  });
}

function wrongKind(
  arg: string,
  expected: "folder",
  t: Exclude<Target, { kind: "path" | "folder-id" }>,
): WrongKindError {
  if (t.kind === "share") {
    return new WrongKindError(
      arg.trim(),
      expected,
      "share",
      `use \`fichier ls ${t.url}\` to list it, or give one of your folders (a path such as /backups, or an id)`,
    );
  }
  return new WrongKindError(
    arg.trim(),
    expected,
    "file",
    "give a folder path such as /backups or a folder id",
  );
}
