// The index's rows in memory, for a client's life (the library default: `client.paths` without a persistent
// index). Same interface as the SQLite store; no concurrency to guard, so a transaction is just a call.
import type { IndexSource } from "./reader.js";
import { type IndexOptions, RemoteIndex } from "./remote-index.js";
import type { FileRecord, FolderRecord, IndexStore, LocalHashRecord } from "./store.js";

/**
 * A remote index in memory, reading through `source` (a client, or anything with its listing and mkdir calls),
 * for the life of the caller: `client.paths`, and the transfers given no index. It hears of no change but its
 * own unless the caller subscribes it (`client.observe(index)`); `openIndex` gives the persistent one.
 *
 * @example
 * ```ts
 * const index = createMemoryIndex(client);
 * const off = client.observe(index);
 * const { id } = await index.resolveFolder("/backups", { create: true });
 * ```
 */
export function createMemoryIndex(source: IndexSource, options: IndexOptions = {}): RemoteIndex {
  return new RemoteIndex(new MemoryIndexStore(), source, { ...options, now: options.now ?? Date.now });
}

/**
 * An in-memory IndexStore.
 *
 * @example
 * ```ts
 * const store = new MemoryIndexStore();
 * store.putFolder({ ...rootRecord(), listedAt: Date.now() });
 * ```
 */
export class MemoryIndexStore implements IndexStore {
  readonly location = "memory";
  private readonly folders = new Map<number, FolderRecord>();
  private readonly files = new Map<string, FileRecord>();
  private readonly removed = new Map<string, number>();
  private readonly hashes = new Map<string, LocalHashRecord>();
  // Children by parent, so a folder's view costs its own size, not the account's.
  private readonly subsOf = new Map<number, Set<number>>();
  private readonly filesOf = new Map<number, Set<string>>();

  transaction<T>(fn: () => T): T {
    return fn();
  }
  folder(id: number): FolderRecord | undefined {
    const f = this.folders.get(id);
    return f && { ...f };
  }
  subFolders(parent: number): FolderRecord[] {
    return [...(this.subsOf.get(parent) ?? [])].map((id) => ({ ...this.folders.get(id)! }));
  }
  putFolder(row: FolderRecord): void {
    this.deleteFolder(row.id);
    this.folders.set(row.id, { ...row });
    if (row.parent !== null) member(this.subsOf, row.parent).add(row.id);
  }
  deleteFolder(id: number): void {
    const old = this.folders.get(id);
    if (old?.parent != null) this.subsOf.get(old.parent)?.delete(id);
    this.folders.delete(id);
  }
  file(id: string): FileRecord | undefined {
    const f = this.files.get(id);
    return f && { ...f };
  }
  filesIn(folder: number): FileRecord[] {
    return [...(this.filesOf.get(folder) ?? [])].map((id) => ({ ...this.files.get(id)! }));
  }
  putFile(row: FileRecord): void {
    this.deleteFile(row.id);
    this.files.set(row.id, { ...row });
    member(this.filesOf, row.folder).add(row.id);
  }
  deleteFile(id: string): void {
    const old = this.files.get(id);
    if (old) this.filesOf.get(old.folder)?.delete(id);
    this.files.delete(id);
  }
  tombstone(key: string, at: number): void {
    this.removed.set(key, at);
  }
  tombstonedAt(key: string): number | undefined {
    return this.removed.get(key);
  }
  pruneTombstones(before: number): void {
    for (const [k, at] of this.removed) if (at < before) this.removed.delete(k);
  }
  localHash(path: string): LocalHashRecord | undefined {
    const h = this.hashes.get(path);
    return h && { ...h };
  }
  putLocalHash(row: LocalHashRecord): void {
    this.hashes.set(row.path, { ...row });
  }
  close(): void {
    this.folders.clear();
    this.files.clear();
    this.subsOf.clear();
    this.filesOf.clear();
  }
}

function member<K, V>(m: Map<K, Set<V>>, k: K): Set<V> {
  let s = m.get(k);
  if (!s) {
    s = new Set();
    m.set(k, s);
  }
  return s;
}
