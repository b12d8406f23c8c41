/**
 * What the user typed where a file or folder is expected: a remote path (`/backups/2026`), a folder id (`123`),
 * a file URL (`https://1fichier.com/?abc`), or a public share URL (`https://1fichier.com/dir/xyz`). The pure
 * classification is separate from the resolution, which needs the client.
 */
import { ConflictError, NotFoundError } from "../api/errors.js";
import type { FileInfo, FileItem, FolderListing } from "../api/types.js";
import type { FichierClient } from "./context.js";
import { UsageError, withHint } from "./errors.js";

/** A classified command-line target. */
export type Target =
  | { kind: "file"; url: string }
  | { kind: "share"; url: string }
  | { kind: "folder-id"; id: number }
  | { kind: "path"; path: string };

/**
 * Classifies a command-line argument. Paths are normalised to start with `/`, without a trailing `/`.
 *
 * @example
 * classifyTarget("https://1fichier.com/?abc"); // { kind: "file", url: "https://1fichier.com/?abc" }
 * classifyTarget("backups//2026/"); // { kind: "path", path: "/backups/2026" }
 * classifyTarget("42"); // { kind: "folder-id", id: 42 }
 */
export function classifyTarget(arg: string): Target {
  const s = arg.trim();
  if (/^https?:\/\//i.test(s)) {
    // spec §3.3/§7.22: /dir/<hash> is a public share, a different namespace from folder ids.
    if (/^https?:\/\/[^/]+\/dir\/[^/?#]+/i.test(s)) return { kind: "share", url: s };
    return { kind: "file", url: s };
  }
  if (/^\d+$/.test(s)) return { kind: "folder-id", id: Number(s) };
  return { kind: "path", path: normalisePath(s) };
}

/**
 * A warning when the path a command creates is not the one typed: spaces at the ends of the argument are
 * dropped (1fichier refuses a name starting or ending with a space, DECISIONS "Errors"). Undefined when the
 * path is as typed (up to repeated or trailing slashes).
 *
 * @example
 * rewrittenPathNote("/trailing ", "/trailing"); // 'the name "/trailing " has spaces at its ends, ...'
 */
export function rewrittenPathNote(typed: string, path: string): string | undefined {
  if (typed.trim() === typed) return undefined;
  return `the name ${JSON.stringify(typed)} has spaces at its ends, which a 1fichier name cannot: it is ${path}`;
}

/**
 * `a//b/` -> `/a/b`; `""`, `.` and `/` -> `/`. `..` is refused: remote paths are absolute.
 *
 * @example
 * normalisePath("photos/2026/"); // "/photos/2026"
 */
export function normalisePath(p: string): string {
  const parts = p.split("/").filter((x) => x !== "" && x !== ".");
  if (parts.includes("..")) {
    throw new UsageError(
      `"${p}": ".." is not allowed in a remote path`,
      "give the full path from the root, e.g. /a/b",
    );
  }
  return `/${parts.join("/")}`;
}

/**
 * The parent folder and the last name of a normalised path.
 *
 * @example
 * splitPath("/a/b/c.txt"); // { parent: "/a/b", name: "c.txt" }
 */
export function splitPath(path: string): { parent: string; name: string } {
  const i = path.lastIndexOf("/");
  return { parent: i <= 0 ? "/" : path.slice(0, i), name: path.slice(i + 1) };
}

/** Joins a folder path and a name. */
export function joinPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** A resolved item: a file (by URL) or a folder (by id). */
export type Resolved =
  | { type: "file"; url: string; name: string; path?: string; folderId?: number; size?: number }
  | { type: "folder"; id: number; name: string; path?: string };

/** A folder listing with its files (never undefined here). */
export type FullListing = FolderListing & { items: FileItem[] };

/**
 * The folders this run has listed, each listed at most once and always the same way
 * (`folder/ls.cgi` with `files: 1`): 1fichier allows one listing per folder per 30 s (spec §2.1), and the
 * governor spaces any two listings of a folder, so resolving a path and then listing its files with a
 * different call would wait 30 s.
 */
export class FolderIndex {
  private readonly listings = new Map<number, Promise<FullListing>>();
  constructor(private readonly client: FichierClient) {}

  /** The folder's sub-folders and files, listed once per run. */
  list(id: number): Promise<FullListing> {
    let p = this.listings.get(id);
    if (!p) {
      p = this.client.folders
        .list({ folderId: id, files: true })
        .then((l) => ({ ...l, items: l.items ?? [] }));
      this.listings.set(id, p);
      p.catch(() => this.listings.delete(id));
    }
    return p;
  }

  /**
   * Walks a normalised path from the root to its folder id; with `create`, makes the missing folders.
   *
   * @throws NotFoundError naming the first missing folder
   */
  async resolve(path: string, create = false): Promise<number> {
    let id = 0;
    let walked = "";
    for (const name of path.split("/").filter(Boolean)) {
      const parentPath = walked || "/";
      walked += `/${name}`;
      const l = await this.list(id);
      const found = l.subFolders.find((f) => f.name === name);
      if (found) {
        id = found.id;
        continue;
      }
      if (create && l.items.some((i) => i.filename === name)) {
        throw new UsageError(
          `${walked} is a file, not a folder`,
          "give a folder path (the file's folder, or a new name)",
        );
      }
      if (!create) {
        throw new NotFoundError(`no folder named "${name}" in ${parentPath}`, {
          hint: `check the path with \`fichier ls ${parentPath}\`, or create it with \`fichier mkdir -p ${path}\``,
        });
      }
      let made: number;
      try {
        made = (await this.client.folders.create({ name, parentId: id })).folderId;
      } catch (e) {
        // Another process (a second `fichier upload --to` of the same tree) made it since our listing: list
        // the parent again and take theirs, as `mkdir -p` does.
        if (!(e instanceof ConflictError)) throw e;
        const again = await this.client.folders.list({ folderId: id, files: true, fresh: true });
        const theirs = again.subFolders.find((f) => f.name === name);
        if (!theirs) throw e;
        this.listings.set(id, Promise.resolve({ ...again, items: again.items ?? [] }));
        id = theirs.id;
        continue;
      }
      l.subFolders.push({ id: made, name, createDate: "", password: false });
      // A folder just made is empty: no need to list it.
      this.listings.set(
        made,
        Promise.resolve({
          folderId: made,
          name,
          createDate: "",
          password: false,
          shared: null,
          fileCount: 0,
          size: 0,
          subFolders: [],
          items: [],
        }),
      );
      id = made;
    }
    return id;
  }
}

const indexes = new WeakMap<object, FolderIndex>();

/** The run's {@link FolderIndex} for a client. */
export function folderIndex(client: FichierClient): FolderIndex {
  let i = indexes.get(client);
  if (!i) {
    i = new FolderIndex(client);
    indexes.set(client, i);
  }
  return i;
}

/** The folder id for a path or id (a file URL or a share URL is a usage error). */
export async function resolveFolderId(client: FichierClient, arg: string, create = false): Promise<number> {
  const t = classifyTarget(arg);
  if (t.kind === "folder-id") return t.id;
  if (t.kind === "file") {
    throw new UsageError(
      `${arg} is a file URL, not a folder`,
      "give a folder path such as /backups or a folder id",
    );
  }
  if (t.kind === "share") {
    throw new UsageError(
      `${arg} is a public share link, not one of your folders`,
      "use `fichier ls <share URL>` to list it, or give a folder path such as /backups",
    );
  }
  return folderIndex(client).resolve(t.path, create);
}

/**
 * The file at a remote path (`/a/b/c.txt`): matches the exact name in the parent folder's listing.
 *
 * @throws NotFoundError when no file of that name is in the folder
 */
export async function findFileByPath(
  client: FichierClient,
  path: string,
): Promise<{ url: string; name: string; folderId: number; size: number }> {
  const { parent, name } = splitPath(path);
  const index = folderIndex(client);
  const folderId = await index.resolve(parent);
  const hit = (await index.list(folderId)).items.find((f) => f.filename === name);
  if (!hit) {
    throw new NotFoundError(`no file or folder named "${name}" in ${parent}`, {
      hint: `check the name with \`fichier ls ${parent}\``,
    });
  }
  return { url: hit.url, name: hit.filename, folderId, size: hit.size };
}

/**
 * Resolves any target to a file or a folder. A path is tried as a folder first, then as a file in its parent.
 *
 * @example
 * await resolveItem(client, "/backups/db.sql"); // { type: "file", url: "https://1fichier.com/?...", ... }
 */
export async function resolveItem(client: FichierClient, arg: string): Promise<Resolved> {
  const t = classifyTarget(arg);
  switch (t.kind) {
    case "file":
      return { type: "file", url: t.url, name: t.url };
    case "folder-id":
      return { type: "folder", id: t.id, name: String(t.id) };
    case "share":
      throw new UsageError(
        `${arg} is a public share link, not one of your folders`,
        "use `fichier ls <share URL>` to list it, or give a folder path such as /backups",
      );
    case "path": {
      if (t.path === "/") return { type: "folder", id: 0, name: "", path: "/" };
      // The parent's one listing says whether the last name is a folder or a file.
      const { parent, name } = splitPath(t.path);
      const index = folderIndex(client);
      const parentId = await index.resolve(parent);
      const sub = (await index.list(parentId)).subFolders.find((f) => f.name === name);
      if (sub) return { type: "folder", id: sub.id, name, path: t.path };
      const f = await findFileByPath(client, t.path);
      return { type: "file", url: f.url, name: f.name, path: t.path, folderId: f.folderId, size: f.size };
    }
  }
}

/** Resolves a target that must be a file (URL or path). */
export async function resolveFile(
  client: FichierClient,
  arg: string,
): Promise<{ url: string; name: string; path?: string }> {
  const r = await resolveItem(client, arg);
  if (r.type === "folder") {
    throw new UsageError(`${arg} is a folder, not a file`, "give a file URL or the path of a file");
  }
  return r;
}

/**
 * `file/info.cgi` of a file given by URL, with the fix that fits a URL that is not (or no longer) there (the
 * client's own names the folder-id mix-up, which a file URL cannot be).
 *
 * @example
 * const info = await fileInfo(client, "https://1fichier.com/?abc", "secret");
 */
export async function fileInfo(client: FichierClient, url: string, password?: string): Promise<FileInfo> {
  try {
    return await client.files.info(password ? { url, password } : { url });
  } catch (e) {
    if (e instanceof NotFoundError) {
      throw withHint(
        e,
        "check the URL (`fichier ls -l --url FOLDER` lists files with theirs): the file may be deleted",
      );
    }
    throw e;
  }
}
