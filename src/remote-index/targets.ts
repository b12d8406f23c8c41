// What the user typed where a remote file or folder is expected, classified by one rule each (docs/index.md,
// "References"), and the one set of remote path rules. Pure: resolution needs the index (resolver.ts).
import { InvalidNameError, InvalidUrlError } from "../api/errors.js";
import { parseFileUrl, parseShareUrl } from "../api/urls.js";

/** A classified reference. */
export type Target =
  | { kind: "path"; path: string }
  | { kind: "folder-id"; id: number }
  | { kind: "file"; url: string; id: string }
  | { kind: "share"; url: string; hash: string };

/** Folder ids are whole numbers; 15 digits stay exact in a JS number (2^53 has 16). */
const MAX_ID_DIGITS = 15;

/**
 * Classifies a reference:
 * - `http://` or `https://` → a public share (`/dir/<hash>` on a 1fichier domain) or a file URL (any form
 *   `parseFileUrl` takes); any other URL is an InvalidUrlError;
 * - only digits → a folder id (at most 15 digits, root 0); to name a folder called `2026`, write `/2026`;
 * - anything else → a remote path from the root (`backups/2026` = `/backups/2026`).
 *
 * @example
 * ```ts
 * classifyTarget("https://1fichier.com/?abcde12345"); // { kind: "file", url: "https://1fichier.com/?abcde12345", id: "abcde12345" }
 * classifyTarget("42"); // { kind: "folder-id", id: 42 }
 * classifyTarget("backups//2026/"); // { kind: "path", path: "/backups/2026" }
 * ```
 * @throws InvalidUrlError for a URL that is neither, or a folder id over 15 digits
 * @throws InvalidNameError for a path with `..`
 */
export function classifyTarget(arg: string): Target {
  const s = arg.trim();
  if (/^https?:\/\//i.test(s)) {
    const hash = parseShareUrl(s);
    if (hash !== undefined) return { kind: "share", url: s, hash };
    const f = parseFileUrl(s);
    return { kind: "file", url: f.url, id: f.id };
  }
  if (/^\d+$/.test(s)) {
    if (s.length > MAX_ID_DIGITS) {
      throw new InvalidUrlError(`${s} is not a folder id (ids have at most ${MAX_ID_DIGITS} digits).`, {
        hint: `To name a folder called ${s}, give it as a path: /${s}.`,
      });
    }
    return { kind: "folder-id", id: Number(s) };
  }
  return { kind: "path", path: normalisePath(s) };
}

/**
 * The names of a remote path, from the root: empty segments and `.` are dropped; `..` is refused (remote
 * paths are absolute, and a parent of the root has no meaning).
 *
 * @example
 * ```ts
 * pathSegments("/backups//./2026/"); // ["backups", "2026"]
 * ```
 * @throws InvalidNameError for `..`
 */
export function pathSegments(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new InvalidNameError(`${JSON.stringify(path)}: ".." is not allowed in a remote path`, {
      hint: "Give the full path from the root, e.g. /backups/2026.",
    });
  }
  return parts;
}

/**
 * The normal form of a remote path: a leading `/`, no trailing `/`, no empty or `.` segment.
 *
 * @example
 * ```ts
 * normalisePath("photos/./2026/"); // "/photos/2026"
 * normalisePath(""); // "/"
 * ```
 */
export function normalisePath(path: string): string {
  return `/${pathSegments(path).join("/")}`;
}

/**
 * The parent folder and the last name of a normalised path (the root's parent is itself, with name "").
 *
 * @example
 * ```ts
 * parentAndName("/a/b/c.txt"); // { parent: "/a/b", name: "c.txt" }
 * ```
 */
export function parentAndName(path: string): { parent: string; name: string } {
  const i = path.lastIndexOf("/");
  return { parent: i <= 0 ? "/" : path.slice(0, i), name: path.slice(i + 1) };
}

/**
 * Joins a normalised folder path and a name.
 *
 * @example
 * ```ts
 * joinRemotePath("/", "x"); // "/x"
 * joinRemotePath("/a", "x"); // "/a/x"
 * ```
 */
export function joinRemotePath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}
