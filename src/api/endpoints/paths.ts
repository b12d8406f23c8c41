// Path → folder id resolution (spec §9.6): walk `folder/ls.cgi` from the root, match names exactly
// (case-sensitive, decoded), create missing folders on request. Cached for the client's life.
import { ConflictError, InvalidNameError, NotFoundError } from "../errors.js";
import type { SubFolder } from "../types.js";
import { parseShareUrl, shareNotFolderError } from "../urls.js";
import type { FoldersApi } from "./folders.js";

export interface PathsApi {
  /**
   * Resolves `/backups/2026` (or `backups/2026`, or a numeric id like `"1234"`) to a folder id.
   * With `create`, missing folders are made. A `https://1fichier.com/dir/<hash>` share URL is refused
   * with a NotFoundError saying it is a share hash, not a folder id.
   * @example
   * ```ts
   * const id = await client.paths.resolveFolder("/backups/2026", { create: true });
   * ```
   */
  resolveFolder(pathOrId: string, opts?: { create?: boolean; signal?: AbortSignal }): Promise<number>;
  /** Forgets what was learnt about folders (the client calls it after folder moves and removals). */
  forget(): void;
  /** Records a folder the client just created, so a later walk needs no new listing. */
  learn(parentId: number, sub: SubFolder): void;
}

/**
 * Splits a folder path into names. Empty segments and `.` are dropped; `..` is refused.
 * @example
 * ```ts
 * splitPath("/backups//2026/"); // ["backups", "2026"]
 * ```
 */
export function splitPath(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new InvalidNameError(`${path}: ".." is not supported in 1fichier paths`, {
      hint: "Give the full path from the root, e.g. /backups/2026.",
    });
  }
  return parts;
}

export function pathsApi(folders: FoldersApi): PathsApi {
  // children of a folder id, as last listed or created by this client
  let children = new Map<number, SubFolder[]>();
  // names of the files in a folder, when a walk that may create folders listed it
  let fileNames = new Map<number, Set<string>>();
  let byPath = new Map<string, number>();

  async function childrenOf(id: number, signal?: AbortSignal, files = false): Promise<SubFolder[]> {
    const known = children.get(id);
    if (known && (!files || fileNames.has(id))) return known;
    const listing = await folders.list({
      folderId: id,
      ...(files ? { files: true } : {}),
      ...(signal ? { signal } : {}),
    });
    children.set(id, listing.subFolders);
    if (files) fileNames.set(id, new Set((listing.items ?? []).map((i) => i.filename)));
    return listing.subFolders;
  }

  return {
    forget() {
      children = new Map();
      fileNames = new Map();
      byPath = new Map();
    },
    learn(parentId, sub) {
      const known = children.get(parentId);
      if (known && !known.some((f) => f.id === sub.id)) children.set(parentId, [...known, sub]);
    },
    async resolveFolder(pathOrId, opts = {}) {
      const s = pathOrId.trim();
      if (/^\d{1,15}$/.test(s)) return Number(s);
      const hash = parseShareUrl(s);
      if (hash !== undefined) throw shareNotFolderError(s, hash);
      const names = splitPath(s);
      let id = 0;
      let walked = "";
      for (const name of names) {
        walked += `/${name}`;
        const cached = byPath.get(walked);
        if (cached !== undefined) {
          id = cached;
          continue;
        }
        // With create, the listing includes files: a path naming a file is refused, not made a folder.
        const subs = await childrenOf(id, opts.signal, opts.create === true);
        const found = subs.find((f) => f.name === name);
        if (found) {
          id = found.id;
        } else if (opts.create) {
          if (fileNames.get(id)?.has(name)) {
            throw new ConflictError(`${walked} is a file, not a folder`, {
              endpoint: "folder/ls.cgi",
              hint: "Give a folder path (the file's folder, or a new name), e.g. its parent folder.",
            });
          }
          let created: number;
          try {
            created = (
              await folders.create({ name, parentId: id, ...(opts.signal ? { signal: opts.signal } : {}) })
            ).folderId;
          } catch (e) {
            // Someone else made it meanwhile: list again (paced) and take theirs.
            if (!(e instanceof ConflictError)) throw e;
            const again = await folders.list({ folderId: id, fresh: true });
            children.set(id, again.subFolders);
            const theirs = again.subFolders.find((f) => f.name === name);
            if (!theirs) throw e;
            created = theirs.id;
          }
          // A folder we just made is empty: no need to list it.
          children.set(created, []);
          fileNames.set(created, new Set());
          id = created;
        } else {
          throw new NotFoundError(
            `No folder named ${JSON.stringify(name)} in ${walked.slice(0, -name.length - 1) || "/"}.`,
            {
              endpoint: "folder/ls.cgi",
              hint: "Check the path with `fichier ls`, or pass --create (mkdir -p) to make the missing folders.",
            },
          );
        }
        byPath.set(walked, id);
      }
      return id;
    },
  };
}
