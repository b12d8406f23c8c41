// The remote index: one model of the account's tree, fed by every listing and change of its client
// (ClientObserver), with explicit freshness. A folder read in full within the listing window is served from
// the index (plus this machine's own changes since); an older one is listed again when a read needs it.
// Path resolution over it is in resolver.ts; opening one (memory or SQLite) in open.ts.
import { folderListingEvent } from "../api/endpoints/folders.js";
import { ConflictError, isNotFoundError, NotFoundError } from "../api/errors.js";
import type { ClientChange, ClientObserver, ListingEvent } from "../api/types.js";
import { NotIndexedError } from "./errors.js";
import { applyChange, coverageOf, fileKey, ingestListing, markUnlisted, removeTree } from "./ingest.js";
import { type IndexSource, readFolder } from "./reader.js";
import type { Resolved, ResolvedFile, ResolvedFolder, ResolveOptions } from "./resolver.js";
import * as resolver from "./resolver.js";
import type { IndexStore } from "./store.js";
import {
  buildView,
  chainFromStore,
  type FolderView,
  type IndexedFile,
  type IndexedFolder,
  pathOfChain,
  type ReadOptions,
  toIndexedFile,
  toIndexedFolder,
} from "./views.js";

/** Something the index tells its user: each is a warning, with a ready message. */
export interface IndexEvent {
  /**
   * `stale`: a change made elsewhere was found and the folder listed again; `incomplete`: a folder could not be
   * read in full; `rebuilt`: the index file was unusable and started again; `write-failed`: the index could not
   * record a listing or change (the folder will be listed again).
   */
  type: "stale" | "incomplete" | "rebuilt" | "write-failed";
  message: string;
  folderId?: number;
}

/** Options of an index. */
export interface IndexOptions {
  /**
   * The listing window (ms): a folder read in full more recently is served from the index. Default 30 000, the
   * per-folder listing spacing of the service and of the governor (`folderListIntervalMs`).
   */
  maxAgeMs?: number;
  /** Clock (ms); default the client's governor clock, else `Date.now`. */
  now?: () => number;
  /**
   * Entries listed before this moment (ms) are listed again when read, whatever the window: what a `--refresh`
   * run asks for. Folders listed (or made) since are served from the index, so a run lists each at most once.
   */
  listedSince?: number;
  /** Warnings: stale entries listed again, incomplete folders, a rebuilt index file. */
  onEvent?: (e: IndexEvent) => void;
}

/** A file or folder tree below a folder, as `tree()` reads it. */
export interface TreeListing {
  /** Folders below the root (not the root itself), parents first; `path` relative, without a leading `/`. */
  folders: (IndexedFolder & { path: string })[];
  /** Files of the root and below; `path` relative (`a/b/c.txt`). */
  files: (IndexedFile & { path: string })[];
  /** False when some folder could not be read in full (`incomplete` names them). */
  complete: boolean;
  /** Relative paths of the folders not read in full ("" for the root). */
  incomplete: string[];
  /** The oldest folder's age (ms), null when a folder was never read in full (cached reads). */
  oldestMs: number | null;
}

const DEFAULT_MAX_AGE_MS = 30_000;

/**
 * The remote index of one account. Build one with `openIndex` (persistent, shared by the machine's processes)
 * or `createMemoryIndex`; `client.paths` keeps a memory one for the client's life.
 *
 * @example
 * ```ts
 * const index = await openIndex({ apiKey: process.env.FICHIER_API_KEY! });
 * const { id } = await index.resolveFolder("/backups/2026", { create: true });
 * const view = await index.list(id); // no call: the folder was just made
 * await index.close();
 * ```
 */
export class RemoteIndex implements ClientObserver {
  readonly maxAgeMs: number;
  private readonly listedSince: number | undefined;
  private readonly now: () => number;
  private readonly onEvent: (e: IndexEvent) => void;
  private readonly reading = new Map<number, Promise<void>>();
  /** When this index last read each folder itself (the listing's start): its own entries are not stale. */
  private readonly ownReads = new Map<number, number>();
  private readonly closers: (() => void | Promise<void>)[] = [];

