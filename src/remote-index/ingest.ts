// What a listing or a change does to the index's rows: written once, above the IndexStore interface.
//
// Two rules keep listings and this machine's own changes from undoing each other when they overlap in time:
// a row written after a listing started is newer than that listing (the listing does not overwrite it or
// remove it), and a removal leaves a tombstone so a listing that started before it does not bring it back.

import { parisDate } from "../api/service-time.js";
import type { ClientChange, FileItem, ListingEvent, SubFolder } from "../api/types.js";
import { parseFileUrl } from "../api/urls.js";
import { type FileRecord, type FolderRecord, type IndexStore, rootRecord } from "./store.js";

/** spec §12: a listing returns at most 5 000 results; a full one may have been cut. */
export const LISTING_CAP = 5000;

/** Tombstones older than this can no longer meet a listing still in flight. */
const TOMBSTONE_LIFE_MS = 3_600_000;

/**
 * A change is stamped this much after its moment: a listing that started in the same millisecond (common on
 * a test's virtual clock) is taken to have started before it, so it neither undoes nor revives the change,
 * while a later listing of the same millisecond still replaces an earlier listing's rows.
 */
const CHANGE_STAMP_OFFSET_MS = 0.5;

/** How much of a folder a listing covers. */
export interface Coverage {
  /** Every sub-folder is in it: the ones missing are gone. */
  subFolders: boolean;
  /** Every file is in it: the ones missing are gone. */
  files: boolean;
  /** Mark the folder listed at the listing's start (its sub-folders and files both read in full). */
  listed: boolean;
  /** The read was as full as the service allows, yet some files could not be read (over 5 000 in one second). */
  partial?: boolean;
}

/**
 * What a listing answered says about itself: `folder/ls.cgi` with files is complete when neither list hit the
 * 5 000 cap and the files count matches; a `file/ls.cgi` page (`sent_after`/`sent_before`) never is.
 *
 * @example
 * ```ts
 * coverageOf({ endpoint: "file/ls.cgi", folderId: 0, startedAt: 0, files: [] }); // { subFolders: false, files: true, listed: false }
 * ```
 */
export function coverageOf(e: ListingEvent): Coverage {
  const subFolders = e.subFolders !== undefined && e.subFolders.length < LISTING_CAP;
  const files =
    e.files !== undefined &&
    e.sentAfter === undefined &&
    e.sentBefore === undefined &&
    e.files.length < LISTING_CAP &&
    e.files.length >= (e.folder?.fileCount ?? 0);
  return { subFolders, files, listed: subFolders && files };
}

/**
 * Writes what a listing says into the store, in one transaction.
 *
 * @example
 * ```ts
 * ingestListing(store, event, coverageOf(event));
 * ```
 */
export function ingestListing(store: IndexStore, e: ListingEvent, cover: Coverage): void {
  if (e.folderId < 0) return;
  store.transaction(() => {
    const t = e.startedAt;
    const row = store.folder(e.folderId) ?? { ...rootRecord(), id: e.folderId };
    if (e.folder && row.updatedAt <= t) {
      Object.assign(row, {
        name: e.folder.name,
        created: e.folder.createDate,
        pass: e.folder.password,
        shared: e.folder.shared,
        updatedAt: t,
      });
    }
    if (cover.listed) Object.assign(row, { listedAt: t, partial: cover.partial ?? false });
    store.putFolder(row);
    if (e.subFolders) mergeSubFolders(store, e.folderId, e.subFolders, t, cover.subFolders);
    if (e.files) mergeFiles(store, e.folderId, e.files, t, cover.files);
  });
}

/** One kind of row a listing carries (sub-folders or files), for `merge`. */
interface RowKind<K, R extends { updatedAt: number }> {
  /** Tombstone prefix: `d` for folders, `f` for files. */
  tomb: string;
  get(key: K): R | undefined;
  /** Writes the listing's version of the row (over `old`, when there is one). */
  put(key: K, old: R | undefined): void;
  /** The rows the index has in this folder. */
  current(): { key: K; row: R }[];
  remove(key: K): void;
}

/**
 * The one merge rule (see the header): a row written after the listing started, or removed after it started,
 * keeps its state; others take the listing's. With a complete listing, older rows it lacks are gone.
 */
