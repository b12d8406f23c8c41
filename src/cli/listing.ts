/**
 * The account's folders and files as every command shows them: one JSON shape for a file, one for a folder,
 * one for a tree node, one for how old a folder's listing is (docs/cli.md "JSON shapes"), and the walk that reads
 * a folder and its sub-folders through the remote index. Paths start at the root with a `/`; dates are RFC 3339
 * (`time.ts`).
 */
import type { FileInfo, FileItem, SubFolder } from "../api/types.js";
import type { RemoteIndex } from "../remote-index/remote-index.js";
import { joinRemotePath } from "../remote-index/targets.js";
import { asFileItem, type FolderView, type ReadOptions } from "../remote-index/views.js";
import { jsonServiceDate, rfc3339 } from "./time.js";

/** A file in `--json` output (ls, tree, info): the client's `FileItem`, its path, the date in RFC 3339. */
export type FileJson = FileItem & {
  /** The file's path from the root (`/docs/a.txt`), or null when its folder is known only by id. */
  path: string | null;
};

/** A folder in `--json` output (ls, and tree nodes). */
export interface FolderJson {
  id: number;
  name: string;
  /** The folder's path from the root, or null when it is known only by id. */
  path: string | null;
  /** RFC 3339 ("" when the service gave none). */
  createDate: string;
  password: boolean;
}

/** A node of `tree --json`: the folder, its sub-folders (nodes) and its files. */
export type TreeNode = FolderJson & { folders: TreeNode[]; files: FileJson[] };

/** `info --json` of one file: the file shape and what `file/info.cgi` adds. */
export type FileInfoJson = FileJson &
  Pick<FileInfo, "folderId" | "description" | "inline" | "noSsl" | "aclRules"> & {
    /** The folder's path from the root (`/docs`). */
    folderPath: string;
  };

/**
 * The `--json` shape of a file found in the folder at `folderPath` (null: known only by id).
 *
 * @example
 * fileJson(item, "/docs"); // { ..., path: "/docs/a.txt", date: "2026-12-06T13:03:00.000Z" }
 */
export function fileJson(f: FileItem, folderPath: string | null): FileJson {
  return {
    url: f.url,
    filename: f.filename,
    path: folderPath === null ? null : joinRemotePath(folderPath, f.filename),
    size: f.size,
    date: jsonServiceDate(f.date),
    checksum: f.checksum,
    contentType: f.contentType,
    password: f.password,
    acl: f.acl,
    cdn: f.cdn,
  };
}

/**
 * The `--json` shape of a sub-folder of the folder at `parentPath`.
 *
 * @example
 * folderJson({ id: 2, name: "x", createDate: "2026-12-06 14:03:00", password: false }, "/docs");
 */
export function folderJson(f: SubFolder, parentPath: string | null): FolderJson {
  return {
    id: f.id,
    name: f.name,
    path: parentPath === null ? null : joinRemotePath(parentPath, f.name),
    createDate: jsonServiceDate(f.createDate),
    password: f.password,
  };
}

/**
 * The path of a file's folder from `file/info.cgi` (spec §7.6 gives `a/b` for the file `/a/b/c.txt`).
 *
 * @example
 * infoFolderPath(info); // "/a/b"
 */
export function infoFolderPath(i: FileInfo): string {
  return `/${i.path.replace(/^\/+|\/+$/g, "")}`;
}

/**
 * The `--json` shape of `file/info.cgi`'s answer: the file shape (its `path` the file's own, from the root)
 * and the folder's path (1fichier gives `a/b` for the file `/a/b/c.txt`, spec §7.6).
 *
 * @example
 * fileInfoJson(info); // { ..., path: "/a/b/c.txt", folderPath: "/a/b", folderId: 12 }
 */
export function fileInfoJson(i: FileInfo): FileInfoJson {
  const folderPath = infoFolderPath(i);
  return {
    ...fileJson(i, folderPath),
    folderId: i.folderId,
    folderPath,
    description: i.description,
    inline: i.inline,
    noSsl: i.noSsl,
    aclRules: i.aclRules,
  };
}

/**
 * How old a folder's contents are, as read (ls and tree `listings`): when it was last listed in full (or made by
 * fichier), null when never (only under `--cached`); `fromIndex` when served without a call.
 */
export interface ListingJson {
  id: number;
  path: string | null;
  /** RFC 3339, or null when the folder was never listed. */
  listedAt: string | null;
  ageMs: number | null;
  fromIndex: boolean;
}

/** One folder's part of a (recursive) listing, in name order, and how old it is. */
export interface Section {
  id: number;
  path: string | null;
  folders: FolderJson[];
  files: FileJson[];
  listing: ListingJson;
}

/**
 * Walks a folder (and, with `recursive`, its sub-folders, depth first, in name order) through the index: each
 * folder served from it while fresh, else listed once (spec §2.1: one listing per folder per 30 s). With
 * `cached`, no call at all: a sub-folder never listed is a section with no content and `listedAt: null`.
 *
 * @example
 * const sections = await walk(index, 0, "/", { recursive: true });
 */
export async function walk(
  index: RemoteIndex,
  id: number,
  path: string | null,
  opts: ReadOptions & { recursive?: boolean; onFolder?: (path: string | null) => void },
): Promise<Section[]> {
  opts.onFolder?.(path);
  const view = await index.list(id, opts);
  const byName =
    <T>(name: (x: T) => string) =>
    (a: T, b: T) =>
      name(a).localeCompare(name(b));
  const folders = [...view.subFolders]
    .sort(byName((f) => f.name))
    .map((f) => folderJson({ ...f, password: f.password }, path));
  const files = view.files
    .map(asFileItem)
    .sort(byName((f) => f.filename))
    .map((f) => fileJson(f, path));
  const sections: Section[] = [{ id, path, folders, files, listing: listingJson(id, path, view) }];
  if (opts.recursive) {
    for (const f of folders) sections.push(...(await walk(index, f.id, f.path, opts)));
  }
  return sections;
}

/**
 * The `--json` age of a folder view.
 *
 * @example
 * listingJson(0, "/", view); // { id: 0, path: "/", listedAt: "2026-12-06T13:03:00.000Z", ageMs: 1200, fromIndex: true }
 */
export function listingJson(id: number, path: string | null, view: FolderView): ListingJson {
  return {
    id,
    path,
    listedAt: view.ageMs === null ? null : rfc3339(Date.now() - view.ageMs),
    ageMs: view.ageMs,
    fromIndex: view.fromIndex,
  };
}

/**
 * The tree of walked sections, from the folder `id` (the first section) down.
 *
 * @example
 * treeOf(await walk(client, 0, "/", true)); // { id: 0, name: "", path: "/", folders: [...], files: [...] }
 */
export function treeOf(sections: Section[], root: FolderJson): TreeNode {
  const byId = new Map(sections.map((s) => [s.id, s]));
  const build = (f: FolderJson): TreeNode => {
    const s = byId.get(f.id);
    return { ...f, folders: (s?.folders ?? []).map(build), files: s?.files ?? [] };
  };
  return build(root);
}
