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
 *   once. With V8's default young generation the dead buffers pile up between collections: measured on
 *   2026-12-06, a 512 MiB download with 8 connections peaked at 149 MiB without the flag and 129-147 MiB with
 *   it (the transfers' target is 150 MiB). It no longer saves CPU there (it saved a third when first measured,
 *   on 2026-11-27; now it costs about 10 % more), and it costs every start 0.03-0.05 CPU-s: it stays for the
 *   memory.
 *
 * @example
 * spawn(process.execPath, [...NODE_FLAGS, "dist/cli/main.js", "--version"]);
 */
export const NODE_FLAGS: readonly string[] = ["--openssl-legacy-provider", "--max-semi-space-size=1"];
