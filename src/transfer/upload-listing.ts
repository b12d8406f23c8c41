// The remote side of "is it already up there": folder listings, shared by every file of a tree (one listing
// per folder and run), and the match by name, size and Whirlpool.
import type { FileItem, UploadLink } from "../api/types.js";
import type { RemoteIndex } from "../remote-index/remote-index.js";
import { asFileItem } from "../remote-index/views.js";
import type { TransferClient } from "./client.js";

/** Folder listings fetched during one run, shared by every file of a tree (one listing per folder). */
export interface ListingCache {
  get(folderId: number): Promise<FileItem[]> | undefined;
  set?(folderId: number, items: Promise<FileItem[]>): void;
  delete?(folderId: number): void;
  /** When the folder's cached listing was asked for (ms), if it was: journal entries newer than it are not in it. */
  listedAt?(folderId: number): number | undefined;
  /**
   * end.pl's answers to earlier runs' requests, asked during this run, by `<node>/<upload id>`: the files of a
   * batch an earlier run left `sent` ask once for all of them.
   */
  endAnswers?: Map<string, Promise<UploadLink[] | undefined>>;
}

/**
 * The listings of a run that has the remote index (a tree's upload, a sync): each folder's files read from the
 * index, one view per folder while it stays fresh (a tree of many files reads the index once per folder, a
 * folder listed within the window costs no call), and the index's age of it for the journal's check.
 *
 * @example
 * await uploadBatch(client, { journal, listings: indexListings(index) }, files);
 */
export function indexListings(index: RemoteIndex): ListingCache {
  const views = new Map<number, Promise<FileItem[]>>();
  return {
    get: (folderId) => {
      let v = views.get(folderId);
      if (!v || !index.isFresh(folderId)) {
        v = index.list(folderId).then((view) => view.files.map(asFileItem));
        views.set(folderId, v);
        v.catch(() => views.delete(folderId));
      }
      return v;
    },
    listedAt: (folderId) => {
      const age = index.ageOf(folderId);
      return age === null ? undefined : Date.now() - age;
    },
    endAnswers: new Map(),
  };
}

/**
 * A folder's files, from the run's shared listing cache when there is one (`fresh` asks again).
 *
 * @example
 * const items = await listFolder(client, folderId, options.listings);
 */
export function listFolder(
  client: TransferClient,
  folderId: number,
  cache: ListingCache | undefined,
  fresh = false,
): Promise<FileItem[]> {
  const cached = fresh ? undefined : cache?.get(folderId);
  if (cached) return cached;
  const p = client.files.list({ folderId });
  if (cache?.set) cache.set(folderId, p);
  p.catch(() => {
    if (cache?.delete) cache.delete(folderId);
  });
  return p;
}

/**
 * A remote file matching a local one by name, size and Whirlpool (pure).
 *
 * @example
 * findRemoteMatch(await client.files.list({ folderId }), { name: "a.bin", size: 10, whirlpool: "19fa..." });
 */
export function findRemoteMatch(
  items: readonly FileItem[],
  file: { name: string; size: number; whirlpool: string },
): FileItem | undefined {
  const w = file.whirlpool.toLowerCase();
  return items.find(
    (i) => i.filename === file.name && i.size === file.size && i.checksum.toLowerCase() === w,
  );
}
