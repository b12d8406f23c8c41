/**
 * What the commands need around the one resolver (src/remote-index/resolver.ts, docs/index.md "References and
 * paths"): running a call on the file a reference names, going on once when the index's entry turns out stale
 * (a change made elsewhere), the labels of human lines, and the note for a path typed with spaces at its ends.
 */
import { isNotFoundError, NotFoundError } from "../api/errors.js";
import type { FileInfo } from "../api/types.js";
import type { RemoteIndex } from "../remote-index/remote-index.js";
import type { Resolved, ResolvedFile, ResolveOptions } from "../remote-index/resolver.js";
import { classifyTarget } from "../remote-index/targets.js";
import type { FichierClient } from "./context.js";
import { withHint } from "./errors.js";

/**
 * Resolves `arg` (any kind) and runs `use` on it. A file named by a path whose URL the service no longer knows
 * (`#469`: changed elsewhere since the index's entry) is resolved again after one new listing of its folder, with
 * a `stale` warning (`index.retryStale`); a file URL the index knew that is gone marks its folder for a new
 * listing. Anything else is `use`'s answer.
 *
 * @example
 * const moved = await onItem(index, "/a/x.txt", {}, (r) => move(r));
 */
export function onItem<T>(
  index: RemoteIndex,
  arg: string,
  opts: ResolveOptions,
  use: (r: Resolved) => Promise<T>,
): Promise<T> {
  return runResolved(index, arg, opts, () => index.resolve(arg, opts), fileOf, use);
}

/**
 * {@link onItem} for a reference that must be a file (a URL or a file's path): a folder or a share is a
 * WrongKindError (exit 2).
 *
 * @example
 * const info = await onFile(index, "/a/x.txt", {}, (f) => client.files.info({ url: f.url }));
 */
export function onFile<T>(
  index: RemoteIndex,
  arg: string,
  opts: ResolveOptions,
  use: (f: ResolvedFile) => Promise<T>,
): Promise<T> {
  return runResolved(
    index,
    arg,
    opts,
    () => index.resolveFile(arg, opts),
    (f) => f,
    use,
  );
}

function fileOf(r: Resolved): ResolvedFile | undefined {
  return r.type === "file" ? r : undefined;
}

async function runResolved<R, T>(
  index: RemoteIndex,
  arg: string,
  opts: ResolveOptions,
  resolve: () => Promise<R>,
  file: (r: R) => ResolvedFile | undefined,
  use: (r: R) => Promise<T>,
): Promise<T> {
  const first = await resolve();
  const f = file(first);
  if (f?.folderId === undefined || opts.cached) return use(first);
  const folderId = f.folderId;
  if (classifyTarget(arg).kind !== "path") {
    // The user's own URL: the answer stands, and the index's entry for it is not to be trusted any more.
    try {
      return await use(first);
    } catch (e) {
      if (isNotFoundError(e)) index.markStale(folderId);
      throw e;
    }
  }
  let again = false;
  const attempt = async (): Promise<T> => {
    const r = again ? await resolve() : first;
    again = true;
    return use(r);
  };
  return index.retryStale(folderId, attempt, f.path ?? arg);
}

/**
 * How a folder is named in a human line: its path, else `folder N` (an id the index cannot place).
 *
 * @example
 * folderLabel({ id: 42 }); // "folder 42"
 * folderLabel({ id: 42, path: "/backups" }); // "/backups"
 */
export function folderLabel(f: { id: number; path?: string | null }): string {
  return f.path ?? `folder ${f.id}`;
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
