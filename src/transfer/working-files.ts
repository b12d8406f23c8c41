// Where a download keeps its bytes until they are verified: `.fichier-partial/NAME.part` and its journal
// `.fichier-partial/NAME.part.json`, in the output folder. The working folder's name is reserved (no remote
// file is ever saved under it, local-names.ts), so a working file never takes a name that a user's file or
// another remote file can hold: a remote `NAME.part` downloads like any other file, and a user's own
// `NAME.part` beside the download is never read, renamed or deleted. One run at a time holds a download's
// working files (a claim, claim.ts); the data file is created with O_EXCL.
import { rmdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { AbortedError } from "../api/errors.js";
import { holdClaim } from "./claim.js";
import { journalPathFor } from "./download-journal.js";
import { toLocalFileError } from "./errors.js";
import { ensureFolder, WORKING_FOLDER } from "./local-names.js";

/** The working files of one download. */
export interface WorkingFiles {
  /** The working folder (`<output folder>/.fichier-partial`). */
  dir: string;
  /** The bytes received so far, at their offsets. */
  part: string;
  /** The journal of completed ranges. */
  journal: string;
}

/**
 * The working files of the download whose final path is `finalPath`.
 *
 * @example
 * workingFilesFor("out/a.bin"); // { dir: "out/.fichier-partial", part: "out/.fichier-partial/a.bin.part", journal: ".../a.bin.part.json" }
 */
export function workingFilesFor(finalPath: string): WorkingFiles {
  const dir = join(dirname(finalPath), WORKING_FOLDER);
  const part = join(dir, `${basename(finalPath)}.part`);
  return { dir, part, journal: journalPathFor(part) };
}

/**
 * Claims a download's working files for this run (creating the working folder): another run downloading the
 * same file into the same folder waits here (`onWait` is told), and one killed mid-download is taken over
 * at once. `release()` gives them up and removes the working folder when nothing is left in it.
 *
 * @throws LocalFileError when the working folder cannot be made; AbortedError when `signal` aborts
 * @example
 * const claim = await claimWorkingFiles(workingFilesFor("out/a.bin"), { signal });
 * try { await download(); } finally { await claim.release(); }
 */
export async function claimWorkingFiles(
  work: WorkingFiles,
  options: { signal?: AbortSignal; onWait?: () => void },
): Promise<{ release(): Promise<void>; waited: boolean }> {
  if (options.signal?.aborted) throw new AbortedError();
  const claim = await holdClaim(work.part, {
    ...options,
    interrupted: "download interrupted: run the same command again to resume",
    failure: (e) => toLocalFileError(e, work.dir) ?? e,
    prepare: () => ensureFolder(work.dir),
  });
  return {
    waited: claim.waited,
    release: async () => {
      await claim.release();
      // Only when empty: an interrupted download's .part stays, and so does another run's claim.
      await rmdir(work.dir).catch(() => {});
    },
  };
}
