// Reading one folder in full: `folder/ls.cgi` with files gives its sub-folders and up to 5 000 files (spec §12);
// past that, `file/ls.cgi` pages with `sent_after` read the rest. Each page is one more listing of the folder,
// under its spacing (30 s by default): docs/index.md, "Folders of more than 5 000 files".
import type { FilesApi } from "../api/endpoints/files.js";
import type { FoldersApi } from "../api/endpoints/folders.js";
import type { FileItem, FolderListing } from "../api/types.js";
import { shiftDate } from "./dates.js";
import { fileKey, LISTING_CAP } from "./ingest.js";

/** What the index needs of a client to read folders (a FichierClient has it). */
export interface IndexSource {
  folders: Pick<FoldersApi, "list" | "create">;
  files: Pick<FilesApi, "list">;
}

/** One folder, read as fully as the service allows. */
export interface FolderRead {
  /** When the first listing was sent (ms, after any wait for its slot). */
  startedAt: number;
  listing: FolderListing;
  /** Every file read, de-duplicated by file id. */
  files: FileItem[];
  /** Listings it took (1, plus one per `file/ls.cgi` page). */
  calls: number;
  /** Every file was read. */
  filesComplete: boolean;
  /** Every sub-folder was read (under 5 000 of them). */
  subFoldersComplete: boolean;
  /** Why the read is not complete, when it is not. */
  incomplete?: string;
}

/**
 * Reads a folder: one `folder/ls.cgi` with files, then `file/ls.cgi` pages while the answer was cut.
 *
 * Paging: each page asks for the files sent after the newest date seen minus one second (dates have
 * one-second resolution and the service compares them as strings, strictly), so files of that second are read
 * again and de-duplicated by id. It stops at a page under 5 000. If a full page holds only files of the newest
 * second, more than 5 000 files share that second and no date filter can reach past them: the read ends
 * incomplete, saying so. The service's order is taken to be by upload date (the emulator's, spec §7.5 leaves
 * it open); the folder's file count checks the result either way.
 *
 * @example
 * ```ts
 * const read = await readFolder(client, 42, { now: Date.now });
 * console.log(read.files.length, read.incomplete ?? "complete");
 * ```
 */
export async function readFolder(
  source: IndexSource,
  folderId: number,
  opts: { now: () => number; signal?: AbortSignal },
): Promise<FolderRead> {
  const signal = opts.signal ? { signal: opts.signal } : {};
  let startedAt = opts.now();
  // fresh: the index is the cache; a governor-cached answer could predate changes another process wrote.
  // Stamped when sent: a listing that waited for its slot is as old as its answer, not as the wait.
  const onSent = (at: number) => {
    startedAt = at;
  };
  const listing = await source.folders.list({ folderId, files: true, fresh: true, onSent, ...signal });
  const first = listing.items ?? [];
  const byId = new Map(first.map((i) => [fileKey(i.url), i]));
  let calls = 1;
  let filesWhy: string | undefined;
  if (first.length >= LISTING_CAP || first.length < listing.fileCount) {
    const paged = await readPages(source, folderId, newestDate(first), byId, signal);
    calls += paged.calls;
    filesWhy = paged.incomplete;
    if (!filesWhy && byId.size < listing.fileCount) {
      filesWhy = `read ${byId.size} of its ${listing.fileCount} files`;
    }
  }
  const subFoldersComplete = listing.subFolders.length < LISTING_CAP;
  const why = [
    filesWhy,
    subFoldersComplete ? undefined : `it has ${LISTING_CAP} sub-folders or more, and listings stop there`,
  ].filter((x) => x !== undefined);
  return {
    startedAt,
    listing,
    files: [...byId.values()],
    calls,
    filesComplete: filesWhy === undefined,
    subFoldersComplete,
    ...(why.length ? { incomplete: why.join("; ") } : {}),
  };
}

async function readPages(
  source: IndexSource,
  folderId: number,
  from: string | undefined,
  byId: Map<string, FileItem>,
  signal: { signal?: AbortSignal },
): Promise<{ calls: number; incomplete?: string }> {
  let cursor = from;
  let calls = 0;
  for (;;) {
    const after = cursor === undefined ? undefined : shiftDate(cursor, -1);
    if (cursor !== undefined && after === undefined) {
      return { calls, incomplete: `its files have an unreadable date (${cursor})` };
    }
    const page = await source.files.list({
      folderId,
      fresh: true,
      ...(after !== undefined ? { sentAfter: after } : {}),
      ...signal,
    });
    calls++;
    const before = byId.size;
    for (const i of page) byId.set(fileKey(i.url), i);
    if (page.length < LISTING_CAP) return { calls };
    const next = newestDate(page);
    if (next === undefined || (cursor !== undefined && next <= cursor) || byId.size === before) {
      return {
        calls,
        incomplete: `more than ${LISTING_CAP} of its files share the upload second ${cursor ?? next}`,
      };
    }
    cursor = next;
  }
}

function newestDate(items: FileItem[]): string | undefined {
  let max: string | undefined;
  for (const i of items) if (max === undefined || i.date > max) max = i.date;
  return max;
}
