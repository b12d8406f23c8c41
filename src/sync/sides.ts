// The two sides of a sync as the plan takes them: the remote tree the index reads, turned into entries.
import type { TreeListing } from "../remote-index/remote-index.js";
import type { SyncSide } from "./plan.js";

/**
 * A remote tree (`index.tree(folderId)`) as a side of a sync: a folder read incompletely makes the side
 * `unreadable`, so no deletion trusts it.
 *
 * @example
 * ```ts
 * const remote = remoteSide(await index.tree(folderId, { includeDir: (p) => filter.includesDir(p) }));
 * ```
 */
export function remoteSide(tree: TreeListing, includeFile: (path: string) => boolean = () => true): SyncSide {
  const entries: SyncSide["entries"] = [
    ...tree.folders.map((f) => ({ path: f.path, kind: "dir" as const })),
    ...tree.files
      .filter((f) => includeFile(f.path))
      .map((f) => ({
        path: f.path,
        kind: "file" as const,
        size: f.size,
        whirlpool: f.whirlpool,
        url: f.url,
        date: f.date,
      })),
  ];
  return tree.complete
    ? { entries }
    : { entries, state: "unreadable", problems: tree.incomplete.map((p) => `/${p}`) };
}