function merge<K, R extends { updatedAt: number }>(
  store: IndexStore,
  kind: RowKind<K, R>,
  keys: K[],
  t: number,
  complete: boolean,
): void {
  for (const key of keys) {
    const old = kind.get(key);
    if ((old && old.updatedAt > t) || (store.tombstonedAt(`${kind.tomb}:${key}`) ?? -1) >= t) continue;
    kind.put(key, old);
  }
  if (!complete) return;
  const seen = new Set(keys);
  for (const { key, row } of kind.current()) if (!seen.has(key) && row.updatedAt <= t) kind.remove(key);
}

function mergeSubFolders(
  store: IndexStore,
  parent: number,
  subs: SubFolder[],
  t: number,
  complete: boolean,
): void {
  const byId = new Map(subs.map((s) => [s.id, s]));
  const kind: RowKind<number, FolderRecord> = {
    tomb: "d",
    get: (id) => store.folder(id),
    put: (id, old) => {
      const s = byId.get(id)!;
      const base = old ?? { ...rootRecord(), id };
      store.putFolder({
        ...base,
        parent,
        name: s.name,
        created: s.createDate,
        pass: s.password,
        updatedAt: t,
      });
    },
    current: () => store.subFolders(parent).map((row) => ({ key: row.id, row })),
    remove: (id) => removeTree(store, id),
  };
  merge(store, kind, [...byId.keys()], t, complete);
}

function mergeFiles(
  store: IndexStore,
  folder: number,
  items: FileItem[],
  t: number,
  complete: boolean,
): void {
  const byId = new Map(items.map((i) => [fileKey(i.url), i]));
  const kind: RowKind<string, FileRecord> = {
    tomb: "f",
    get: (id) => store.file(id),
    put: (id) => {
      const i = byId.get(id)!;
      store.putFile({
        id,
        url: i.url,
        folder,
        name: i.filename,
        size: i.size,
        whirlpool: i.checksum,
        date: i.date,
        contentType: i.contentType,
        pass: i.password,
        acl: i.acl,
        cdn: i.cdn,
        updatedAt: t,
      });
    },
    current: () => store.filesIn(folder).map((row) => ({ key: row.id, row })),
    remove: (id) => store.deleteFile(id),
  };
  merge(store, kind, [...byId.keys()], t, complete);
}

/**
 * The index's key of a file: its id, so one file named on two domains is one row; the URL itself when it is
 * not a 1fichier file URL (kept rather than dropped).
 *
 * @example
 * ```ts
 * fileKey("https://alterupload.com/?abcde12345"); // "abcde12345"
 * ```
 */
export function fileKey(url: string): string {
  try {
    return parseFileUrl(url).id;
  } catch {
    return url;
  }
}

/** Removes a folder, its sub-folders and their files from the store (not from the account). */
export function removeTree(store: IndexStore, id: number): void {
  for (const sub of store.subFolders(id)) removeTree(store, sub.id);
  for (const f of store.filesIn(id)) store.deleteFile(f.id);
  store.deleteFolder(id);
}

/**
 * Applies a change this machine made (write-through), in one transaction. What the index cannot place (a
 * copy or move of a file it never listed) marks the destination folder for a new listing instead.
 *
 * @example
 * ```ts
 * applyChange(store, { type: "folder-created", parentId: 0, folderId: 42, name: "2026", at: Date.now() });
 * ```
 */
export function applyChange(store: IndexStore, change: ClientChange): void {
  const c = { ...change, at: change.at + CHANGE_STAMP_OFFSET_MS };
  store.transaction(() => {
    switch (c.type) {
      case "folder-created":
        store.putFolder({
          ...rootRecord(),
          id: c.folderId,
          parent: c.parentId,
          name: c.name,
          created: parisDate(change.at),
          // A folder just made is empty: known in full without a listing.
          listedAt: change.at,
          updatedAt: c.at,
        });
        return;
      case "folder-moved":
        moveFolder(store, c);
        return;
      case "folder-removed":
        removeTree(store, c.folderId);
        store.tombstone(`d:${c.folderId}`, c.at);
        store.pruneTombstones(c.at - TOMBSTONE_LIFE_MS);
        return;
      case "folder-shared":
        updateFolder(store, c.folderId, c.at, (f) => {
          if (c.shared !== undefined) f.shared = c.shared;
          if (c.password !== undefined) f.pass = c.password;
        });
        return;
      default:
        applyFileChange(store, c);
    }
  });
}

