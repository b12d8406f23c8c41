// The end of a download once every byte is in the .part: the flush to disk and the last of the hashing run
// together, then the verdict, then the atomic rename to the final name.
import { rename, rm, stat } from "node:fs/promises";
import { removeDownloadJournal } from "./download-journal.js";
import type { DownloadSession } from "./download-session.js";
import { ChecksumMismatchError, DownloadRefusedError, toLocalFileError } from "./errors.js";

/**
 * Verifies and renames a fully fetched download; returns its Whirlpool ("" when not verified). The flush
 * (`fsync`) is awaited before the verdict: a disk that cannot take the bytes (full, I/O error) fails with
 * its own error and keeps the .part, never a checksum verdict. A mismatch drops the bad bytes (a rerun starts
 * afresh); the final name is written only by the rename of a verified, flushed file.
 *
 * @throws ChecksumMismatchError, DownloadRefusedError (a file appeared at the final path meanwhile),
 *   the flush's file-system error
 * @example
 * await session.fetchMissing();
 * const whirlpool = await finalizeDownload(session);
 */
export async function finalizeDownload(session: DownloadSession): Promise<string> {
  const { plan, options } = session;
  const synced = session.fd.sync();
  synced.catch(() => {});
  let whirlpool = "";
  if (session.hasherReady) {
    options.onProgress?.({ type: "verify", direction: "download", file: plan.filename });
    whirlpool = await (await session.hasherReady).finish(plan.size);
  }
  await synced.catch((e) => {
    throw toLocalFileError(e, plan.work.part) ?? e;
  });
  await session.closeFile();
  if (session.hasherReady && whirlpool !== plan.expected) {
    // Never a wrong file: the bad bytes are dropped, and a rerun starts afresh.
    await rm(plan.work.part, { force: true });
    await removeDownloadJournal(plan.work.journal);
    throw new ChecksumMismatchError(
      `${plan.filename}: Whirlpool mismatch after download (expected ${plan.expected.slice(0, 16)}..., got ${whirlpool.slice(0, 16)}...)`,
      { expected: plan.expected, actual: whirlpool, localPath: plan.finalPath },
    );
  }
  if (!options.force && (await stat(plan.finalPath).catch(() => undefined))) {
    throw new DownloadRefusedError(`${plan.finalPath} appeared during the download`, {
      path: plan.finalPath,
      hint: `Pass --force to overwrite it; the downloaded bytes are kept in ${plan.work.part}.`,
    });
  }
  await rename(plan.work.part, plan.finalPath);
  await removeDownloadJournal(plan.work.journal);
  return whirlpool;
}
