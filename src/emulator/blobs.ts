/** Writing file contents: a temp file under `<data>/tmp`, Whirlpool computed on the fly, renamed into `blobs/`. */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { createWhirlpool } from "hash-wasm";
import { ids } from "./ids.js";
import type { Store } from "./store.js";

type Hasher = Awaited<ReturnType<typeof createWhirlpool>>;

/** What a committed blob is. */
export interface BlobResult {
  blob: string;
  size: number;
  checksum: string;
}

/**
 * Streams one file's bytes to disk with its Whirlpool hash (spec §4.1), never holding the file in memory.
 * @example
 * const w = await BlobWriter.create(store); await w.write(chunk); const { blob, checksum } = await w.commit();
 */
export class BlobWriter {
  size = 0;
  private done = false;
  private constructor(
    private readonly store: Store,
    private readonly name: string,
    private readonly path: string,
    private readonly out: WriteStream,
    private readonly hasher: Hasher,
  ) {}

  static async create(store: Store): Promise<BlobWriter> {
    const hasher = await createWhirlpool();
    hasher.init();
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
    this.hasher.update(chunk);
    this.size += chunk.length;
    // events.once rejects if "error" fires first, and leaves no listener behind either way.
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  /** Closes the temp file and moves it into the blob folder. */
  async commit(): Promise<BlobResult> {
    this.done = true;
    await new Promise<void>((resolve, reject) => {
      this.out.once("error", reject);
      this.out.end(() => resolve());
    });
    await rename(this.path, this.store.blobPath(this.name));
    return { blob: this.name, size: this.size, checksum: this.hasher.digest("hex") };
  }

  /** Drops the temp file (client gone, part refused). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.out.destroy();
    await rm(this.path, { force: true });
  }
}
