/**
 * `fichier demo`: the README quick start. Starts the embedded emulator (temporary data), writes a ~32 MiB random
 * file, uploads it with the real upload path, downloads it back with the real download path, and checks that
 * the bytes and the Whirlpool are identical. Steps on stderr, one result line on stdout.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { ChecksumMismatchError } from "../../transfer/errors.js";
import type { CliContext } from "../context.js";
import { formatBytes } from "../output.js";

/** Demo file size: 32 MiB plus an odd tail, so no segment or part boundary lines up by luck. */
export const DEMO_BYTES = 32 * 1024 * 1024 + 12_345;

/** Writes `size` random bytes to `path` in 1 MiB chunks (never the whole file in memory). */
async function writeRandomFile(path: string, size: number): Promise<void> {
  async function* chunks(): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      const n = Math.min(left, 1 << 20);
      yield randomBytes(n);
      left -= n;
    }
  }
  await pipeline(chunks(), createWriteStream(path));
}

/**
 * True when two files have the same bytes, compared as streams.
 *
 * @example
 * await sameBytes("a.bin", "b.bin"); // true
 */
export async function sameBytes(a: string, b: string): Promise<boolean> {
  const ra = createReadStream(a, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]();
  const rb = createReadStream(b, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]();
  let bufA: Buffer = Buffer.alloc(0);
  let bufB: Buffer = Buffer.alloc(0);
  let doneA = false;
  let doneB = false;
  try {
    for (;;) {
      if (bufA.length === 0 && !doneA) {
        const r = await ra.next();
        if (r.done) doneA = true;
        else bufA = r.value as Buffer;
      }
      if (bufB.length === 0 && !doneB) {
        const r = await rb.next();
        if (r.done) doneB = true;
        else bufB = r.value as Buffer;
      }
      if (bufA.length === 0 || bufB.length === 0)
        return bufA.length === 0 && bufB.length === 0 && doneA && doneB;
      const n = Math.min(bufA.length, bufB.length);
      if (!bufA.subarray(0, n).equals(bufB.subarray(0, n))) return false;
      bufA = bufA.subarray(n);
      bufB = bufB.subarray(n);
    }
  } finally {
    await ra.return?.();
    await rb.return?.();
  }
}

/** Registers `demo`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("quick start: embedded emulator, upload and download of a 32 MiB file, byte-identity check")
    .option("--size <bytes>", "size of the test file", (v) => Number.parseInt(v, 10), DEMO_BYTES)
    .option("--keep", "keep the temporary folder (files and emulator data)")
    .addHelpText(
      "after",
      "\nNeeds no account and no network: everything runs against the embedded emulator.\n" +
        "JSON: {ok, size, url, whirlpool, identical, uploadMs, downloadMs, apiUrl}",
    )
    .action(async (opts: { size: number; keep?: boolean }) => {
      if (!Number.isSafeInteger(opts.size) || opts.size < 1) {
        const { UsageError } = await import("../errors.js");
        throw new UsageError(`--size ${opts.size} is not a positive number of bytes`, "e.g. --size 1048576");
      }
      const out = ctx.out;
      const step = (n: number, msg: string): void => out.info(`[${n}/5] ${msg}`);
      const work = await mkdtemp(join(tmpdir(), "fichier-demo-"));
      try {
        step(1, "starting the embedded 1fichier emulator (temporary data, premium account)");
        const emu = await ctx.emulator({ temp: true });
        const client = await ctx.client();
        out.info(`      emulator API at ${emu.apiUrl}`);

        const local = join(work, "demo.bin");
        step(2, `writing ${formatBytes(opts.size)} of random bytes to ${local}`);
        await writeRandomFile(local, opts.size);
        const { whirlpoolFile } = await import("../../transfer/whirlpool.js");
        const localWhirlpool = await whirlpoolFile(local);
        out.info(`      Whirlpool ${localWhirlpool.slice(0, 32)}...`);

        step(3, "uploading it (get_upload_server, upload.cgi, end.pl)");
        const { uploadFile } = await import("../../transfer/upload.js");
        const t0 = Date.now();
        const up = await uploadFile(client, {
          path: local,
          name: "demo.bin",
          onProgress: (e) => {
            if (e.type === "progress")
              out.progress(`      uploaded ${formatBytes(e.bytes)} of ${formatBytes(e.size)}`);
          },
        });
        out.endProgress();
        const uploadMs = Date.now() - t0;
        out.info(`      uploaded in ${uploadMs} ms: ${up.url}`);
        if (up.whirlpool !== localWhirlpool) {
          throw new ChecksumMismatchError(
            "the server's Whirlpool of demo.bin differs from the local one",
            { expected: localWhirlpool, actual: up.whirlpool, remoteUrl: up.url, localPath: local },
            { hint: "the upload was corrupted on the way; run the demo again" },
          );
        }

        step(4, "downloading it back (get_token, parallel range requests)");
        const { downloadFile } = await import("../../transfer/download.js");
        const t1 = Date.now();
        const down = await downloadFile(client, {
          url: up.url,
          path: join(work, "demo.downloaded.bin"),
          onProgress: (e) => {
            if (e.type === "progress")
              out.progress(`      downloaded ${formatBytes(e.bytes)} of ${formatBytes(e.size)}`);
          },
        });
        out.endProgress();
        const downloadMs = Date.now() - t1;
        out.info(`      downloaded in ${downloadMs} ms to ${down.path}`);

        step(5, "comparing bytes and Whirlpool");
        const identical = await sameBytes(local, down.path);
        const downWhirlpool = down.verified ? down.whirlpool : await whirlpoolFile(down.path);
        if (!identical || downWhirlpool !== localWhirlpool) {
          throw new ChecksumMismatchError(
            "the downloaded file differs from the uploaded one",
            { expected: localWhirlpool, actual: downWhirlpool, localPath: down.path },
            { hint: "this is a bug in fichier or the emulator; run again with --debug and report it" },
          );
        }
        out.info("      byte-identical, Whirlpool identical");
        const result = {
          ok: true,
          size: opts.size,
          url: up.url,
          whirlpool: localWhirlpool,
          identical,
          uploadMs,
          downloadMs,
          apiUrl: emu.apiUrl,
        };
        ctx.out.result(
          `demo ok: ${formatBytes(opts.size)} uploaded and downloaded back, byte-identical, Whirlpool ${localWhirlpool.slice(0, 16)}...`,
          result,
        );
      } finally {
        if (opts.keep) out.info(`kept ${work}`);
        else await rm(work, { recursive: true, force: true });
      }
    });
}
