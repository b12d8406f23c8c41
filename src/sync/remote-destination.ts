// The remote end as a sync's destination (uploads): folders made through the index (write-through, no
// listing of a folder this run made), files sent with the upload engine (journaled: a rerun after a crash never
// makes a duplicate), a changed file's old copies removed only once its new copy is verified, deletions in
// batches. A folder found removed during the sync (`#9001`) fails what was to go into it, as one item.
import { dirname } from "node:path";
import { FichierError, isNotFoundError } from "../api/errors.js";
import type { OpenedIndex } from "../remote-index/open.js";
import { joinRemotePath } from "../remote-index/targets.js";
import type { UploadFileOptions } from "../transfer/upload.js";
import { uploadFile } from "../transfer/upload.js";
import type { Destination, RunOptions } from "./destination.js";
import { rememberVerified } from "./local-hash.js";
import type { LocalEntry } from "./local-walk.js";
import type { SyncEntry } from "./march.js";
import type { Transfer } from "./plan.js";
import type { SyncSides } from "./read-sides.js";
import type { SyncResult } from "./result.js";

/** `file/rm.cgi` takes many files; the emulator refuses the whole call when one is unknown (DECISIONS). */
const REMOVE_BATCH = 100;

/**
 * A remote folder was removed while the sync ran (by the website or another tool): what was to go into it was
 * not sent. The next sync makes it again.
 *
 * @example
 * ```ts
 * if (e instanceof FolderRemovedError) console.error(e.message);
 * ```
 */
export class FolderRemovedError extends FichierError {
  override name = "FolderRemovedError";
}

/**
 * Uploads into the remote tree of a sync.
 *
 * @example
 * ```ts
 * const dest = new RemoteDestination(index, sides, options, result);
 * await dest.prepare();
 * ```
 */
export class RemoteDestination implements Destination {
  private readonly ids: Map<string, number>;
  /** Folders found removed during the sync, and how many files were not sent into them. */
  private readonly gone = new Map<string, number>();
  /** Replacements whose new copy is verified and whose old copies are still to remove. */
  private readonly replaced: { path: string; old: SyncEntry[] }[] = [];

  constructor(
    private readonly index: OpenedIndex,
    private readonly sides: SyncSides,
    private readonly options: RunOptions,
    private readonly result: SyncResult,
  ) {
    this.ids = new Map(sides.remoteFolders);
  }

  /** Makes the destination folder when it is missing (`mkdir -p`, as `upload --to` does). */
  async prepare(): Promise<void> {
    if (this.ids.has("")) return;
    const { remote } = this.sides;
    const base = await this.index.resolveFolder(remote.base, { create: true });
    const id = remote.name ? (await this.index.ensureFolder(base.id, remote.name)).id : base.id;
    this.ids.set("", id);
    this.result.createdRoot = true;
  }

  async mkdir(path: string): Promise<void> {
    const parent = parentOf(path);
    const parentId = this.ids.get(parent);
    if (parentId === undefined || this.isGone(path)) return;
    try {
      this.ids.set(path, (await this.index.ensureFolder(parentId, baseName(path))).id);
      this.result.foldersCreated++;
    } catch (e) {
      if (!isNotFoundError(e)) throw e;
      this.markGone(parent, parentId);
    }
  }

  async transfer(t: Transfer): Promise<void> {
    const folder = parentOf(t.path);
    const folderId = this.ids.get(folder);
    if (this.isGone(folder)) {
      this.countGone(folder);
      return;
    }
    // Its folder could not be made: that failure is recorded once, on the folder.
    if (folderId === undefined) throw new FichierError(`the folder of ${t.path} could not be made`);
    const up = await uploadFile(this.index.client, this.uploadOptions(t, folderId));
    if (!up.skipped) this.result.bytes += up.size;
    // The Whirlpool end.pl confirmed is the local file's while it is unchanged: the next run reads nothing.
    const local = t.source as LocalEntry;
    await rememberVerified(this.index, local.abs, up.whirlpool, local.stat);
    if (t.replaces.length === 0) this.result.uploaded++;
    else {
      // The new copy is verified (end.pl's Whirlpool, or the journal's): its old copies may go now. They go
      // together, one call for many replacements (a crash before leaves both copies: the next run settles).
      this.replaced.push({ path: t.path, old: t.replaces.filter((r) => r.url !== up.url) });
      if (this.replaced.length >= REMOVE_BATCH) await this.removeReplaced();
    }
  }

