// Local names for remote files and folders: safe (no path separators, no `.`/`..`), short enough for the
// local file system (NAME_MAX) with room for the working files, numbered when two remote files of one folder
// share a name, and never the name of fichier's working folder. Plus the one way to create an output folder.
import { constants as fsConstants } from "node:fs";
import { access, mkdir, stat } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { LOCAL_FS_ERRNO, LocalFileError, toLocalFileError } from "./errors.js";

/**
 * The folder, inside each output folder, that holds a download's working files (`NAME.part`,
 * `NAME.part.json` and the claim on them): a name fichier reserves, so that no remote file and no file of
 * the user's beside the download ever shares a name with a working file (docs/transfers.md "Working files").
 */
export const WORKING_FOLDER = ".fichier-partial";

/**
 * Whether a name is the working folder's, as the local file system compares names (case-insensitive ones
 * included: macOS, Windows).
 *
 * @example
 * isWorkingFolderName(".Fichier-Partial"); // true
 */
export function isWorkingFolderName(name: string): boolean {
  return name.toLowerCase() === WORKING_FOLDER;
}

/**
 * A local file name for a remote one: path separators and NUL replaced, `.`/`..`/empty refused, so a
 * hostile remote name can never write outside the output folder; the working folder's name (reserved) gets
 * a `_` for its leading dot.
 *
 * @example
 * localNameFor("a/b.txt"); // "a_b.txt"
 * localNameFor(".fichier-partial"); // "_fichier-partial"
 */
export function localNameFor(remoteName: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must go
  const cleaned = remoteName.replace(/[/\\\u0000]/g, "_");
  if (cleaned === "" || cleaned === "." || cleaned === "..") return "_";
  return isWorkingFolderName(cleaned) ? `_${cleaned.slice(1)}` : cleaned;
}

/**
 * Longest local file name, in UTF-8 bytes, that leaves room for the working files: NAME_MAX is 255 bytes on
 * Linux, macOS and Windows file systems; `NAME.part.json` adds 10 bytes and write-file-atomic's temporary
 * `NAME.part.json.<up to 10 digits>` 11 more.
 */
export const MAX_LOCAL_NAME_BYTES = 255 - ".part.json".length - 11;

/**
 * A local name of at most `maxBytes` UTF-8 bytes: the stem is cut on a character boundary and the extension
 * kept (unless the extension alone is too long, then the whole name is cut). Unchanged when it fits.
 *
 * @example
 * fitLocalName("日".repeat(100) + ".txt"); // 76 × "日" + ".txt" (232 bytes)
 */
export function fitLocalName(name: string, maxBytes = MAX_LOCAL_NAME_BYTES): string {
  const bytes = (t: string) => Buffer.byteLength(t, "utf8");
  if (bytes(name) <= maxBytes) return name;
  let ext = extname(name);
  if (bytes(ext) > 32 || ext === name) ext = "";
  const room = maxBytes - bytes(ext);
  let stem = "";
  let used = 0;
  // Iterating a string yields whole code points: a cut never splits a UTF-8 sequence.
  for (const ch of name.slice(0, name.length - ext.length)) {
    const n = bytes(ch);
    if (used + n > room) break;
    stem += ch;
    used += n;
  }
  return `${stem}${ext}`;
}

/**
 * The local name of a remote folder: safe (localNameFor) and within NAME_MAX (a folder has no working files
 * beside it, so the whole 255 bytes are its own).
 *
 * @example
 * localFolderName("a/b"); // "a_b"
 */
export function localFolderName(remote: string): string {
  return fitLocalName(localNameFor(remote), 255);
}

/**
 * The local name for a remote file in a folder where `taken` names are already used by this run: made safe
 * (localNameFor), shortened to fit (fitLocalName), and `name (2).ext`, `name (3).ext`... when two remote files
 * of one folder share a name. `note` is told when the name differs from the remote one.
 *
 * @example
 * uniqueLocalName("a.txt", new Set(["a.txt"]), () => {}); // "a (2).txt"
 */
export function uniqueLocalName(remote: string, taken: Set<string>, note: (message: string) => void): string {
  const base = fitLocalName(localNameFor(remote));
  let name = base;
  for (let n = 2; taken.has(name); n++) {
    const ext = extname(base) === base ? "" : extname(base);
    const suffix = ` (${n})`;
    name = `${fitLocalName(base.slice(0, base.length - ext.length), MAX_LOCAL_NAME_BYTES - Buffer.byteLength(suffix + ext))}${suffix}${ext}`;
  }
  taken.add(name);
  if (name !== base) note(`${remote}: another file of this folder has the same name; saved as ${name}`);
  else if (base !== localNameFor(remote)) {
    note(`${remote}: the name is too long for the local file system; saved as ${base}`);
  } else if (isWorkingFolderName(remote)) {
    note(`${remote}: fichier keeps its working files in a folder of that name; saved as ${base}`);
  }
  return name;
}

/**
 * Creates `dir` (and its parents); when that fails, names the real cause: the nearest existing ancestor
 * that is a file, or read-only, or not writable (mkdir -p on a read-only mount can report ENOENT).
 *
 * @throws LocalFileError
 * @example
 * await ensureFolder("out/sub");
 */
export async function ensureFolder(dir: string): Promise<void> {
  try {
    await makeParents(resolve(dir));
  } catch (e) {
    throw (await blockingAncestor(dir, e)) ?? toLocalFileError(e, dir) ?? unmakeable(e, dir) ?? e;
  }
  // An existing read-only or foreign folder: said now, not as a "not enough disk space" (a read-only mount
  // reports 0 bytes free) or a raw EROFS from open().
  const denied = await writeDenied(dir);
  if (denied && LOCAL_FS_ERRNO.has(denied)) throw new LocalFileError(denied, dir);
}

/**
 * `mkdir -p`, one level at a time from the nearest existing ancestor. Not `mkdir(dir, { recursive: true })`:
 * under a folder that refuses every mkdir with ENOENT (`/proc`, `/sys` on some kernels), Node 20's recursive
 * mkdir retries forever at full CPU.
 */
async function makeParents(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    const st = await stat(at).catch(() => undefined);
    if (st) break;
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const level of missing) {
    await mkdir(level).catch((e: NodeJS.ErrnoException) => {
      // Made meanwhile by another run: a folder is what was wanted.
      if (e.code !== "EEXIST") throw e;
    });
  }
}

/** A folder its existing parent refuses to hold (ENOENT from mkdir: `/proc`, `/sys`), as a local error. */
function unmakeable(e: unknown, dir: string): LocalFileError | undefined {
  const err = e as NodeJS.ErrnoException;
  if (err?.code !== "ENOENT" || err.syscall !== "mkdir") return undefined;
  return new LocalFileError("ENOENT", err.path ?? dir, { cause: e });
}

/** The nearest existing ancestor of `dir` that is a file or not writable, as the error naming it. */
async function blockingAncestor(dir: string, cause: unknown): Promise<LocalFileError | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    const st = await stat(at).catch(() => undefined);
    if (st) {
      if (!st.isDirectory()) return new LocalFileError("ENOTDIR", at, { cause });
      const denied = await writeDenied(at);
      return denied ? new LocalFileError(denied, at, { cause }) : undefined;
    }
    if (dirname(at) === at) return undefined;
  }
}

/** The errno that refuses writing in `dir`, if any. */
function writeDenied(dir: string): Promise<string | undefined> {
  return access(dir, fsConstants.W_OK).then(
    () => undefined,
    (a: NodeJS.ErrnoException) => a.code,
  );
}