  constructor(
    private readonly store: IndexStore,
    private readonly source: IndexSource,
    options: IndexOptions & { now: () => number },
  ) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.listedSince = options.listedSince;
    this.now = options.now;
    this.onEvent = options.onEvent ?? (() => {});
  }

  /**
   * Where the rows live: `memory` or the SQLite file's path.
   * @example
   * ```ts
   * index.location; // "/home/me/.cache/fichier/index-3f1c9a0b7d2e4c51-6c1f09a2.sqlite"
   * ```
   */
  get location(): string {
    return this.store.location;
  }

  /**
   * Runs `fn` when the index closes (openIndex: the client it made, the observer it added).
   * @example
   * ```ts
   * index.onClose(() => client.close());
   * ```
   */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  /**
   * ClientObserver: a listing of the client (the index's own reads write their result themselves).
   * @example
   * ```ts
   * client.observe(index); // openIndex does it
   * ```
   */
  listed(e: ListingEvent): void {
    if (this.reading.has(e.folderId)) return;
    this.guard(e.folderId, () => ingestListing(this.store, e, coverageOf(e)));
  }

  /**
   * ClientObserver: a change of the client, written through.
   * @example
   * ```ts
   * index.changed({ type: "files-added", folderId, files: [{ url, name, size, whirlpool }], at: Date.now() });
   * ```
   */
  changed(c: ClientChange): void {
    this.guard("folderId" in c ? c.folderId : undefined, () => applyChange(this.store, c));
  }

  /**
   * A folder's sub-folders and files: from the index when read within the listing window, else listed (in
   * full, paging past 5 000 files). `refresh` lists anyway; `cached` never calls.
   *
   * @example
   * ```ts
   * const v = await index.list(0, { cached: true });
   * console.log(v.ageMs === null ? "never listed" : `${Math.round(v.ageMs / 1000)} s old`);
   * ```
   * @throws NotFoundError for a folder that does not exist; with `cached`, NotIndexedError (a NotFoundError) for
   * one the index never saw
   */
  async list(folderId: number, opts: ReadOptions = {}): Promise<FolderView> {
    if (opts.cached) {
      const v = buildView(this.store, folderId, this.now(), true);
      if (v) return v;
      throw new NotIndexedError(
        this.knownPath(folderId) ?? `folder ${folderId}`,
        "run the command without --cached once to list it",
      );
    }
    if (!opts.refresh && this.isFresh(folderId)) {
      return buildView(this.store, folderId, this.now(), true)!;
    }
    await this.read(folderId, opts.signal);
    return buildView(this.store, folderId, this.now(), false)!;
  }

  /**
   * Whether a read of the folder is served from the index: read in full within the listing window (and, with
   * `listedSince`, since that moment).
   * @example
   * ```ts
   * if (!index.isFresh(42)) console.error("the next read of folder 42 lists it");
   * ```
   */
  isFresh(folderId: number): boolean {
    const at = this.store.folder(folderId)?.listedAt;
    if (at == null || (this.listedSince !== undefined && at < this.listedSince)) return false;
    return this.now() - at <= this.maxAgeMs;
  }

  /**
   * Whether the folder's entry is this index's own listing (not one of another process, nor an older one): a
   * name missing from it, or a `#469` on a URL it gave, would get the same answer from a new listing, after the
   * folder's 30 s spacing, so the stale checks (the resolver's, `retryStale`) do not list it again.
   * @example
   * ```ts
   * index.isOwnListing(42); // true right after index.list(42) listed it
   * ```
   */
  isOwnListing(folderId: number): boolean {
    const own = this.ownReads.get(folderId);
    return own !== undefined && own === this.store.folder(folderId)?.listedAt;
  }

  /**
   * Marks a folder to be listed again at its next read, without a call: something will change it that the index
   * cannot write through (a remote upload landing later), or a URL it gave turned out to be gone (`#469`).
   * @example
   * ```ts
   * index.markStale(folderId); // after client.remote.request({ urls, folderId })
   * ```
   */
  markStale(folderId: number): void {
    this.guard(folderId, () => this.store.transaction(() => markUnlisted(this.store, folderId)));
  }

  /**
   * ms since the folder was last read in full (or made by this machine), null when never.
   * @example
   * ```ts
   * index.ageOf(0); // 1250
   * ```
   */
  ageOf(folderId: number): number | null {
    const at = this.store.folder(folderId)?.listedAt;
    return at == null ? null : Math.max(0, this.now() - at);
  }

  /**
   * A file the index knows, by URL (any domain, any suffix): no call.
   * @example
   * ```ts
   * index.file("https://1fichier.com/?abcde12345&af=1")?.name;
   * ```
   */
  file(url: string): IndexedFile | undefined {
    const f = this.store.file(fileKey(url));
    return f && toIndexedFile(f);
  }

  /**
   * A folder the index knows, by id: no call.
   * @example
   * ```ts
   * index.folder(42)?.name;
   * ```
   */
  folder(id: number): IndexedFolder | undefined {
    const f = this.store.folder(id);
    return f && toIndexedFolder(f);
  }

  /**
   * The path of a folder id if the index can tell it without a call (every parent known).
   * @example
   * ```ts
   * index.knownPath(42); // "/backups/2026", or undefined
   * ```
   */
  knownPath(id: number): string | undefined {
    const chain = chainFromStore(this.store, id);
    return chain && pathOfChain(chain);
  }

  /**
   * The path of a folder id: from the index, else (unless `cached`) found by listing from the root down.
   * @example
   * ```ts
   * await index.folderPath(42); // "/backups/2026"
   * ```
   * @throws NotFoundError when no folder of the account has that id
   */
  async folderPath(id: number, opts: ReadOptions = {}): Promise<string> {
    return pathOfChain(await this.chain(id, opts));
  }

  /**
   * The ids from the root down to the folder's parent (`[]` for the root), as `folderPath` finds them.
   * @example
   * ```ts
   * await index.ancestors(42); // [0, 7]
   * ```
   */
  async ancestors(id: number, opts: ReadOptions = {}): Promise<number[]> {
    return (await this.chain(id, opts)).slice(0, -1).map((f) => f.id);
  }

  /**
   * True when folder `id` is `ancestorId` or lies below it (the gateway confines a token to a folder).
   * @example
   * ```ts
   * await index.isInside(42, 7); // true
   * ```
   */
  async isInside(id: number, ancestorId: number, opts: ReadOptions = {}): Promise<boolean> {
    return (await this.chain(id, opts)).some((f) => f.id === ancestorId);
  }

  private async chain(id: number, opts: ReadOptions) {
    const known = chainFromStore(this.store, id);
    if (known) return known;
    if (!opts.cached) {
      await this.locate(id, opts);
      const found = chainFromStore(this.store, id);
      if (found) return found;
    }
    if (opts.cached) throw new NotIndexedError(`folder ${id}`, "run the command without --cached once");
    throw new NotFoundError(`no folder with id ${id} in the account`, {
      hint: "check the id with `fichier ls -R`",
    });
  }

  /** Lists from the root down, breadth first, until the folder shows up (each folder at most once). */
  private async locate(id: number, opts: ReadOptions): Promise<void> {
    const queue = [0];
    const seen = new Set<number>();
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (seen.has(next)) continue;
      seen.add(next);
      const v = await this.list(next, opts);
      if (v.subFolders.some((s) => s.id === id)) return;
      queue.push(...v.subFolders.map((s) => s.id));
    }
  }

  /**
   * Every folder and file below a folder, each folder listed at most once (within the window, from the index).
   * `includeDir` prunes: a folder it refuses (relative path, no leading `/`) is not read.
   *
   * @example
   * ```ts
   * const t = await index.tree(42, { includeDir: (p) => !p.startsWith("tmp") });
   * for (const f of t.files) console.log(f.path, f.size);
   * ```
   */
  async tree(folderId: number, opts: ReadOptions & { includeDir?: (path: string) => boolean } = {}) {
    const out: TreeListing = { folders: [], files: [], complete: true, incomplete: [], oldestMs: 0 };
    const queue: { id: number; path: string }[] = [{ id: folderId, path: "" }];
    for (let next = queue.shift(); next; next = queue.shift()) {
      const v = await this.list(next.id, opts);
      if (!v.complete) {
        out.complete = false;
        out.incomplete.push(next.path);
      }
      out.oldestMs = v.ageMs === null || out.oldestMs === null ? null : Math.max(out.oldestMs, v.ageMs);
      const prefix = next.path === "" ? "" : `${next.path}/`;
      for (const f of v.files) out.files.push({ ...f, path: prefix + f.name });
      for (const s of v.subFolders) {
        const path = prefix + s.name;
        if (opts.includeDir && !opts.includeDir(path)) continue;
        out.folders.push({ ...s, path });
        queue.push({ id: s.id, path });
      }
    }
    return out;
  }

  /**
   * The sub-folder `name` of `parentId`, made when missing (`created: true`). When another process made it
   * meanwhile (`#9002`), the parent is listed again and theirs is taken, as `mkdir -p` does.
   *
   * @example
   * ```ts
   * const f = await index.ensureFolder(0, "backups");
   * if (f.created) console.log(`made folder ${f.id}`);
   * ```
   */
  async ensureFolder(
    parentId: number,
    name: string,
    opts: ReadOptions = {},
  ): Promise<IndexedFolder & { created?: true }> {
    const own = (await this.list(parentId, opts)).subFolders.find((s) => s.name === name);
    if (own) return own;
    const signal = opts.signal ? { signal: opts.signal } : {};
    try {
      const made = await this.source.folders.create({ name, parentId, ...signal });
      // The client's observer wrote it through; a source without one is written here.
      if (!this.store.folder(made.folderId)) {
        this.changed({ type: "folder-created", parentId, folderId: made.folderId, name, at: this.now() });
      }
      const row = this.store.folder(made.folderId);
      const folder = row
        ? toIndexedFolder(row)
        : { id: made.folderId, name, parentId, createDate: "", shared: null, password: false };
      return { ...folder, created: true };
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      const again = await this.list(parentId, { ...opts, refresh: true });
      const theirs = again.subFolders.find((s) => s.name === name);
      if (!theirs) throw e;
      return theirs;
    }
  }

  /**
   * Runs `fn`; if it fails with a not-found (`#469` on a URL the index gave, a name that is not there), the
   * folder is listed again (a change made elsewhere) and `fn` runs once more, with a `stale` warning. When the
   * folder's entry is this index's own listing (`isOwnListing`), the not-found is the caller's at once.
   *
   * @example
   * ```ts
   * const f = await index.retryStale(folderId, async () => {
   *   const hit = (await index.list(folderId)).files.find((x) => x.name === "db.sql");
   *   if (!hit) throw new NotFoundError("no db.sql");
   *   return client.download.getToken({ url: hit.url });
   * });
   * ```
   */
  async retryStale<T>(folderId: number, fn: () => Promise<T>, what = "a call"): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!isNotFoundError(e) || this.isOwnListing(folderId)) throw e;
      const age = this.ageOf(folderId);
      await this.read(folderId);
      this.warnStale(folderId, what, age);
      return fn();
    }
  }

  /**
   * Says a folder was found changed elsewhere and listed again (resolver.ts and retryStale use it).
   * @example
   * ```ts
   * index.warnStale(42, "/x/new.txt", 12_000); // "/x/new.txt: /x was changed elsewhere (...); listed it again"
   * ```
   */
  warnStale(folderId: number, what: string, ageMs: number | null): void {
    const name = this.knownPath(folderId) ?? `folder ${folderId}`;
    const old = ageMs === null ? "" : ` (the index's entry was ${Math.round(ageMs / 1000)} s old)`;
    this.onEvent({
      type: "stale",
      folderId,
      message: `${what}: ${name} was changed elsewhere${old}; listed it again`,
    });
  }

  /**
   * Resolves any reference to a folder, a file or a public share (resolver.ts `resolve`; docs/index.md).
   * @example
   * ```ts
   * const r = await index.resolve("/backups/db.sql"); // { type: "file", url, name, path, ... }
   * ```
   */
  resolve(arg: string, opts: ResolveOptions = {}): Promise<Resolved> {
    return resolver.resolve(this, arg, opts);
  }
  /**
   * Resolves a reference that must be a folder; `create` makes missing ones (resolver.ts `resolveFolder`).
   * @example
   * ```ts
   * const { id } = await index.resolveFolder("/backups/2026", { create: true });
   * ```
   */
  resolveFolder(arg: string, opts: ResolveOptions & { create?: boolean } = {}): Promise<ResolvedFolder> {
    return resolver.resolveFolder(this, arg, opts);
  }
  /**
   * Resolves a reference that must be a file (resolver.ts `resolveFile`).
   * @example
   * ```ts
   * const { url } = await index.resolveFile("/backups/db.sql");
   * ```
   */
  resolveFile(arg: string, opts: ResolveOptions = {}): Promise<ResolvedFile> {
    return resolver.resolveFile(this, arg, opts);
  }

  /**
   * The Whirlpool kept for a local file, if its size and mtime (ns) are those it was hashed at.
   * @example
   * ```ts
   * const st = await stat(path, { bigint: true });
   * index.localHash(path, { size: Number(st.size), mtimeNs: st.mtimeNs });
   * ```
   */
  localHash(path: string, stat: { size: number; mtimeNs: bigint }): string | undefined {
    const h = this.store.localHash(path);
    return h && h.size === stat.size && h.mtimeNs === String(stat.mtimeNs) ? h.whirlpool : undefined;
  }

  /**
   * Keeps a local file's Whirlpool for its current size and mtime.
   * @example
   * ```ts
   * index.rememberLocalHash(path, { size: 10, mtimeNs: 1n }, "19fa...");
   * ```
   */
  rememberLocalHash(path: string, stat: { size: number; mtimeNs: bigint }, whirlpool: string): void {
    this.guard(undefined, () =>
      this.store.putLocalHash({
        path,
        size: stat.size,
        mtimeNs: String(stat.mtimeNs),
        whirlpool,
        hashedAt: this.now(),
      }),
    );
  }

  /**
   * Closes the store (and what openIndex opened for it).
   * @example
   * ```ts
   * await index.close();
   * ```
   */
  async close(): Promise<void> {
    for (const fn of this.closers.splice(0).reverse()) await fn();
    this.store.close();
  }

  /** Reads a folder in full, once at a time per folder (parallel callers share the read). */
  private read(folderId: number, signal?: AbortSignal): Promise<void> {
    let p = this.reading.get(folderId);
    if (!p) {
      p = this.readNow(folderId, signal).finally(() => this.reading.delete(folderId));
      this.reading.set(folderId, p);
    }
    return p;
  }

  private async readNow(folderId: number, signal?: AbortSignal): Promise<void> {
    let r: Awaited<ReturnType<typeof readFolder>>;
    try {
      r = await readFolder(this.source, folderId, { now: this.now, ...(signal ? { signal } : {}) });
    } catch (e) {
      // The folder is gone (#9001): so is everything the index had below it.
      if (isNotFoundError(e))
        this.guard(folderId, () => this.store.transaction(() => removeTree(this.store, folderId)));
      throw e;
    }
    const event = folderListingEvent(r.listing, r.startedAt, r.files);
    // Listed even when partial: listing again at once would get the same answer, after the spacing.
    this.guard(folderId, () =>
      ingestListing(this.store, event, {
        subFolders: r.subFoldersComplete,
        files: r.filesComplete,
        listed: true,
        partial: r.incomplete !== undefined,
      }),
    );
    this.ownReads.set(folderId, r.startedAt);
    if (r.incomplete) {
      this.onEvent({
        type: "incomplete",
        folderId,
        message: `${this.knownPath(folderId) ?? `folder ${folderId}`} could not be read in full: ${r.incomplete}`,
      });
    }
  }

  /** Runs a store write; a failure is a warning and the folder is listed again next time. */
  private guard(folderId: number | undefined, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.onEvent({
        type: "write-failed",
        ...(folderId !== undefined ? { folderId } : {}),
        message: `the index could not record a change (${(e as Error).message}); the folder will be listed again`,
      });
      if (folderId === undefined) return;
      try {
        this.store.transaction(() => markUnlisted(this.store, folderId));
      } catch {
        // The store refuses every write: the next read lists again anyway when its entry is old.
      }
    }
  }
}
