/** Writing file contents: a temp file under `<data>/tmp`, Whirlpool computed on the fly, renamed into `blobs/`. */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { FileHasher, HashPool } from "./hasher.js";
import { ids } from "./ids.js";
import type { Store } from "./store.js";

/** What a committed blob is. */
export interface BlobResult {
  blob: string;
  size: number;
  checksum: string;
}

/**
 * Streams one file's bytes to disk with its Whirlpool hash (spec §4.1), never holding the file in memory.
 * @example
 * const w = await BlobWriter.create(store, hashPool); await w.write(chunk); const { blob, checksum } = await w.commit();
 */
export class BlobWriter {
  size = 0;
  private done = false;
  private constructor(
    private readonly store: Store,
    private readonly name: string,
    private readonly path: string,
    private readonly out: WriteStream,
    private readonly hasher: FileHasher,
  ) {}

  static async create(store: Store, hashes: HashPool): Promise<BlobWriter> {
    const hasher = hashes.create();
    const name = ids.secret();
    const path = join(store.tmpDir, name);
    const out = createWriteStream(path);
    out.on("error", () => {
      // reported by write()/commit()
    });
    return new BlobWriter(store, name, path, out, hasher);
  }

  /** Writes a chunk, waiting for the disk when its buffer is full (backpressure). */
  async write(chunk: Buffer): Promise<void> {
    this.size += chunk.length;
    // Hashing (in the worker) and the disk write overlap; events.once rejects if "error" fires first.
    const hashed = this.hasher.update(chunk);
    const drained = this.out.write(chunk) ? undefined : once(this.out, "drain");
    await Promise.all([hashed, drained]);
  }

  /** Closes the temp file and moves it into the blob folder. */
  async commit(): Promise<BlobResult> {
    this.done = true;
    await new Promise<void>((resolve, reject) => {
      this.out.once("error", reject);
      this.out.end(() => resolve());
    });
    const checksum = await this.hasher.digest();
    await rename(this.path, this.store.blobPath(this.name));
    return { blob: this.name, size: this.size, checksum };
  }

  /** Drops the temp file (client gone, part refused). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.hasher.abort();
    this.out.destroy();
    await rm(this.path, { force: true });
  }
}