type FolderChange = Extract<ClientChange, { type: `folder-${string}` }>;
type FileChange = Exclude<ClientChange, FolderChange>;

function applyFileChange(store: IndexStore, c: FileChange): void {
  switch (c.type) {
    case "files-added":
      for (const f of c.files) {
        store.putFile({
          id: fileKey(f.url),
          url: f.url,
          folder: c.folderId,
          name: f.name,
          size: f.size,
          whirlpool: f.whirlpool,
          date: f.date ?? parisDate(c.at),
          contentType: "",
          pass: false,
          acl: false,
          cdn: false,
          updatedAt: c.at,
        });
      }
      return;
    case "files-moved":
      for (const url of c.urls) {
        const moved = updateFile(store, url, c.at, (f) => {
          f.folder = c.folderId;
          if (c.name !== undefined) f.name = c.name;
        });
        if (!moved) markUnlisted(store, c.folderId);
      }
      return;
    case "files-copied":
      copyFiles(store, c);
      return;
    case "files-renamed":
      for (const r of c.renames) {
        updateFile(store, r.url, c.at, (f) => {
          f.name = r.name;
        });
      }
      return;
    case "files-removed":
      for (const url of c.urls) {
        const id = fileKey(url);
        store.deleteFile(id);
        store.tombstone(`f:${id}`, c.at);
      }
      store.pruneTombstones(c.at - TOMBSTONE_LIFE_MS);
      return;
    case "files-changed":
      for (const url of c.urls) {
        updateFile(store, url, c.at, (f) => {
          if (c.name !== undefined) f.name = c.name;
          if (c.password !== undefined) f.pass = c.password;
          if (c.acl !== undefined) f.acl = c.acl;
          if (c.cdn !== undefined) f.cdn = c.cdn;
        });
      }
      return;
  }
}

function moveFolder(store: IndexStore, c: Extract<ClientChange, { type: "folder-moved" }>): void {
  const old = store.folder(c.folderId);
  if (!old) {
    if (c.parentId !== undefined) markUnlisted(store, c.parentId);
    return;
  }
  updateFolder(store, c.folderId, c.at, (f) => {
    if (c.parentId !== undefined) f.parent = c.parentId;
    if (c.name !== undefined) f.name = c.name;
  });
  // spec §7.16/§14: whether a move with a rename does both is an open question: list both parents again.
  if (c.parentId !== undefined && c.name !== undefined) {
    if (old.parent !== null) markUnlisted(store, old.parent);
    markUnlisted(store, c.parentId);
  }
}

function copyFiles(store: IndexStore, c: Extract<ClientChange, { type: "files-copied" }>): void {
  for (const { from, to } of c.copies) {
    const src = store.file(fileKey(from));
    if (!src) {
      markUnlisted(store, c.folderId);
      continue;
    }
    // A copy is a new file (a new URL) with the same bytes; its date is the copy's.
    store.putFile({
      ...src,
      id: fileKey(to),
      url: to,
      folder: c.folderId,
      name: c.name ?? src.name,
      date: parisDate(c.at),
      pass: false,
      acl: false,
      updatedAt: c.at,
    });
  }
}

function updateFolder(store: IndexStore, id: number, at: number, edit: (f: FolderRecord) => void): boolean {
  const f = store.folder(id);
  if (!f) return false;
  edit(f);
  f.updatedAt = at;
  store.putFolder(f);
  return true;
}

function updateFile(store: IndexStore, url: string, at: number, edit: (f: FileRecord) => void): boolean {
  const f = store.file(fileKey(url));
  if (!f) return false;
  edit(f);
  f.updatedAt = at;
  store.putFile(f);
  return true;
}

/**
 * Marks a folder as needing a new listing: something changed in it that the index could not write through.
 *
 * @example
 * ```ts
 * markUnlisted(store, 42);
 * ```
 */
export function markUnlisted(store: IndexStore, id: number): void {
  const f = store.folder(id);
  if (f && f.listedAt !== null) store.putFolder({ ...f, listedAt: null });
}
