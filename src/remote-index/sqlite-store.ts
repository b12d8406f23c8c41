// The index's rows in SQLite, one file per account in the state folder, shared by every fichier process of the
// machine: WAL (readers never wait for the writer), a busy timeout (writers queue instead of failing), short
// BEGIN IMMEDIATE transactions, mode 0600. Loaded only by openIndex's dynamic import, so the library's main
// entry never loads the native module.
import { chmodSync, closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { FileRecord, FolderRecord, IndexStore, LocalHashRecord } from "./store.js";

/** Bump when the tables change: an index of another version is dropped and rebuilt (it is only a cache). */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folders(id INTEGER PRIMARY KEY, parent INTEGER, name TEXT NOT NULL,
  created TEXT NOT NULL, shared TEXT, pass INTEGER NOT NULL, listed_at INTEGER, partial INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS folders_parent ON folders(parent);
CREATE TABLE IF NOT EXISTS files(id TEXT PRIMARY KEY, url TEXT NOT NULL, folder INTEGER NOT NULL,
  name TEXT NOT NULL, size INTEGER NOT NULL, whirlpool TEXT NOT NULL, date TEXT NOT NULL,
  content_type TEXT NOT NULL, pass INTEGER NOT NULL, acl INTEGER NOT NULL, cdn INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS files_folder ON files(folder);
CREATE TABLE IF NOT EXISTS local_hashes(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns TEXT NOT NULL,
  whirlpool TEXT NOT NULL, hashed_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS removed(key TEXT PRIMARY KEY, at INTEGER NOT NULL);
`;
const TABLES = ["meta", "folders", "files", "local_hashes", "removed"];

interface FolderRow {
  id: number;
  parent: number | null;
  name: string;
  created: string;
  shared: string | null;
  pass: number;
  listed_at: number | null;
  partial: number;
  updated_at: number;
}
interface FileRow {
  id: string;
  url: string;
  folder: number;
  name: string;
  size: number;
  whirlpool: string;
  date: string;
  content_type: string;
  pass: number;
  acl: number;
  cdn: number;
  updated_at: number;
}

/**
 * An IndexStore in a SQLite file. `open` creates or repairs it: a file of another schema version, or one that
 * is not a readable database, is rebuilt and `onRebuilt` says why (once).
 *
 * @example
 * ```ts
 * const store = SqliteIndexStore.open("/home/me/.cache/fichier/index-3f1c.sqlite", (why) => console.warn(why));
 * ```
 */
export class SqliteIndexStore implements IndexStore {
  private readonly st: ReturnType<typeof statements>;

  private constructor(
    readonly location: string,
    private readonly db: Database.Database,
  ) {
    this.st = statements(db);
  }

  /** Opens (creating, upgrading or repairing) the index file at `path`. */
  static open(path: string, onRebuilt: (why: string) => void): SqliteIndexStore {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      return new SqliteIndexStore(path, prepare(path, onRebuilt));
    } catch (e) {
      if (!isDamaged(e)) throw e;
      // Not a database (or a damaged one): it is only a cache of the account, so start again.
      for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
      onRebuilt(`the index file ${path} was damaged (${(e as Error).message}); rebuilt it empty`);
      return new SqliteIndexStore(
        path,
        prepare(path, () => {}),
      );
    }
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
  folder(id: number): FolderRecord | undefined {
    const r = this.st.folder.get(id) as FolderRow | undefined;
    return r && toFolder(r);
  }
  subFolders(parent: number): FolderRecord[] {
    return (this.st.subFolders.all(parent) as FolderRow[]).map(toFolder);
  }
  putFolder(f: FolderRecord): void {
    this.st.putFolder.run({
      id: f.id,
      parent: f.parent,
      name: f.name,
      created: f.created,
      shared: f.shared,
      pass: f.pass ? 1 : 0,
      listed_at: f.listedAt,
      partial: f.partial ? 1 : 0,
      updated_at: f.updatedAt,
    });
  }
  deleteFolder(id: number): void {
    this.st.deleteFolder.run(id);
  }
  file(id: string): FileRecord | undefined {
    const r = this.st.file.get(id) as FileRow | undefined;
    return r && toFile(r);
  }
  filesIn(folder: number): FileRecord[] {
    return (this.st.filesIn.all(folder) as FileRow[]).map(toFile);
  }
  putFile(f: FileRecord): void {
    this.st.putFile.run({
      id: f.id,
      url: f.url,
      folder: f.folder,
      name: f.name,
      size: f.size,
      whirlpool: f.whirlpool,
      date: f.date,
      content_type: f.contentType,
      pass: f.pass ? 1 : 0,
      acl: f.acl ? 1 : 0,
      cdn: f.cdn ? 1 : 0,
      updated_at: f.updatedAt,
    });
  }
  deleteFile(id: string): void {
    this.st.deleteFile.run(id);
  }
  tombstone(key: string, at: number): void {
    this.st.tombstone.run(key, at);
  }
  tombstonedAt(key: string): number | undefined {
    return (this.st.tombstonedAt.get(key) as { at: number } | undefined)?.at;
  }
  pruneTombstones(before: number): void {
    this.st.prune.run(before);
  }
  localHash(path: string): LocalHashRecord | undefined {
    const r = this.st.localHash.get(path) as
      | { path: string; size: number; mtime_ns: string; whirlpool: string; hashed_at: number }
      | undefined;
    return (
      r && { path: r.path, size: r.size, mtimeNs: r.mtime_ns, whirlpool: r.whirlpool, hashedAt: r.hashed_at }
    );
  }
  putLocalHash(h: LocalHashRecord): void {
    this.st.putLocalHash.run(h.path, h.size, h.mtimeNs, h.whirlpool, h.hashedAt);
  }
  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Opens the file with the pragmas, and creates or rebuilds the tables for SCHEMA_VERSION. */
function prepare(path: string, onRebuilt: (why: string) => void): Database.Database {
  // Created 0600 before SQLite opens it: the WAL and shm files take the database file's mode.
  closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
  const db = new Database(path);
  try {
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.transaction(() => {
      const version = currentVersion(db);
      if (version === SCHEMA_VERSION) return;
      if (version !== undefined) {
        for (const t of TABLES) db.exec(`DROP TABLE IF EXISTS ${t}`);
        onRebuilt(`the index file ${path} had schema version ${version}, not ${SCHEMA_VERSION}; rebuilt it`);
      }
      db.exec(SCHEMA);
      db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
    }).immediate();
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** The schema version written in the file; undefined for a new, empty file. */
function currentVersion(db: Database.Database): number | undefined {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) {
    const anyTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table'").get();
    return anyTable ? 0 : undefined;
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as
    | { value: string }
    | undefined;
  return row ? Number(row.value) : 0;
}

function isDamaged(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT";
}

function statements(db: Database.Database) {
  return {
    folder: db.prepare("SELECT * FROM folders WHERE id = ?"),
    subFolders: db.prepare("SELECT * FROM folders WHERE parent = ? ORDER BY name, id"),
    putFolder: db.prepare(
      `INSERT OR REPLACE INTO folders(id, parent, name, created, shared, pass, listed_at, partial, updated_at)
       VALUES (@id, @parent, @name, @created, @shared, @pass, @listed_at, @partial, @updated_at)`,
    ),
    deleteFolder: db.prepare("DELETE FROM folders WHERE id = ?"),
    file: db.prepare("SELECT * FROM files WHERE id = ?"),
    filesIn: db.prepare("SELECT * FROM files WHERE folder = ? ORDER BY name, date, id"),
    putFile: db.prepare(
      `INSERT OR REPLACE INTO files(id, url, folder, name, size, whirlpool, date, content_type, pass, acl, cdn,
       updated_at) VALUES (@id, @url, @folder, @name, @size, @whirlpool, @date, @content_type, @pass, @acl, @cdn,
       @updated_at)`,
    ),
    deleteFile: db.prepare("DELETE FROM files WHERE id = ?"),
    tombstone: db.prepare("INSERT OR REPLACE INTO removed(key, at) VALUES (?, ?)"),
    tombstonedAt: db.prepare("SELECT at FROM removed WHERE key = ?"),
    prune: db.prepare("DELETE FROM removed WHERE at < ?"),
    localHash: db.prepare("SELECT * FROM local_hashes WHERE path = ?"),
    putLocalHash: db.prepare(
      "INSERT OR REPLACE INTO local_hashes(path, size, mtime_ns, whirlpool, hashed_at) VALUES (?, ?, ?, ?, ?)",
    ),
  };
}

function toFolder(r: FolderRow): FolderRecord {
  return {
    id: r.id,
    parent: r.parent,
    name: r.name,
    created: r.created,
    shared: r.shared,
    pass: r.pass === 1,
    listedAt: r.listed_at,
    partial: r.partial === 1,
    updatedAt: r.updated_at,
  };
}

function toFile(r: FileRow): FileRecord {
  return {
    id: r.id,
    url: r.url,
    folder: r.folder,
    name: r.name,
    size: r.size,
    whirlpool: r.whirlpool,
    date: r.date,
    contentType: r.content_type,
    pass: r.pass === 1,
    acl: r.acl === 1,
    cdn: r.cdn === 1,
    updatedAt: r.updated_at,
  };
}
