// Where the index keeps its rows: one small synchronous interface, two implementations (memory-store.ts for a
// client's life, sqlite-store.ts shared by every process of the machine). Every rule about what to write
// (freshness, ingest, write-through) lives above it, in ingest.ts and remote-index.ts, written once.

/** A folder as the index knows it. The root is id 0, parent null, name "". */
export interface FolderRecord {
  id: number;
  /** null when only the folder's own listing is known, not where it sits (folder ids carry no parent). */
  parent: number | null;
  name: string;
  /** `YYYY-MM-DD HH:MM:SS` (Paris time), "" when unknown. */
  created: string;
  /** Public share URL, null when not shared. */
  shared: string | null;
  pass: boolean;
  /**
   * When the folder's sub-folders and files were last read in full (ms, the listing's start), or made empty
   * by this machine's own mkdir; null when never, or when a change made elsewhere may be missing from it.
   */
  listedAt: number | null;
  /** The last full read could not get every file (over 5 000 sharing one upload second, spec §12). */
  partial: boolean;
  /** When this row was last written (ms): a listing that started before it does not overwrite it. */
  updatedAt: number;
}

/** A file as the index knows it (the fields of a listing, spec §7.5). */
export interface FileRecord {
  /** File id (the `?<id>` of its URL): the same file on another domain is the same row. */
  id: string;
  url: string;
  folder: number;
  name: string;
  size: number;
  whirlpool: string;
  /** Upload date, `YYYY-MM-DD HH:MM:SS` (Paris time). */
  date: string;
  contentType: string;
  pass: boolean;
  acl: boolean;
  cdn: boolean;
  updatedAt: number;
}

/** A local file's Whirlpool, valid while its size and mtime (ns) stay the same. */
export interface LocalHashRecord {
  /** Absolute path. */
  path: string;
  size: number;
  /** Modification time in nanoseconds, as a decimal string (exact beyond 2^53). */
  mtimeNs: string;
  whirlpool: string;
  hashedAt: number;
}

/** Rows of the index. Synchronous: SQLite through better-sqlite3 is, and so is memory. */
export interface IndexStore {
  /** `memory`, or the file path. */
  readonly location: string;
  /** Runs `fn` as one short write transaction (SQLite: BEGIN IMMEDIATE, so readers never block writers). */
  transaction<T>(fn: () => T): T;
  folder(id: number): FolderRecord | undefined;
  subFolders(parent: number): FolderRecord[];
  putFolder(row: FolderRecord): void;
  deleteFolder(id: number): void;
  file(id: string): FileRecord | undefined;
  filesIn(folder: number): FileRecord[];
  putFile(row: FileRecord): void;
  deleteFile(id: string): void;
  /** Remembers that this machine removed `key` at `at`, so a listing that started before does not revive it. */
  tombstone(key: string, at: number): void;
  tombstonedAt(key: string): number | undefined;
  pruneTombstones(before: number): void;
  localHash(path: string): LocalHashRecord | undefined;
  putLocalHash(row: LocalHashRecord): void;
  close(): void;
}

/** The root folder's row before anything is known of it. */
export function rootRecord(): FolderRecord {
  return {
    id: 0,
    parent: null,
    name: "",
    created: "",
    shared: null,
    pass: false,
    listedAt: null,
    partial: false,
    updatedAt: 0,
  };
}
