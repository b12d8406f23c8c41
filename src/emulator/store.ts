/** Persistent state: better-sqlite3 (WAL) metadata, file contents under `<data>/blobs/`. */
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ids } from "./ids.js";

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Makes the database file (created empty when missing) and any -wal/-shm beside it readable by the owner
 * only, and returns its path. SQLite creates its -wal and -shm files with the database file's mode.
 */
function ownerOnlyDatabase(path: string): string {
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch {
      // -wal and -shm exist only while a database is open
    }
  }
  return path;
}

/** An account row. */
export interface AccountRow {
  email: string;
  offer: 0 | 1 | 2 | 3;
  api_key: string | null;
  password: string;
  created: number;
  settings: string;
}

/** A folder row (the root, id 0, is virtual). */
export interface FolderRow {
  id: number;
  owner: string;
  parent: number;
  name: string;
  created: number;
  share_hash: string | null;
  share_pass: string | null;
  shares: string;
}

/** A file row. */
export interface FileRow {
  id: string;
  owner: string | null;
  folder: number;
  name: string;
  size: number;
  checksum: string;
  mime: string;
  created: number;
  domain: number;
  description: string;
  pass: string | null;
  no_ssl: number;
  inline: number;
  cdn: number;
  acl: string | null;
  remove_code: string | null;
  blob: string;
  deleted: number | null;
  scanned: number | null;
}

/** An upload session row. */
export interface UploadRow {
  id: string;
  owner: string | null;
  created: number;
  started: number | null;
  finished: number | null;
  incoming: number;
  links: string;
}

/** A download token row. */
export interface TokenRow {
  token: string;
  file: string;
  account: string;
  single: number;
  inline: number;
  restrict_ip: number;
  issued: number;
  first_use: number | null;
  uses: number;
  ip: string | null;
  expired: number;
}

