// The remote end as a sync's destination (uploads): folders made through the index (write-through, no
// listing of a folder this run made), files sent with the upload engine as `upload` sends a tree: the small
// files of one folder packed into shared requests (upload-pack.ts, upload-batch.ts), each still verified
// against end.pl and journaled (a rerun after a crash never makes a duplicate), a changed file's old copies
// removed only once its new copy is verified, deletions in batches. A folder found removed during the sync
// (`#9001`) fails what was to go into it, as one item.
import { dirname } from "node:path";
import { FichierError, isNotFoundError } from "../api/errors.js";
import type { OpenedIndex } from "../remote-index/open.js";
import { joinRemotePath } from "../remote-index/targets.js";
import { type UploadResult, type UploadRunOptions, uploadFile } from "../transfer/upload.js";
import { uploadBatch } from "../transfer/upload-batch.js";
import { indexListings } from "../transfer/upload-listing.js";
import { type BatchLimits, batchLimits, packUploads } from "../transfer/upload-pack.js";
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
  private readonly limits: BatchLimits | false;
  /** What every upload of the run shares: the journal, and the folders' files read from the index. */
  private readonly run: UploadRunOptions;

  constructor(
    private readonly index: OpenedIndex,
    private readonly sides: SyncSides,
    options: RunOptions,
    private readonly result: SyncResult,
  ) {
    this.ids = new Map(sides.remoteFolders);
    this.limits = batchLimits(options.batch);
    this.run = runOptionsOf(index, options);
  }

  /** Makes the destination folder when it is missing (`mkdir -p`, as `upload --to` does). */
  async prepare(): Promise<void> {
    if (this.ids.has("")) return;
    const { remote } = this.sides;
    const base = await this.index.resolveFolder(remote.base, { create: true });
    const made = remote.name ? await this.index.ensureFolder(base.id, remote.name) : base;
    // The plan took the destination for missing (no listing was spent to be sure: mkdir says so, #9002). Found
    // there now, it was made elsewhere meanwhile and may hold files the plan would send again.
    if (made.created !== true) {
      throw new FichierError(`${remote.path} was made by something else while this sync started`, {
        hint: "Run the same sync again: it reads the folder and sends only what is missing.",
      });
    }
    const id = made.id;
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

  /**
   * The transfers as requests: the small files of one folder packed together (upload-pack.ts, as `upload` packs
   * a tree), a large file alone; a file whose folder is gone or could not be made alone too (it is not sent).
   */
  units(transfers: readonly Transfer[]): Transfer[][] {
    const alone: Transfer[][] = [];
    const placed: { t: Transfer; name: string; folderId: number; size: number }[] = [];
    for (const t of transfers) {
      const folder = parentOf(t.path);
      const folderId = this.ids.get(folder);
      if (folderId === undefined || this.isGone(folder)) alone.push([t]);
      else placed.push({ t, name: baseName(t.path), folderId, size: t.size });
    }
    const packed = packUploads(placed, this.limits).map((u) =>
      u.kind === "one" ? [u.file.t] : u.files.map((f) => f.t),
    );
    return [...alone, ...packed];
  }

  async transfer(unit: readonly Transfer[]): Promise<void> {
    const folder = parentOf(unit[0]!.path);
    const folderId = this.ids.get(folder);
    if (this.isGone(folder)) {
      for (const _ of unit) this.countGone(folder);
      return;
    }
    // Its folder could not be made: that failure is recorded once, on the folder.
    if (folderId === undefined) throw new FichierError(`the folder of ${unit[0]!.path} could not be made`);
    const client = this.index.client;
    if (unit.length === 1) {
      const t = unit[0]!;
      const local = t.source as LocalEntry;
      const file = { path: local.abs, name: baseName(t.path), folderId };
      await this.sent(t, await uploadFile(client, { ...this.run, ...file }));
      return;
    }
    const files = unit.map((t) => ({
      path: (t.source as LocalEntry).abs,
      name: baseName(t.path),
      folderId,
    }));
    const outcomes = await uploadBatch(client, this.run, files);
    for (const [i, o] of outcomes.entries()) {
      const t = unit[i]!;
      // Each file of the request is settled on its own: one failing does not fail the others.
      if ("error" in o) this.result.failed.push({ path: t.path, error: o.error });
      else
        await this.sent(t, o.result).catch((error: unknown) =>
          this.result.failed.push({ path: t.path, error }),
        );
    }
  }

  /** A file verified up there (end.pl's Whirlpool, or the journal's): counted, remembered, its old copies due. */
  private async sent(t: Transfer, up: UploadResult): Promise<void> {
    if (!up.skipped) this.result.bytes += up.size;
    // The Whirlpool end.pl confirmed is the local file's while it is unchanged: the next run reads nothing.
    const local = t.source as LocalEntry;
    await rememberVerified(this.index, local.abs, up.whirlpool, local.stat);
    if (t.replaces.length === 0) this.result.uploaded++;
    else {
      // The new copy is verified: its old copies may go now. They go together, one call for many
      // replacements (a crash before leaves both copies: the next run settles).
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

/**
 * What every upload of a sync shares. Listings come from the index (read once per folder while fresh): an
 * earlier run's journal entries are settled by the folder's listing, not a file/info call per file.
 */
function runOptionsOf(index: OpenedIndex, o: RunOptions): UploadRunOptions {
  return {
    listings: indexListings(index),
    ...(o.journal ? { journal: o.journal } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    ...(o.bwlimit ? { bwlimit: o.bwlimit } : {}),
    ...o.upload,
  };
}

function parentOf(path: string): string {
  const d = dirname(path);
  return d === "." ? "" : d;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
