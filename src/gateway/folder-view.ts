// What the gateway must know about the account's tree to keep a token inside its folder. The interface is
// what the confinement checks use; this wave implements it with the API's own listings and file info
// (ListingFolderView), the next with the shared remote index.
import { parseFileUrl } from "../api/urls.js";

/** A change made through the gateway, so a view can keep its answers right without asking again. */
export type FolderChange =
  | { kind: "folder-created"; id: number; parentId: number }
  /** A folder moved, was renamed or removed: any subtree may differ. */
  | { kind: "folders-changed" }
  | { kind: "files-moved"; urls: string[]; folderId: number }
  | { kind: "files-removed"; urls: string[] };

/**
 * The account's tree, as far as confinement needs it.
 *
 * Contract (for every implementation):
 * - `folderOf(url)` is the id of the folder holding the file, or `undefined` when the file is not one of the
 *   account's own (unknown, deleted, someone else's): an undefined answer is always refused.
 * - `isInside(folderId, rootId)` is true when `folderId` is `rootId` or one of its descendants, false for
 *   any other folder, including ids that do not exist.
 * - Both may throw (e.g. the upstream is busy); the caller then refuses or answers 429, never allows.
 * - `changed()` is told of every change made through the gateway, before the client gets its answer.
 */
export interface FolderView {
  folderOf(fileUrl: string, signal?: AbortSignal): Promise<number | undefined>;
  isInside(folderId: number, rootId: number, signal?: AbortSignal): Promise<boolean>;
  changed(change: FolderChange): void;
}

/** How a {@link ListingFolderView} reads the account: through the gateway's paced upstream. */
export interface ListingSource {
  /** The ids of a folder's sub-folders (`folder/ls.cgi`). */
  subFolders(folderId: number, signal?: AbortSignal): Promise<number[]>;
  /** The folder of a file (`file/info.cgi`'s `folder_id`), undefined when the account has no such file. */
  folderOfFile(fileUrl: string, signal?: AbortSignal): Promise<number | undefined>;
}

/** The stable identity of a file URL (its id), whatever domain or suffix it was written with. */
function fileKey(url: string): string {
  try {
    return parseFileUrl(url).id;
  } catch {
    return url;
  }
}

/**
 * A {@link FolderView} built from listings: a confined root's subtree is walked with `folder/ls.cgi` and kept
 * for `ttlMs` (default 60 s); a file's folder comes from `file/info.cgi` and is kept as long. A folder missing
 * from a kept subtree makes the subtree be walked again, at most once per `rewalkMs` (default 30 s, the API's
 * listing spacing).
 *
 * @example
 * const view = new ListingFolderView(source, { now: Date.now });
 * await view.isInside(42, 7); // true when folder 42 is folder 7 or below it
 */
export class ListingFolderView implements FolderView {
  private readonly subtrees = new Map<number, { ids: Set<number>; at: number }>();
  private readonly files = new Map<string, { folderId: number; at: number }>();
  private readonly walking = new Map<number, Promise<Set<number>>>();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly rewalkMs: number;

  constructor(
    private readonly source: ListingSource,
    opts: { now: () => number; ttlMs?: number; rewalkMs?: number },
  ) {
    this.now = opts.now;
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.rewalkMs = opts.rewalkMs ?? 30_000;
  }

  async folderOf(fileUrl: string, signal?: AbortSignal): Promise<number | undefined> {
    const key = fileKey(fileUrl);
    const kept = this.files.get(key);
    if (kept && this.now() - kept.at < this.ttlMs) return kept.folderId;
    const folderId = await this.source.folderOfFile(fileUrl, signal);
    if (folderId === undefined) this.files.delete(key);
    else this.files.set(key, { folderId, at: this.now() });
    return folderId;
  }

  async isInside(folderId: number, rootId: number, signal?: AbortSignal): Promise<boolean> {
    if (folderId === rootId) return true;
    const kept = this.subtrees.get(rootId);
    const age = kept ? this.now() - kept.at : Number.POSITIVE_INFINITY;
    if (kept && age < this.ttlMs && kept.ids.has(folderId)) return true;
    // A recent walk that did not meet the folder answers "outside": asking again and again for foreign ids
    // must not make the gateway list the subtree again and again.
    if (kept && age < this.rewalkMs) return false;
    return (await this.walk(rootId, signal)).has(folderId);
  }

  changed(change: FolderChange): void {
    switch (change.kind) {
      case "folder-created":
        for (const t of this.subtrees.values()) if (t.ids.has(change.parentId)) t.ids.add(change.id);
        break;
      case "folders-changed":
        this.subtrees.clear();
        break;
      case "files-moved":
        for (const u of change.urls)
          this.files.set(fileKey(u), { folderId: change.folderId, at: this.now() });
        break;
      case "files-removed":
        for (const u of change.urls) this.files.delete(fileKey(u));
        break;
    }
  }

  /** Walks a subtree breadth-first (one walk at a time per root; concurrent askers share it). */
  private walk(rootId: number, signal?: AbortSignal): Promise<Set<number>> {
    const running = this.walking.get(rootId);
    if (running) return running;
    const p = (async () => {
      const ids = new Set<number>([rootId]);
      const queue = [rootId];
      while (queue.length > 0) {
        const id = queue.shift() as number;
        for (const child of await this.source.subFolders(id, signal)) {
          if (!ids.has(child)) {
            ids.add(child);
            queue.push(child);
          }
        }
      }
      this.subtrees.set(rootId, { ids, at: this.now() });
      return ids;
    })();
    this.walking.set(rootId, p);
    const clear = () => this.walking.delete(rootId);
    p.then(clear, clear);
    return p;
  }
}
