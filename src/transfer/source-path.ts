// The one rule for what a folder named as a transfer's source means, shared by upload, download (and sync):
// rsync's. `dir/` (a trailing slash) means the folder's contents, copied straight into the destination;
// `dir` means the folder itself, recreated inside the destination under its own name.
import { sep } from "node:path";

/** A source path, and whether its folder's contents (not the folder itself) are meant. */
export interface SourcePath {
  /** The path without its trailing slashes (`/` stays `/`). */
  path: string;
  /** True when the path ended with a slash: the contents go straight into the destination. */
  contents: boolean;
}

/**
 * Reads a source path with rsync's rule: `photos/` copies what is in photos into the destination,
 * `photos` copies photos itself (destination/photos/...). Local and remote paths alike.
 *
 * @example
 * sourcePath("photos/"); // { path: "photos", contents: true }
 * sourcePath("/backups/2026"); // { path: "/backups/2026", contents: false }
 */
export function sourcePath(arg: string): SourcePath {
  const contents = arg.endsWith("/") || arg.endsWith(sep);
  let path = arg;
  while (path.length > 1 && (path.endsWith("/") || path.endsWith(sep))) path = path.slice(0, -1);
  return { path, contents };
}
