// The local upload journal: one JSON file per account under the user's state folder, recording every upload
// in flight (node, upload id, local path, size, Whirlpool, state). After a crash, a lost end.pl answer or a
// network failure, a rerun finds the entry, checks the remote folder once (name, size, Whirlpool) and skips
// the file instead of uploading a duplicate (1fichier allows duplicate names, spec §5).
// The account is identified by a hash of its API key, never the key itself.
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import envPaths from "env-paths";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import { holdClaim, tryClaim } from "./claim.js";
import { StateFolderError } from "./errors.js";

/** Where an upload stands. */
export type UploadState = "sending" | "sent" | "done";

/** One upload recorded in the journal. */
export interface UploadJournalEntry {
  /** `<node>/<upload id>#<place of the file in the request, from 1>`. */
  id: string;
  node: string;
  uploadId: string;
  localPath: string;
  /** Name as stored remotely (before the client's 1fichier-safe encoding). */
  remoteName: string;
  folderId: number;
  size: number;
  /** Local modification time, so an edited file is not taken for the one uploaded. */
  mtimeMs: number;
  /** Whirlpool of the bytes sent; null until the body was fully sent. */
  whirlpool: string | null;
  state: UploadState;
  /** File URL once end.pl (or a listing) confirmed it. */
  url?: string;
  startedAt: number;
  updatedAt: number;
}

interface JournalFile {
  version: 1;
  entries: UploadJournalEntry[];
}

/** Entries older than this are dropped: `done` ones after a day, unfinished ones after a week. */
const DONE_TTL_MS = 24 * 3600_000;
const PENDING_TTL_MS = 7 * 24 * 3600_000;

/**
 * The state folder of fichier: `$FICHIER_STATE_DIR`, else `<env-paths data>/state`
 * (`~/.local/share/fichier/state` on Linux).
 *
 * @example
 * stateDir(process.env); // "/home/me/.local/share/fichier/state"
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FICHIER_STATE_DIR || join(envPaths("fichier", { suffix: "" }).data, "state");
}

/**
 * A stable, non-reversible account id for file names: the first 16 hex characters of SHA-256 over a
 * domain-separated key. The key itself is never written anywhere.
 *
 * @example
 * accountId("abc..."); // "3f1c0a9b2e7d4c11"
 */
export function accountId(apiKey: string): string {
  return createHash("sha256").update(`fichier upload journal\0${apiKey}`).digest("hex").slice(0, 16);
}

/**
 * Drops expired entries (pure).
 *
 * @example
 * pruneEntries(entries, Date.now());
 */
export function pruneEntries(entries: readonly UploadJournalEntry[], now: number): UploadJournalEntry[] {
  return entries.filter((e) => now - e.updatedAt < (e.state === "done" ? DONE_TTL_MS : PENDING_TTL_MS));
}

/**
 * Journal entries that may describe an earlier upload of this local file into this folder under this name
 * (same path, size and modification time), newest first (pure).
 *
 * @example
 * findEntries(entries, { localPath: "/a/b.bin", remoteName: "b.bin", folderId: 0, size: 10, mtimeMs: 1 });
 */
export function findEntries(
  entries: readonly UploadJournalEntry[],
  file: { localPath: string; remoteName: string; folderId: number; size: number; mtimeMs: number },
): UploadJournalEntry[] {
  return entries
    .filter(
      (e) =>
        e.localPath === file.localPath &&
        e.remoteName === file.remoteName &&
        e.folderId === file.folderId &&
        e.size === file.size &&
        e.mtimeMs === file.mtimeMs,
    )
    .sort((a, b) => b.updatedAt - a.updatedAt);
}

function parseJournal(text: string): JournalFile | undefined {
  try {
    const v = JSON.parse(text) as JournalFile;
    if (v && v.version === 1 && Array.isArray(v.entries)) {
      const entries = v.entries.filter(
        (e) =>
          e &&
          typeof e.id === "string" &&
          typeof e.localPath === "string" &&
          typeof e.remoteName === "string" &&
          typeof e.folderId === "number" &&
          typeof e.size === "number" &&
          typeof e.updatedAt === "number" &&
          (e.state === "sending" || e.state === "sent" || e.state === "done"),
      );
      return { version: 1, entries };
    }
  } catch {
    // fall through: corrupt
  }
  return undefined;
}

/**
 * The upload journal of one account. Every change is a locked read-modify-write of the JSON file
 * (proper-lockfile across processes, a promise chain within one), written atomically.
 *
 * @example
 * const j = new UploadJournal(stateDir(), accountId(key));
 * await j.put({ ...entry, state: "sending" });
 */
export class UploadJournal {
  readonly path: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    dir: string,
    account: string,
    private readonly warn: (message: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    this.path = join(dir, `uploads-${account}.json`);
  }

  /** All live entries. */
  async entries(): Promise<UploadJournalEntry[]> {
    return (await this.read()).entries;
  }

  /** Adds or replaces the entry with the same id. */
  async put(entry: UploadJournalEntry): Promise<void> {
    await this.putMany([entry]);
  }

  /**
   * Adds or replaces entries in one write: the files of one upload request are all recorded before its
   * first byte goes out.
   */
  async putMany(added: readonly UploadJournalEntry[]): Promise<void> {
    const ids = new Set(added.map((e) => e.id));
    await this.update((entries) => [...entries.filter((e) => !ids.has(e.id)), ...added]);
  }

  /** Changes fields of one entry (no-op if it is gone). */
  async patch(id: string, changes: Partial<UploadJournalEntry>): Promise<void> {
    await this.patchMany([{ id, changes }]);
  }

