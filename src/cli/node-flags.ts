/**
 * The Node options the `fichier` command runs with. They are in the first line of `main.ts`
 * (`#!/usr/bin/env -S node ...`, which a test keeps equal to this list), and in every place that starts the
 * command itself (the demo, the tests, the benchmark), so all run it the way a user's shell does.
 *
 * - `--openssl-legacy-provider`: OpenSSL 3 keeps Whirlpool in its legacy provider, which Node loads only at
 *   start-up. With it, `node:crypto` hashes Whirlpool at about 270 MiB/s in a worker thread of this process;
 *   without it, a second Node process is started for the hashing (~45 MiB more memory) or hash-wasm is used
 *   (about half the speed). It enables no other algorithm fichier uses.
 * - `--max-semi-space-size=1` (MiB): a transfer allocates a 64 KiB buffer per socket read and drops it at
 *   once. With V8's default young generation the dead buffers pile up until their outside-the-heap size
 *   forces full collections: measured on a 1 GiB download, the small young generation used a third less CPU
 *   and 10-15 MiB less peak memory, and was 15-20 % faster on loopback.
 *
 * @example
 * spawn(process.execPath, [...NODE_FLAGS, "dist/cli/main.js", "--version"]);
 */
export const NODE_FLAGS: readonly string[] = ["--openssl-legacy-provider", "--max-semi-space-size=1"];
