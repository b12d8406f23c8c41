// Before sending: is this file already up there? An earlier run's journal entries (a crash, a lost end.pl
// answer, or simply a rerun of a whole tree) are settled first; then `--skip-existing` looks for the same
// name, size and Whirlpool in the folder, uploaded by anyone.
import { NotFoundError } from "../api/errors.js";
import type { UploadLink } from "../api/types.js";
import type { TransferClient } from "./client.js";
import type { LocalUpload, UploadResult, UploadRunOptions } from "./upload.js";
import { END_WINDOW_MS, pollEnd } from "./upload-confirm.js";
import { findEntries, type UploadJournal, type UploadJournalEntry } from "./upload-journal.js";
import { matchLinks } from "./upload-links.js";
import { findRemoteMatch, listFolder } from "./upload-listing.js";
import { reportUpload } from "./upload-request.js";

/** A copy of the file found up there: nothing needs sending. */
export interface Found {
  how: "journal" | "exists";
  url: string;
  whirlpool: string;
  /** The copy found has a password of its own. */
  hasPassword?: boolean;
}

/**
 * Finds the file already uploaded, by an earlier run (journal) or, with `skipExisting`, by anyone. `localHash`
 * hashes the local file (once) when a listing has a candidate of the same name and size.
 *
 * @example
 * const found = await findEarlier(client, options, file, localHash);
 * if (found) return settleFound(found);
 */
export async function findEarlier(
  client: TransferClient,
  options: UploadRunOptions,
  file: LocalUpload,
  localHash: () => Promise<string>,
): Promise<Found | undefined> {
  if (options.journal) {
    const found = await settleJournal(client, options, options.journal, file, localHash);
    if (found) return found;
  }
  if (!options.skipExisting) return undefined;
  const items = await listFolder(client, file.folderId, options.listings);
  if (!items.some((i) => i.filename === file.name && i.size === file.size)) return undefined;
  const whirlpool = await localHash();
  const match = findRemoteMatch(items, { name: file.name, size: file.size, whirlpool });
  return match ? { how: "exists", url: match.url, whirlpool, hasPassword: match.password } : undefined;
}

/**
 * An earlier run of this upload that did not finish (or finished: a rerun of a whole tree). Entries that
 * prove to be up there are marked done and the copy is returned; the others are removed.
 */
async function settleJournal(
  client: TransferClient,
  options: UploadRunOptions,
  journal: UploadJournal,
  file: LocalUpload,
  localHash: () => Promise<string>,
): Promise<Found | undefined> {
  const { path: localPath, name: remoteName, folderId, size, mtimeMs } = file;
  const earlier = findEntries(await journal.entries(), { localPath, remoteName, folderId, size, mtimeMs });
  if (earlier.length === 0) return undefined;
  const answered = await askEndAgain(client, options, journal, file, earlier);
  if (answered) return answered;
  let rest = earlier;
  if (!options.listings) {
    const confirmed = await confirmByInfo(client, journal, file, earlier);
    if (confirmed) return confirmed;
    rest = earlier.filter((e) => e.state !== "done");
  } else {
    // Done after this run listed the folder (another process, waited for in claim()): the cached listing
    // cannot show it, and end.pl confirmed its Whirlpool moments ago.
    const listedAt = options.listings.listedAt?.(folderId);
    const newer = earlier.find(
      (e) => e.state === "done" && e.url && e.whirlpool && listedAt !== undefined && e.updatedAt >= listedAt,
    );
    if (newer) return { how: "journal", url: newer.url!, whirlpool: newer.whirlpool! };
  }
  return rest.length > 0
    ? await confirmByListing(client, options, journal, file, rest, localHash)
    : undefined;
}

/**
 * A lost end.pl answer: asked once more (no long polling here). The files of one batch share the answer: a
 * run asks end.pl once per request (`listings.endAnswers`).
 */
