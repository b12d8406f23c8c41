// The local end as a sync's destination (downloads): folders made with the transfer layer's one folder maker,
// files fetched with the download engine (working files in `.fichier-partial`, verified, renamed over the old
// copy only once complete: a crash leaves the old file or the new one, never neither), deletions with unlink.
import { rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { OpenedIndex } from "../remote-index/open.js";
import { downloadFile } from "../transfer/download.js";
import { ensureFolder } from "../transfer/local-names.js";
import type { Destination, RunOptions } from "./destination.js";
import { rememberVerified } from "./local-hash.js";
import type { SyncEntry } from "./march.js";
import type { Transfer } from "./plan.js";
import type { SyncSides } from "./read-sides.js";
import type { SyncResult } from "./result.js";

/**
 * Downloads into the local tree of a sync.
 *
 * @example
 * ```ts
 * const dest = new LocalDestination(index, sides, options, result);
 * await dest.prepare();
 * ```
 */
export class LocalDestination implements Destination {
  constructor(
    private readonly index: OpenedIndex,
    private readonly sides: SyncSides,
    private readonly options: RunOptions,
    private readonly result: SyncResult,
  ) {}

  private at(path: string): string {
    return join(this.sides.localRoot, ...path.split("/"));
  }

  async prepare(): Promise<void> {
    if (this.sides.localExists) return;
    await ensureFolder(this.sides.localRoot);
    this.result.createdRoot = true;
  }

  async mkdir(path: string): Promise<void> {
    await ensureFolder(this.at(path));
    this.result.foldersCreated++;
  }

  /** Downloads go one file at a time (each with its own connections). */
  units(transfers: readonly Transfer[]): Transfer[][] {
    return transfers.map((t) => [t]);
  }

  async transfer([t]: readonly Transfer[]): Promise<void> {
    if (!t) return;
    const o = this.options;
    const src = t.source;
    const r = await downloadFile(this.index.client, {
      url: src.url ?? "",
      path: this.at(t.path),
      known: {
        filename: src.path.slice(src.path.lastIndexOf("/") + 1),
        size: src.size ?? 0,
        ...(src.whirlpool ? { checksum: src.whirlpool } : {}),
      },
      // A replacement: the verified download is renamed over the local copy (download-finalize.ts).
      force: t.replaces.length > 0,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.onWarning ? { onWarning: o.onWarning } : {}),
      ...(o.bwlimit ? { bwlimit: o.bwlimit } : {}),
      ...o.download,
    });
    this.result.bytes += r.fetchedBytes;
    // The Whirlpool just verified is the new local file's: the next run reads nothing.
    if (r.verified) await rememberVerified(this.index, r.path, r.whirlpool);
    if (t.replaces.length > 0) this.result.replaced++;
    else this.result.downloaded++;
  }

  async settle(): Promise<void> {
    // A local folder cannot hold two files of one name: nothing to settle.
  }

  async deleteFiles(entries: SyncEntry[]): Promise<void> {
    for (const e of entries) {
      await unlink(this.at(e.path)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      this.result.deleted++;
    }
  }

  async rmdir(path: string): Promise<boolean> {
    await rmdir(this.at(path));
    this.result.foldersRemoved++;
    return true;
  }

  async finish(): Promise<void> {}
}