  /** Removes the old copies of the replacements done so far; a failure fails those replacements. */
  private async removeReplaced(): Promise<void> {
    const done = this.replaced.splice(0);
    if (done.length === 0) return;
    try {
      await this.removeFiles(done.flatMap((d) => d.old));
      this.result.replaced += done.length;
    } catch (e) {
      for (const d of done) this.result.failed.push({ path: d.path, error: e });
    }
  }

  private uploadOptions(t: Transfer, folderId: number): UploadFileOptions {
    const o = this.options;
    return {
      path: (t.source as LocalEntry).abs,
      name: baseName(t.path),
      folderId,
      ...(o.journal ? { journal: o.journal } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.onWarning ? { onWarning: o.onWarning } : {}),
      ...o.upload,
    };
  }

  async settle(s: { path: string; remove: SyncEntry[] }): Promise<void> {
    this.result.settled += await this.removeFiles(s.remove);
  }

  async deleteFiles(entries: SyncEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += REMOVE_BATCH) {
      this.result.deleted += await this.removeFiles(entries.slice(i, i + REMOVE_BATCH));
    }
  }

  async rmdir(path: string): Promise<boolean> {
    const id = this.ids.get(path);
    if (id === undefined) return false;
    await this.index.client.folders.remove({ folderId: id });
    this.result.foldersRemoved++;
    return true;
  }

  /** Removes files by URL; those already gone count as removed (someone else did it). */
  private async removeFiles(entries: SyncEntry[]): Promise<number> {
    const urls = entries.map((e) => e.url).filter((u): u is string => u !== undefined);
    if (urls.length === 0) return 0;
    try {
      await this.index.client.files.remove(urls);
      return urls.length;
    } catch (e) {
      // One unknown URL refuses the whole call: one at a time, skipping those already gone.
      if (!isNotFoundError(e) || urls.length === 1) {
        if (isNotFoundError(e)) return 1;
        throw e;
      }
      let n = 0;
      for (const url of urls) n += await this.removeFiles([{ path: url, kind: "file", url }]);
      return n;
    }
  }

  /**
   * The old copies still to remove, then the failures for the folders removed during the sync: one item each,
   * naming how many files were not sent.
   */
  async finish(): Promise<void> {
    await this.removeReplaced();
    for (const [path, files] of this.gone) {
      const where = path === "" ? this.sides.remote.path : joinRemotePath(this.sides.remote.path, path);
      this.result.failed.push({
        path: where,
        error: new FolderRemovedError(
          `${where} was removed during the sync (by the website or another tool): ${files} file${files === 1 ? "" : "s"} not sent`,
          { hint: "Run the sync again: it makes the folder anew." },
        ),
      });
    }
  }

  private markGone(path: string, id: number): void {
    if (!this.gone.has(path)) this.gone.set(path, 0);
    // What the index had of it is wrong now: the next read lists again rather than trusting it.
    this.index.changed({ type: "folder-removed", folderId: id, at: Date.now() });
  }

  private isGone(path: string): boolean {
    for (const g of this.gone.keys()) if (g === "" || path === g || path.startsWith(`${g}/`)) return true;
    return false;
  }

  private countGone(path: string): void {
    for (const g of this.gone.keys()) {
      if (g === "" || path === g || path.startsWith(`${g}/`)) {
        this.gone.set(g, (this.gone.get(g) ?? 0) + 1);
        return;
      }
    }
  }
}

function parentOf(path: string): string {
  const d = dirname(path);
  return d === "." ? "" : d;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