async function askEndAgain(
  client: TransferClient,
  options: UploadRunOptions,
  journal: UploadJournal,
  file: LocalUpload,
  earlier: UploadJournalEntry[],
): Promise<Found | undefined> {
  for (const e of earlier) {
    if (e.state !== "sent" || !e.whirlpool || Date.now() - e.updatedAt >= END_WINDOW_MS) continue;
    const links = await endAnswer(client, options, { host: e.node, id: e.uploadId });
    const [link] = matchLinks(links ?? [], [{ name: file.name, size: file.size, whirlpool: e.whirlpool }]);
    if (link && link.whirlpool.toLowerCase() === e.whirlpool.toLowerCase()) {
      await journal.patch(e.id, { state: "done", url: link.download });
      return { how: "journal", url: link.download, whirlpool: e.whirlpool };
    }
  }
  return undefined;
}

/** end.pl's links for an earlier request, asked once (shared by the run when it keeps `endAnswers`). */
function endAnswer(
  client: TransferClient,
  options: UploadRunOptions,
  server: { host: string; id: string },
): Promise<UploadLink[] | undefined> {
  const memo = options.listings?.endAnswers;
  const key = `${server.host}/${server.id}`;
  const known = memo?.get(key);
  if (known) return known;
  const signal = options.signal ? { signal: options.signal } : {};
  const asked = pollEnd(client, server, key, { endTimeoutMs: 0, ...signal }).catch(() => undefined);
  memo?.set(key, asked);
  return asked;
}

/**
 * A single file: one file/info call on the recorded URL costs less than a folder listing (1 per 30 s per
 * folder). In a tree (shared listings), the one listing per folder is used instead: many file/info calls get
 * accounts locked (spec §7.6, JD: "Owner locked #649").
 */
async function confirmByInfo(
  client: TransferClient,
  journal: UploadJournal,
  file: LocalUpload,
  earlier: UploadJournalEntry[],
): Promise<Found | undefined> {
  for (const e of earlier.filter((x) => x.state === "done" && x.url && x.whirlpool)) {
    const info = await client.files.info({ url: e.url! }).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (info && info.size === file.size && info.checksum.toLowerCase() === e.whirlpool!.toLowerCase()) {
      return { how: "journal", url: e.url!, whirlpool: e.whirlpool!, hasPassword: info.password };
    }
    await journal.remove(e.id);
  }
  return undefined;
}

/** The folder's listing decides for entries still unconfirmed: found, they are done; not found, removed. */
async function confirmByListing(
  client: TransferClient,
  options: UploadRunOptions,
  journal: UploadJournal,
  file: LocalUpload,
  rest: UploadJournalEntry[],
  localHash: () => Promise<string>,
): Promise<Found | undefined> {
  const items = await listFolder(client, file.folderId, options.listings);
  if (items.some((i) => i.filename === file.name && i.size === file.size)) {
    const whirlpool = rest.find((e) => e.whirlpool)?.whirlpool ?? (await localHash());
    const match = findRemoteMatch(items, { name: file.name, size: file.size, whirlpool });
    if (match) {
      for (const e of rest) await journal.patch(e.id, { state: "done", url: match.url, whirlpool });
      return { how: "journal", url: match.url, whirlpool, hasPassword: match.password };
    }
  }
  for (const e of rest) await journal.remove(e.id);
  return undefined;
}

/**
 * The copy found needs no bytes; asked for a password this time, it gets this one.
 *
 * @example
 * const found = await findEarlier(client, options, file, localHash);
 * if (found) return await settleFound(client, options, file, found);
 */
export async function settleFound(
  client: TransferClient,
  options: UploadRunOptions,
  file: LocalUpload,
  found: Found,
): Promise<UploadResult> {
  // The copy found (uploaded earlier without a password, or with another one) gets the password asked for,
  // rather than being left open, keeping a password the user does not know of, or being uploaded again.
  if (options.password) {
    await client.files.setAttributes({ urls: [found.url], password: options.password });
    options.onWarning?.(
      `${file.name}: already uploaded (${found.url}); the password given was set on that copy${found.hasPassword ? " (replacing its own)" : ""}`,
    );
  }
  return reportUpload(options, file, { url: found.url, whirlpool: found.whirlpool, skipped: found.how });
}
