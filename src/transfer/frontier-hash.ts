// Incremental Whirlpool of a file written out of order by parallel segments. Whirlpool must see the bytes in
// order, so the hasher keeps a "hashed up to" frontier and, whenever the completed prefix of the file grows,
// reads the new contiguous bytes back from the .part file (they are still in the page cache) and feeds
// them. The hash is therefore ready a moment after the last byte lands, instead of costing a second full
// read of the file. On resume, the completed prefix is hashed once from the .part.
import type { FileHandle } from "node:fs/promises";
import type { WhirlpoolHasher } from "./whirlpool.js";

const READ_CHUNK = 1024 * 1024;

/**
 * Hashes a file as its completed prefix grows.
 *
 * @example
 * const fh = new FrontierHasher(hasher, fd, () => contiguousEnd(completed, 0));
 * fh.poke();               // after each write
 * const hex = await fh.finish(size);
 */
export class FrontierHasher {
  private hashed = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly hasher: WhirlpoolHasher,
    private readonly fd: FileHandle,
    /** Current end of the completed prefix of the file. */
    private readonly prefixEnd: () => number,
  ) {}

  /** Bytes hashed so far. */
  get hashedUpTo(): number {
    return this.hashed;
  }

  /** Tells the hasher that the completed prefix may have grown; hashing runs in the background. */
  poke(): void {
    if (this.closed || this.failure) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pump().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  /** Stops background hashing (on abort), waiting for a read in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running?.catch(() => {});
  }

  /** Hashes up to `size` (the whole file must be complete by now) and returns the digest. */
  async finish(size: number): Promise<string> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
    if (this.hashed < size) {
      if (this.prefixEnd() < size)
        throw new Error(`internal: hashing asked at ${this.prefixEnd()} of ${size}`);
      await this.pump();
    }
    if (this.failure) throw this.failure;
    return this.hasher.digest();
  }

  private async pump(): Promise<void> {
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      for (;;) {
        if (this.closed) return;
        const end = this.prefixEnd();
        if (end <= this.hashed) return;
        const want = Math.min(READ_CHUNK, end - this.hashed);
        const { bytesRead } = await this.fd.read(buf, 0, want, this.hashed);
        if (bytesRead <= 0) throw new Error(`short read of the .part file at ${this.hashed}`);
        this.hasher.update(buf.subarray(0, bytesRead));
        this.hashed += bytesRead;
      }
    } catch (e) {
      this.failure = e;
    }
  }
}
