/**
 * Served paths as the account has them: a served path (`/a/b`, relative to the served root) is the remote path
 * under the root's, resolved by the one resolver over the remote index (docs/index.md): folders and files
 * served from the index while their folder's listing is fresh (30 s), listed again otherwise, names matched
 * exactly. A folder wins over a file of the same name, and of several files of one name (1fichier allows them)
 * the newest is the one shown; the others stay with it (`all`), so that replacing or deleting the path removes
 * them all and the path then shows what was asked for.
 */
import { isNotFoundError } from "../../api/errors.js";
import { serviceDateMs } from "../../api/service-time.js";
import { WrongKindError } from "../../remote-index/errors.js";
import type { OpenedIndex } from "../../remote-index/open.js";
import type { IndexedFile, IndexedFolder } from "../../remote-index/views.js";
import { BackendError, type Entry } from "../backend.js";
import { baseName, childPath } from "../paths.js";
import { backendCall, toBackendError } from "./errors.js";

/** A folder found at a served path. */
export interface FoundFolder {
  kind: "folder";
  id: number;
  entry: Entry;
}

/** A file found at a served path: the newest of its name, and every file of that name in its folder. */
export interface FoundFile {
  kind: "file";
  file: IndexedFile;
  all: IndexedFile[];
  entry: Entry;
}

export type Found = FoundFolder | FoundFile;

/** The served root: a folder of the account, by id and remote path. */
export interface ServedRoot {
  id: number;
  path: string;
  /** Shown as the root's date when 1fichier gives none (the account's root has none). */
  since: Date;
}

/** Reads never list a fresh folder again for a name it lacks (docs/index.md: `recheckMissing`). */
const READ = { recheckMissing: false } as const;

/**
 * Paths of one served root.
 *
 * @example
 * const paths = new AccountPaths(index, { id: 0, path: "/", since: new Date() });
 * const found = await paths.find("/films/a.mkv");
 */
export class AccountPaths {
  constructor(
    readonly index: OpenedIndex,
    readonly root: ServedRoot,
  ) {}

  /**
   * The remote path of a served path.
   * @example
   * paths.remote("/a.mkv"); // "/films/a.mkv" when /films is served
   */
  remote(path: string): string {
    if (path === "/") return this.root.path;
    return this.root.path === "/" ? path : `${this.root.path}${path}`;
  }

  /**
   * What is at a served path, undefined when nothing is (a path through a file included).
   *
   * @throws BackendError for the service's failures (busy, upstream)
   * @example
   * const found = await paths.find("/films/a.mkv"); // { kind: "file", file, all, entry }
   */
  async find(path: string): Promise<Found | undefined> {
    if (path === "/") return this.folderFound("/", this.root.id);
    let r: Awaited<ReturnType<OpenedIndex["resolve"]>>;
    try {
      r = await this.index.resolve(this.remote(path), READ);
    } catch (e) {
      if (isNotFoundError(e) || e instanceof WrongKindError) return undefined;
      throw toBackendError(e, path);
    }
    if (r.type === "folder") return this.folderFound(path, r.id);
    if (r.type !== "file" || r.folderId === undefined) return undefined;
    const file = this.index.file(r.url);
    if (!file) return undefined;
    // The other files of the name only when there are some: no second view of a big folder for every read.
    const folderId = r.folderId;
    const all = r.duplicates
      ? (await backendCall(path, () => this.index.list(folderId))).files.filter((f) => f.name === r.name)
      : [file];
    return { kind: "file", file, all, entry: fileEntry(path, file) };
  }

  /**
   * The folder at a served path, for a change inside it.
   *
   * @throws BackendError conflict when it is missing or a file (WebDAV's 409)
   * @example
   * const { id } = await paths.folder("/films");
   */
  async folder(path: string): Promise<FoundFolder> {
    const found = await this.find(path);
    if (!found) throw new BackendError("conflict", `the folder ${path} does not exist`);
    if (found.kind !== "folder") throw new BackendError("conflict", `${path} is a file, not a folder`);
    return found;
  }

  /**
   * The entries of a folder: its sub-folders, and the newest file of each name no sub-folder has.
   *
   * @throws BackendError not-found, conflict (a file)
   * @example
   * const entries = await paths.list("/films");
   */
  async list(path: string): Promise<Entry[]> {
    const found = await this.find(path);
    if (!found) throw new BackendError("not-found", `${path} does not exist`);
    if (found.kind !== "folder") throw new BackendError("conflict", `${path} is a file, not a folder`);
    const view = await backendCall(path, () => this.index.list(found.id));
    const entries = view.subFolders.map((f) => folderEntry(childPath(path, f.name), f));
    const folders = new Set(view.subFolders.map((f) => f.name));
    // Sorted by name then date: the last of each name is the newest, the one the resolver gives.
    const newest = new Map<string, IndexedFile>();
    for (const f of view.files) if (!folders.has(f.name)) newest.set(f.name, f);
    for (const f of newest.values()) entries.push(fileEntry(childPath(path, f.name), f));
    return entries;
  }

  /**
   * The names directly inside a folder (sub-folders and files), for picking a name nothing has.
   * @example
   * (await paths.namesIn(42, "/films")).has("a.mkv");
   */
  async namesIn(folderId: number, what: string): Promise<Set<string>> {
    const view = await backendCall(what, () => this.index.list(folderId));
    return new Set([...view.subFolders.map((f) => f.name), ...view.files.map((f) => f.name)]);
  }

  private async folderFound(path: string, id: number): Promise<FoundFolder> {
    const f: IndexedFolder | undefined = this.index.folder(id);
    const modified = dateOf(f?.createDate) ?? this.root.since;
    return {
      kind: "folder",
      id,
      entry: { path, name: path === "/" ? "" : baseName(path), kind: "folder", size: 0, modified },
    };
  }
}

/** A file's entry: its Whirlpool is the ETag, its URL the `ref` a read is handed back. */
function fileEntry(path: string, f: IndexedFile): Entry {
  return {
    path,
    name: baseName(path),
    kind: "file",
    size: f.size,
    modified: dateOf(f.date) ?? new Date(0),
    ...(f.whirlpool ? { etag: f.whirlpool } : {}),
    ref: f.url,
  };
}

function folderEntry(path: string, f: IndexedFolder): Entry {
  return {
    path,
    name: baseName(path),
    kind: "folder",
    size: 0,
    modified: dateOf(f.createDate) ?? new Date(0),
  };
}

function dateOf(date: string | undefined): Date | undefined {
  const ms = date ? serviceDateMs(date) : undefined;
  return ms === undefined ? undefined : new Date(ms);
}