  /** Changes fields of several entries in one write (entries gone are left out). */
  async patchMany(patches: readonly { id: string; changes: Partial<UploadJournalEntry> }[]): Promise<void> {
    const t = this.now();
    const byId = new Map(patches.map((p) => [p.id, p.changes]));
    await this.update((entries) =>
      entries.map((e) => {
        const changes = byId.get(e.id);
        return changes ? { ...e, ...changes, updatedAt: t } : e;
      }),
    );
  }

  /** Removes one entry. */
  async remove(id: string): Promise<void> {
    await this.removeMany([id]);
  }

  /** Removes several entries in one write. */
  async removeMany(removed: readonly string[]): Promise<void> {
    const ids = new Set(removed);
    await this.update((entries) => entries.filter((e) => !ids.has(e.id)));
  }

  private warnedDamaged = false;

  private async read(): Promise<JournalFile> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, entries: [] };
      throw asStateFolderError(e, join(this.path, ".."));
    }
    if (text.trim() === "") return { version: 1, entries: [] };
    const parsed = parseJournal(text);
    if (!parsed) {
      // A corrupt journal only loses duplicate protection for uploads in flight; starting empty is safe.
      // Said once per run: every read sees the same damage until the next write replaces the file.
      if (this.warnedDamaged) return { version: 1, entries: [] };
      this.warnedDamaged = true;
      this.warn(
        `upload journal ${this.path} is damaged: starting a new one (earlier unfinished uploads are forgotten)`,
      );
      return { version: 1, entries: [] };
    }
    return { version: 1, entries: pruneEntries(parsed.entries, this.now()) };
  }

  /**
   * Claims the upload of one local file into one folder under one name, across processes, until the
   * returned function is called: a second `fichier upload` of the same file (another worker, another
   * process) waits here, then finds the first one's journal entry and skips the file instead of sending a
   * duplicate. A claim whose process is gone (same machine, its pid no longer runs) is taken over at once;
   * any other one that stopped being refreshed, after 30 s (proper-lockfile's stale lock).
   *
   * @throws AbortedError when `signal` aborts while waiting; StateFolderError when the state folder fails
   * @example
   * const release = await journal.claim({ localPath, remoteName, folderId }, { onWait: () => warn("waiting") });
   * try { await send(); } finally { await release(); }
   */
  async claim(
    file: { localPath: string; remoteName: string; folderId: number },
    options: { signal?: AbortSignal; onWait?: () => void } = {},
  ): Promise<() => Promise<void>> {
    return (await this.claimFor(file, options, true))!;
  }

  /**
   * {@link claim} without the wait: undefined when another live transfer holds the file's claim.
   *
   * @throws StateFolderError when the state folder fails
   * @example
   * const release = await journal.tryClaim({ localPath, remoteName, folderId });
   * if (!release) later.push(file);
   */
  async tryClaim(file: {
    localPath: string;
    remoteName: string;
    folderId: number;
  }): Promise<(() => Promise<void>) | undefined> {
    return this.claimFor(file, {}, false);
  }

  private async claimFor(
    file: { localPath: string; remoteName: string; folderId: number },
    options: { signal?: AbortSignal; onWait?: () => void },
    wait: boolean,
  ): Promise<(() => Promise<void>) | undefined> {
    const folder = join(this.path, "..");
    try {
      await mkdir(folder, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw asStateFolderError(e, folder);
    }
    // The lock names a hash of the file's identity: no local path or remote name in the state folder.
    const id = createHash("sha256")
      .update(`${file.localPath}\0${file.folderId}\0${file.remoteName}`)
      .digest("hex")
      .slice(0, 24);
    const claimOptions = {
      ...options,
      interrupted: "upload interrupted: run the same command again",
      failure: (e: unknown) => asStateFolderError(e, folder),
    };
    const target = `${this.path}.${id}`;
    const claim = wait ? await holdClaim(target, claimOptions) : await tryClaim(target, claimOptions);
    return claim?.release;
  }

  private update(fn: (entries: UploadJournalEntry[]) => UploadJournalEntry[]): Promise<void> {
    const run = async () => {
      const folder = join(this.path, "..");
      try {
        await mkdir(folder, { recursive: true, mode: 0o700 });
        // proper-lockfile needs the file to exist.
        await writeFile(this.path, "", { flag: "a", mode: 0o600 });
      } catch (e) {
        throw asStateFolderError(e, folder);
      }
      const release = await lockfile.lock(this.path, {
        retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
        stale: 10_000,
      });
      try {
        const current = await this.read();
        const next: JournalFile = { version: 1, entries: pruneEntries(fn(current.entries), this.now()) };
        await writeFileAtomic(this.path, JSON.stringify(next, null, 1), { encoding: "utf8", mode: 0o600 });
      } finally {
        await release();
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => {});
    return p;
  }
}

/** A file-system error about the state folder itself, as the error that names it; any other error as it is. */
function asStateFolderError(e: unknown, folder: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const aboutFolder = ["ENOTDIR", "EEXIST", "EACCES", "EPERM", "EROFS", "EISDIR"];
  return code && aboutFolder.includes(code) ? new StateFolderError(folder, code) : e;
}

/**
 * The upload journal of the account owning `apiKey`, in the state folder (`FICHIER_STATE_DIR` overrides).
 *
 * @example
 * const journal = openUploadJournal(key, { warn: (m) => console.error(m) });
 * await uploadFile(client, { path: "a.bin", journal });
 */
export function openUploadJournal(
  apiKey: string,
  options: { dir?: string; env?: NodeJS.ProcessEnv; warn?: (message: string) => void } = {},
): UploadJournal {
  return new UploadJournal(options.dir ?? stateDir(options.env), accountId(apiKey), options.warn);
}
