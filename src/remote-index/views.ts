// The index's public shapes, and how they are built from its rows.
import type { FileItem } from "../api/types.js";
import { type FileRecord, type FolderRecord, type IndexStore, rootRecord } from "./store.js";

/** A folder as the index serves it. */
export interface IndexedFolder {
  id: number;
  name: string;
  /** null when the index does not know where it sits. */
  parentId: number | null;
  createDate: string;
  /** Public share URL, null when not shared. */
  shared: string | null;
  password: boolean;
}

/** A file as the index serves it (the fields of a listing, spec §7.5). */
export interface IndexedFile {
  url: string;
  name: string;
  folderId: number;
  size: number;
  whirlpool: string;
  /** Upload date, `YYYY-MM-DD HH:MM:SS` (Paris time). */
  date: string;
  contentType: string;
  password: boolean;
  acl: boolean;
  cdn: boolean;
}

/** One folder's content, and how old the index's knowledge of it is. */
export interface FolderView {
  folder: IndexedFolder;
  /** Sorted by name. */
  subFolders: IndexedFolder[];
  /** Sorted by name, then date (two files may share a name, spec §11). */
  files: IndexedFile[];
  /** ms since the folder was last read in full (0: just now); null when it never was (a cached view). */
  ageMs: number | null;
  /** False when the service could not give all of it (over 5 000 files in one upload second, spec §12). */
  complete: boolean;
  /** Served from the index, without a call. */
  fromIndex: boolean;
}

/** Options of every read of the index. */
export interface ReadOptions {
  /** List again even when the index's entry is within the listing window. */
  refresh?: boolean;
  /** Make no call at all: serve what the index has, whatever its age (`ageMs` says it). */
  cached?: boolean;
  signal?: AbortSignal;
}

/**
 * The public form of a folder row.
 * @example
 * ```ts
 * toIndexedFolder(rootRecord()); // { id: 0, name: "", parentId: null, ... }
 * ```
 */
export function toIndexedFolder(f: FolderRecord): IndexedFolder {
  return {
    id: f.id,
    name: f.name,
    parentId: f.parent,
    createDate: f.created,
    shared: f.shared,
    password: f.pass,
  };
}

/**
 * The public form of a file row.
 * @example
 * ```ts
 * toIndexedFile(store.file("abcde12345")!).url;
 * ```
 */
export function toIndexedFile(f: FileRecord): IndexedFile {
  return {
    url: f.url,
    name: f.name,
    folderId: f.folder,
    size: f.size,
    whirlpool: f.whirlpool,
    date: f.date,
    contentType: f.contentType,
    password: f.pass,
    acl: f.acl,
    cdn: f.cdn,
  };
}

/**
 * An indexed file in the client's listing shape (`FileItem`, spec §7.5), for code written against listings.
 * @example
 * ```ts
 * const items = (await index.list(42)).files.map(asFileItem);
 * ```
 */
export function asFileItem(f: IndexedFile): FileItem {
  return {
    url: f.url,
    filename: f.name,
    size: f.size,
    date: f.date,
    checksum: f.whirlpool,
    contentType: f.contentType,
    password: f.password,
    acl: f.acl,
    cdn: f.cdn,
  };
}

/**
 * A folder's view from the store, or undefined when the folder is not in it.
 * @example
 * ```ts
 * buildView(store, 0, Date.now(), true)?.files.length;
 * ```
 */
export function buildView(
  store: IndexStore,
  id: number,
  now: number,
  fromIndex: boolean,
): FolderView | undefined {
  const row = store.folder(id);
  if (!row) return undefined;
  const byName = (a: { name: string }, b: { name: string }) => compare(a.name, b.name);
  // Two files may share a name (spec §11): the newest last, by upload date (1 s), then by when this machine
  // learnt of it (an upload written through is newer than the listing that had the old copy), then by URL.
  const files = store
    .filesIn(id)
    .sort(
      (a, b) => byName(a, b) || compare(a.date, b.date) || a.updatedAt - b.updatedAt || compare(a.url, b.url),
    )
    .map(toIndexedFile);
  return {
    folder: toIndexedFolder(row),
    subFolders: store.subFolders(id).map(toIndexedFolder).sort(byName),
    files,
    ageMs: row.listedAt === null ? null : Math.max(0, now - row.listedAt),
    complete: !row.partial,
    fromIndex,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The folders from the root down to `id` (both included), from the index's rows; undefined when a parent is
 * unknown. The path of a folder and its ancestors both come from it.
 * @example
 * ```ts
 * chainFromStore(store, 42)?.map((f) => f.name); // ["", "backups", "2026"]
 * ```
 */
export function chainFromStore(store: IndexStore, id: number): FolderRecord[] | undefined {
  // The root is always there, listed or not.
  const get = (i: number) => store.folder(i) ?? (i === 0 ? rootRecord() : undefined);
  const chain: FolderRecord[] = [];
  let cur = get(id);
  // A chain longer than any real tree means the rows disagree (a cycle): treat it as unknown.
  for (let depth = 0; cur; depth++) {
    chain.unshift(cur);
    if (cur.id === 0) return chain;
    if (cur.parent === null || depth > 1000) return undefined;
    cur = get(cur.parent);
  }
  return undefined;
}

/**
 * A folder's path from its chain: "/" for the root.
 * @example
 * ```ts
 * pathOfChain(chainFromStore(store, 42)!); // "/backups/2026"
 * ```
 */
export function pathOfChain(chain: FolderRecord[]): string {
  return `/${chain
    .slice(1)
    .map((f) => f.name)
    .join("/")}`;
}