/** A remote-upload job row. */
export interface RemoteRow {
  id: number;
  owner: string;
  folder: number;
  urls: string;
  headers: string;
  requested: number;
  executed: number | null;
  result: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts(email TEXT PRIMARY KEY, offer INTEGER NOT NULL, api_key TEXT UNIQUE,
  password TEXT NOT NULL, created INTEGER NOT NULL, settings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folders(id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, parent INTEGER NOT NULL,
  name TEXT NOT NULL, created INTEGER NOT NULL, share_hash TEXT UNIQUE, share_pass TEXT, shares TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS folders_parent ON folders(owner, parent);
CREATE TABLE IF NOT EXISTS files(id TEXT PRIMARY KEY, owner TEXT, folder INTEGER NOT NULL, name TEXT NOT NULL,
  size INTEGER NOT NULL, checksum TEXT NOT NULL, mime TEXT NOT NULL, created INTEGER NOT NULL, domain INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT '', pass TEXT, no_ssl INTEGER NOT NULL DEFAULT 0, inline INTEGER NOT NULL DEFAULT 0,
  cdn INTEGER NOT NULL DEFAULT 0, acl TEXT, remove_code TEXT, blob TEXT NOT NULL, deleted INTEGER, scanned INTEGER);
CREATE INDEX IF NOT EXISTS files_folder ON files(owner, folder);
CREATE INDEX IF NOT EXISTS files_blob ON files(blob);
CREATE TABLE IF NOT EXISTS uploads(id TEXT PRIMARY KEY, owner TEXT, created INTEGER NOT NULL, started INTEGER,
  finished INTEGER, incoming INTEGER NOT NULL DEFAULT 0, links TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS tokens(token TEXT PRIMARY KEY, file TEXT NOT NULL, account TEXT NOT NULL,
  single INTEGER NOT NULL, inline INTEGER NOT NULL, restrict_ip INTEGER NOT NULL, issued INTEGER NOT NULL,
  first_use INTEGER, uses INTEGER NOT NULL DEFAULT 0, ip TEXT, expired INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS remote_jobs(id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, folder INTEGER NOT NULL,
  urls TEXT NOT NULL, headers TEXT NOT NULL, requested INTEGER NOT NULL, executed INTEGER, result TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS ftp_users(owner TEXT NOT NULL, user TEXT NOT NULL, pass TEXT NOT NULL, folder INTEGER NOT NULL,
  PRIMARY KEY(owner, user));
CREATE TABLE IF NOT EXISTS vouchers(code TEXT PRIMARY KEY, owner TEXT NOT NULL, service TEXT NOT NULL, used_by TEXT);
`;

/** Default account settings (spec §7.18 writable fields). */
export const DEFAULT_SETTINGS = {
  ftp_mode: 0,
  ftp_did: 0,
  ftp_report: 0,
  ru_report: 0,
  default_domain: 0,
  page_limit: 50,
  default_port: 0,
  default_port_files: 0,
  use_cdn: 0,
  download_menu: 0,
};
export type Settings = typeof DEFAULT_SETTINGS;

/**
 * The emulator's store. Synchronous (better-sqlite3); every method is one statement or one transaction.
 * @example
 * const store = new Store("/tmp/data"); store.account("premium@emulator.local"); store.close();
 */
export class Store {
  readonly db: Database.Database;
  readonly blobDir: string;
  readonly tmpDir: string;

  constructor(readonly dataDir: string) {
    // The database holds every account's key in plaintext (test keys only, docs/emulator.md): the folder
    // and the database files are the owner's alone.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.blobDir = join(dataDir, "blobs");
    mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    // Each process writes uploads in progress under tmp/<pid>, so emulators sharing a data folder (several
    // `fichier --emulator` runs at once) never remove each other's files. Leftovers of dead processes go.
    const tmpRoot = join(dataDir, "tmp");
    mkdirSync(tmpRoot, { recursive: true, mode: 0o700 });
    let othersAlive = false;
    for (const name of readdirSync(tmpRoot)) {
      if (name === String(process.pid)) continue;
      if (/^\d+$/.test(name) && processAlive(Number(name))) othersAlive = true;
      else rmSync(join(tmpRoot, name), { recursive: true, force: true });
    }
    this.tmpDir = join(tmpRoot, String(process.pid));
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    this.db = new Database(ownerOnlyDatabase(join(dataDir, "fichier-emulator.sqlite")));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    // An upload cut by a crash left its temp file (removed above) and a "started" mark: make the id usable again,
    // unless another live emulator on this folder may be receiving it.
    if (!othersAlive) this.db.prepare("UPDATE uploads SET started = NULL WHERE finished IS NULL").run();
  }

  close(): void {
    if (this.db.open) this.db.close();
    try {
      rmdirSync(this.tmpDir); // only when empty: another emulator of this process may still use it
    } catch {
      // not empty or already gone
    }
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A write transaction taken at once (BEGIN IMMEDIATE): check-then-insert stays safe across processes. */
  txImmediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  blobPath(blob: string): string {
    return join(this.blobDir, blob);
  }

  // ---- accounts
  accounts(): AccountRow[] {
    return this.db.prepare("SELECT * FROM accounts ORDER BY rowid").all() as AccountRow[];
  }
  account(email: string): AccountRow | undefined {
    return this.db.prepare("SELECT * FROM accounts WHERE email = ?").get(email) as AccountRow | undefined;
  }
  accountByKey(key: string): AccountRow | undefined {
    return this.db.prepare("SELECT * FROM accounts WHERE api_key = ?").get(key) as AccountRow | undefined;
  }
  insertAccount(a: AccountRow): void {
    this.db
      .prepare(
        "INSERT INTO accounts(email, offer, api_key, password, created, settings) VALUES (@email, @offer, @api_key, @password, @created, @settings)",
      )
      .run(a);
  }
  setKey(email: string, key: string | null): void {
    this.db.prepare("UPDATE accounts SET api_key = ? WHERE email = ?").run(key, email);
  }
  setSettings(email: string, settings: Settings): void {
    this.db.prepare("UPDATE accounts SET settings = ? WHERE email = ?").run(JSON.stringify(settings), email);
  }

  // ---- folders
  folder(owner: string, id: number): FolderRow | undefined {
    return this.db.prepare("SELECT * FROM folders WHERE owner = ? AND id = ?").get(owner, id) as
      | FolderRow
      | undefined;
  }
  folderAnyOwner(id: number): FolderRow | undefined {
    return this.db.prepare("SELECT * FROM folders WHERE id = ?").get(id) as FolderRow | undefined;
  }
  folderByShare(hash: string): FolderRow | undefined {
    return this.db.prepare("SELECT * FROM folders WHERE share_hash = ?").get(hash) as FolderRow | undefined;
  }
  subFolders(owner: string, parent: number): FolderRow[] {
    return this.db
      .prepare("SELECT * FROM folders WHERE owner = ? AND parent = ? ORDER BY name, id")
      .all(owner, parent) as FolderRow[];
  }
  folderNamed(owner: string, parent: number, name: string): FolderRow | undefined {
    return this.db
      .prepare("SELECT * FROM folders WHERE owner = ? AND parent = ? AND name = ?")
      .get(owner, parent, name) as FolderRow | undefined;
  }
  insertFolder(owner: string, parent: number, name: string, created: number): number {
    const r = this.db
      .prepare("INSERT INTO folders(owner, parent, name, created) VALUES (?, ?, ?, ?)")
      .run(owner, parent, name, created);
    return Number(r.lastInsertRowid);
  }
  updateFolder(id: number, parent: number, name: string): void {
    this.db.prepare("UPDATE folders SET parent = ?, name = ? WHERE id = ?").run(parent, name, id);
  }
  setShare(id: number, hash: string | null, pass: string | null, shares: string): void {
    this.db
      .prepare("UPDATE folders SET share_hash = ?, share_pass = ?, shares = ? WHERE id = ?")
      .run(hash, pass, shares, id);
  }
  deleteFolder(id: number): void {
    this.db.prepare("DELETE FROM folders WHERE id = ?").run(id);
  }
  /** Folders shared with an e-mail through groupware shares (spec §7.15). */
  foldersSharedWith(email: string): FolderRow[] {
    return (this.db.prepare("SELECT * FROM folders WHERE shares != '[]'").all() as FolderRow[]).filter((f) =>
      (JSON.parse(f.shares) as { email: string }[]).some((s) => s.email === email),
    );
  }

  // ---- files
  file(id: string): FileRow | undefined {
    return this.db.prepare("SELECT * FROM files WHERE id = ? AND deleted IS NULL").get(id) as
      | FileRow
      | undefined;
  }
  fileEvenDeleted(id: string): FileRow | undefined {
    return this.db.prepare("SELECT * FROM files WHERE id = ?").get(id) as FileRow | undefined;
  }
  filesIn(owner: string, folder: number): FileRow[] {
    return this.db
      .prepare(
        "SELECT * FROM files WHERE owner = ? AND folder = ? AND deleted IS NULL ORDER BY created, name, id",
      )
      .all(owner, folder) as FileRow[];
  }
  filesOf(owner: string): FileRow[] {
    return this.db
      .prepare("SELECT * FROM files WHERE owner = ? AND deleted IS NULL ORDER BY created, name, id")
      .all(owner) as FileRow[];
  }
  folderStats(owner: string, folder: number): { files: number; size: number } {
    const r = this.db
      .prepare(
        "SELECT COUNT(*) AS files, COALESCE(SUM(size), 0) AS size FROM files WHERE owner = ? AND folder = ? AND deleted IS NULL",
      )
      .get(owner, folder) as { files: number; size: number };
    return r;
  }
  accountBytes(owner: string): number {
    return (
      this.db
        .prepare("SELECT COALESCE(SUM(size), 0) AS s FROM files WHERE owner = ? AND deleted IS NULL")
        .get(owner) as { s: number }
    ).s;
  }
  insertFile(f: FileRow): void {
    this.db
      .prepare(
        `INSERT INTO files(id, owner, folder, name, size, checksum, mime, created, domain, description, pass, no_ssl,
         inline, cdn, acl, remove_code, blob, deleted, scanned) VALUES (@id, @owner, @folder, @name, @size, @checksum,
         @mime, @created, @domain, @description, @pass, @no_ssl, @inline, @cdn, @acl, @remove_code, @blob, @deleted, @scanned)`,
      )
      .run(f);
  }
  updateFile(f: FileRow): void {
    this.db
      .prepare(
        `UPDATE files SET folder=@folder, name=@name, description=@description, pass=@pass, no_ssl=@no_ssl,
         inline=@inline, cdn=@cdn, acl=@acl, scanned=@scanned WHERE id=@id`,
      )
      .run(f);
  }
  /** Marks a file deleted (check_links.pl tells deleted from never-existed, spec §7.22); returns the orphan blob, if any. */
  deleteFile(id: string, now: number): string | null {
    const f = this.fileEvenDeleted(id);
    if (!f) return null;
    this.db.prepare("UPDATE files SET deleted = ? WHERE id = ?").run(now, id);
    this.db.prepare("DELETE FROM tokens WHERE file = ?").run(id);
    const left = this.db
      .prepare("SELECT COUNT(*) AS n FROM files WHERE blob = ? AND deleted IS NULL")
      .get(f.blob) as { n: number };
    return left.n === 0 ? f.blob : null;
  }

  // ---- uploads
  upload(id: string): UploadRow | undefined {
    return this.db.prepare("SELECT * FROM uploads WHERE id = ?").get(id) as UploadRow | undefined;
  }
  insertUpload(id: string, owner: string | null, created: number): void {
    this.db.prepare("INSERT INTO uploads(id, owner, created) VALUES (?, ?, ?)").run(id, owner, created);
  }
  startUpload(id: string, now: number): boolean {
    return (
      this.db.prepare("UPDATE uploads SET started = ? WHERE id = ? AND started IS NULL").run(now, id)
        .changes === 1
    );
  }
  resetUpload(id: string): void {
    this.db.prepare("UPDATE uploads SET started = NULL WHERE id = ? AND finished IS NULL").run(id);
  }
  finishUpload(id: string, now: number, incoming: number, links: string): void {
    this.db
      .prepare("UPDATE uploads SET finished = ?, incoming = ?, links = ? WHERE id = ?")
      .run(now, incoming, links, id);
  }

  // ---- tokens
  token(token: string): TokenRow | undefined {
    return this.db.prepare("SELECT * FROM tokens WHERE token = ?").get(token) as TokenRow | undefined;
  }
  insertToken(t: TokenRow): void {
    this.db
      .prepare(
        `INSERT INTO tokens(token, file, account, single, inline, restrict_ip, issued, first_use, uses, ip, expired)
         VALUES (@token, @file, @account, @single, @inline, @restrict_ip, @issued, @first_use, @uses, @ip, @expired)`,
      )
      .run(t);
  }
  useToken(token: string, now: number, ip: string): void {
    this.db
      .prepare(
        "UPDATE tokens SET uses = uses + 1, first_use = COALESCE(first_use, ?), ip = COALESCE(ip, ?) WHERE token = ?",
      )
      .run(now, ip, token);
  }
  expireToken(token: string): void {
    this.db.prepare("UPDATE tokens SET expired = 1 WHERE token = ?").run(token);
  }
  expireAllTokens(): void {
    this.db.prepare("UPDATE tokens SET expired = 1").run();
  }

  // ---- remote upload jobs
  remoteJobs(owner: string): RemoteRow[] {
    return this.db.prepare("SELECT * FROM remote_jobs WHERE owner = ? ORDER BY id").all(owner) as RemoteRow[];
  }
  remoteJob(owner: string, id: number): RemoteRow | undefined {
    return this.db.prepare("SELECT * FROM remote_jobs WHERE owner = ? AND id = ?").get(owner, id) as
      | RemoteRow
      | undefined;
  }
  pendingRemoteJobs(): RemoteRow[] {
    return this.db
      .prepare("SELECT * FROM remote_jobs WHERE executed IS NULL ORDER BY id")
      .all() as RemoteRow[];
  }
  insertRemoteJob(owner: string, folder: number, urls: string, headers: string, now: number): number {
    return Number(
      this.db
        .prepare("INSERT INTO remote_jobs(owner, folder, urls, headers, requested) VALUES (?, ?, ?, ?, ?)")
        .run(owner, folder, urls, headers, now).lastInsertRowid,
    );
  }
  finishRemoteJob(id: number, now: number, result: string): void {
    this.db.prepare("UPDATE remote_jobs SET executed = ?, result = ? WHERE id = ?").run(now, result, id);
  }

  // ---- ftp users
  ftpUsers(owner: string): { user: string; folder: number }[] {
    return this.db.prepare("SELECT user, folder FROM ftp_users WHERE owner = ? ORDER BY user").all(owner) as {
      user: string;
      folder: number;
    }[];
  }
  addFtpUser(owner: string, user: string, pass: string, folder: number): boolean {
    return (
      this.db
        .prepare("INSERT OR IGNORE INTO ftp_users(owner, user, pass, folder) VALUES (?, ?, ?, ?)")
        .run(owner, user, pass, folder).changes === 1
    );
  }
  removeFtpUser(owner: string, user: string): boolean {
    return (
      this.db.prepare("DELETE FROM ftp_users WHERE owner = ? AND user = ?").run(owner, user).changes === 1
    );
  }

  // ---- vouchers
  vouchers(owner: string): { code: string; service: string }[] {
    return this.db
      .prepare("SELECT code, service FROM vouchers WHERE owner = ? AND used_by IS NULL ORDER BY code")
      .all(owner) as { code: string; service: string }[];
  }
  voucher(
    code: string,
  ): { code: string; owner: string; service: string; used_by: string | null } | undefined {
    return this.db.prepare("SELECT * FROM vouchers WHERE code = ?").get(code) as
      | { code: string; owner: string; service: string; used_by: string | null }
      | undefined;
  }
  insertVoucher(owner: string, service: string): void {
    this.db
      .prepare("INSERT INTO vouchers(code, owner, service) VALUES (?, ?, ?)")
      .run(ids.voucher(), owner, service);
  }
  useVoucher(code: string, email: string): void {
    this.db.prepare("UPDATE vouchers SET used_by = ? WHERE code = ?").run(email, code);
  }

  // ---- meta
  meta(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)
      ?.value;
  }
  setMeta(key: string, value: string): void {
    this.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)").run(key, value);
  }
}
