// Streaming Whirlpool (spec §4.1: 128 lower-case hex, the ISO "final" version OpenSSL computes).
// Node's crypto only offers whirlpool when OpenSSL's legacy provider is loaded (node --openssl-legacy-provider);
// it is about twice as fast as hash-wasm, so it is used when present and hash-wasm otherwise.
import { createHash, getHashes } from "node:crypto";
import { createReadStream } from "node:fs";

/** An incremental Whirlpool hasher. */
export interface WhirlpoolHasher {
  /** Feeds bytes, in order. */
  update(chunk: Uint8Array): void;
  /** The final digest, 128 lower-case hex characters. The hasher cannot be used afterwards. */
  digest(): string;
}

let nodeHasWhirlpool: boolean | undefined;

/**
 * Which implementation `createWhirlpoolHasher` uses in this process.
 *
 * @example
 * whirlpoolBackend(); // "hash-wasm" (or "node:crypto" under --openssl-legacy-provider)
 */
export function whirlpoolBackend(): "node:crypto" | "hash-wasm" {
  if (nodeHasWhirlpool === undefined) {
    nodeHasWhirlpool = getHashes().includes("whirlpool");
    if (nodeHasWhirlpool) {
      try {
        createHash("whirlpool");
      } catch {
        nodeHasWhirlpool = false;
      }
    }
  }
  return nodeHasWhirlpool ? "node:crypto" : "hash-wasm";
}

/**
 * Creates an incremental Whirlpool hasher (node:crypto when the legacy provider offers it, else hash-wasm).
 *
 * @example
 * const h = await createWhirlpoolHasher();
 * h.update(new TextEncoder().encode("abc"));
 * h.digest(); // "4e2448a4c6f486bb..."
 */
export async function createWhirlpoolHasher(
  backend: "node:crypto" | "hash-wasm" = whirlpoolBackend(),
): Promise<WhirlpoolHasher> {
  if (backend === "node:crypto") {
    const h = createHash("whirlpool");
    return {
      update: (chunk) => {
        h.update(chunk);
      },
      digest: () => h.digest("hex"),
    };
  }
  // Loaded only when needed: hash-wasm costs ~14 MiB of memory, unused when node:crypto has Whirlpool.
  const { createWhirlpool } = await import("hash-wasm");
  const h = await createWhirlpool();
  h.init();
  return {
    update: (chunk) => {
      h.update(chunk);
    },
    digest: () => h.digest("hex"),
  };
}

/**
 * Whirlpool of a file, or of the byte range `[start, end)` of it, read as a stream.
 *
 * @example
 * await whirlpoolFile("movie.mkv"); // "19fa61d7..."
 */
export async function whirlpoolFile(
  path: string,
  options: { start?: number; end?: number; signal?: AbortSignal } = {},
): Promise<string> {
  const hasher = await createWhirlpoolHasher();
  await hashFileInto(hasher, path, options);
  return hasher.digest();
}

/**
 * Feeds the byte range `[start, end)` of a file into an existing hasher (used to re-hash a download's
 * completed prefix, and to hash local files for `--skip-existing`).
 *
 * @example
 * await hashFileInto(hasher, "movie.mkv.part", { start: 0, end: 1 << 20 });
 */
export async function hashFileInto(
  hasher: WhirlpoolHasher,
  path: string,
  options: { start?: number; end?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const start = options.start ?? 0;
  if (options.end !== undefined && options.end <= start) return;
  const stream = createReadStream(path, {
    start,
    // createReadStream's end is inclusive.
    ...(options.end !== undefined ? { end: options.end - 1 } : {}),
    highWaterMark: 1024 * 1024,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const chunk of stream) hasher.update(chunk as Buffer);
}
