// Resuming a download: what an earlier, interrupted run left in the working files (the .part and its journal
// of completed ranges), and the journal kept up to date while this run fetches, so that a crash costs at most
// the bytes of the last second.
import type { FileHandle } from "node:fs/promises";
import { rm, stat } from "node:fs/promises";
import {
  type DownloadJournal,
  journalMatches,
  overwriteDownloadJournal,
  readDownloadJournal,
  removeDownloadJournal,
  writeDownloadJournal,
} from "./download-journal.js";
import { LocalFileError, toLocalFileError } from "./errors.js";
import type { ByteRange } from "./segments.js";
import type { WorkingFiles } from "./working-files.js";

/**
 * The ranges an earlier run of this download completed, read from its journal: used only when the journal is
 * sound and describes the same remote file (URL, size, Whirlpool). Otherwise the working files are removed (a
 * warning says why) and the download starts over: never a wrong file.
 *
 * @example
 * const completed = await resumeFrom(work, { url, size, checksum }, warn); // [] when starting afresh
 */
export async function resumeFrom(
  work: WorkingFiles,
  file: { url: string; size: number; checksum: string },
  warn: (message: string) => void,
): Promise<ByteRange[]> {
  let completed: ByteRange[] = [];
  const read = await readDownloadJournal(work.journal);
  const partStat = await stat(work.part).catch(() => undefined);
  if (read.state === "ok" && partStat?.isFile()) {
    if (journalMatches(read.journal, { ...file, checksum: file.checksum || read.journal.checksum })) {
      completed = read.journal.completed;
    } else {
      warn(`${work.part}: the remote file changed since the interrupted download; starting over`);
    }
  } else if (read.state === "corrupt") {
    warn(`${work.journal} is damaged (${read.reason}); starting the download over`);
  } else if (read.state === "unreadable") {
    warn(`could not read ${work.journal} (${read.reason}); starting the download over`);
  }
  if (completed.length === 0) {
    // Ours to remove: the working folder holds nothing but working files of this claimed download.
    await rm(work.part, { force: true });
    await removeDownloadJournal(work.journal);
  }
  return completed;
}

/**
 * Keeps a download's journal up to date. Each write first flushes the data it describes (`fdatasync`), so the
 * journal never lists a hole as data. A full disk stops the download (`onDiskFull`), keeping the last good
 * journal, rewritten in place; any other failure is warned about once and the download goes on, not
 * resumable.
 *
 * @example
 * const writer = new JournalWriter(fd, work, journal, () => completed, warn, (e) => abort(e));
 * await writer.flush();
 */
export class JournalWriter {
  private chain: Promise<void> = Promise.resolve();
  private warned = false;
  private flushing = false;
  private nextPeriodicAt = 0;
  /** Set when the disk is full: the download stops (the last good journal stays for a resume). */
  diskFull: LocalFileError | undefined;

  constructor(
    private readonly fd: FileHandle,
    private readonly work: WorkingFiles,
    private readonly base: Omit<DownloadJournal, "completed">,
    private readonly completed: () => ByteRange[],
    private readonly warn: (message: string) => void,
    private readonly onDiskFull: (e: LocalFileError) => void,
  ) {}

  /** Writes the journal with the ranges completed now, after the writes before it. */
  flush(): Promise<void> {
    const snapshot = this.completed();
    this.chain = this.chain
      .then(async () => {
        await this.fd.datasync();
        await writeDownloadJournal(this.work.journal, { ...this.base, completed: snapshot });
      })
      .catch((e) => this.failed(e, snapshot));
    return this.chain;
  }

  /**
   * The periodic write. It makes the download wait for the disk, so when the disk is slower than the link it
   * backs off: the next one comes no sooner than four times the last one took (at most ~20 % of the time
   * spent flushing), and never two at once.
   */
  periodic(): void {
    if (this.flushing || performance.now() < this.nextPeriodicAt) return;
    this.flushing = true;
    const t0 = performance.now();
    void this.flush().finally(() => {
      this.flushing = false;
      const now = performance.now();
      this.nextPeriodicAt = now + 4 * (now - t0);
    });
  }

  /** Resolves once the writes already asked for are done. */
  settled(): Promise<void> {
    return this.chain;
  }

  private async failed(e: unknown, snapshot: ByteRange[]): Promise<void> {
    const local = toLocalFileError(e, this.work.journal);
    if (local && (local.errno === "ENOSPC" || local.errno === "EDQUOT")) {
      // The disk of the .part is full: named by the .part, not by write-file-atomic's temporary file.
      this.diskFull ??= new LocalFileError(local.errno, this.work.part, { cause: e });
      this.onDiskFull(this.diskFull);
      // No room for a new file, but the journal's own block is there: rewritten in place, the bytes
      // already on disk stay resumable.
      await overwriteDownloadJournal(this.work.journal, { ...this.base, completed: snapshot }).catch(
        () => {},
      );
      return;
    }
    // Once, not at every periodic write.
    if (this.warned) return;
    this.warned = true;
    this.warn(
      `could not write ${this.work.journal} (${local?.errno ?? (e as Error).message}): an interrupted download will start over`,
    );
  }
}
