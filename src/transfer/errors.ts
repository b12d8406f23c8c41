// Errors of the transfer layer. They extend the client's FichierError so the CLI maps them like any other
// (src/cli/exit-codes.ts: ChecksumMismatchError -> exit 8).
import { FichierError, type FichierErrorInit } from "../api/errors.js";

/**
 * The Whirlpool of the bytes sent or received differs from the one 1fichier reports (spec §4.1).
 * For an upload, `remoteUrl` names the bad remote copy (left in place so the user can inspect or delete it);
 * for a download, the `.part` file is kept and the final name is never written.
 *
 * @example
 * if (e instanceof ChecksumMismatchError) console.error(e.message, e.remoteUrl);
 */
export class ChecksumMismatchError extends FichierError {
  override name = "ChecksumMismatchError";
  readonly expected: string;
  readonly actual: string;
  readonly remoteUrl?: string;
  readonly localPath?: string;

  constructor(
    message: string,
    details: { expected: string; actual: string; remoteUrl?: string; localPath?: string },
    init: FichierErrorInit = {},
  ) {
    super(message, {
      ...init,
      retryable: false,
      hint:
        init.hint ??
        (details.remoteUrl
          ? `Delete the bad copy (fichier rm ${details.remoteUrl}) and upload again; check the local disk and memory if it repeats.`
          : "Download it again with --force; if it repeats, the copy stored on 1fichier is damaged."),
    });
    this.expected = details.expected;
    this.actual = details.actual;
    if (details.remoteUrl !== undefined) this.remoteUrl = details.remoteUrl;
    if (details.localPath !== undefined) this.localPath = details.localPath;
  }
}

/**
 * A local file cannot be uploaded as it is: empty (1fichier drops 0-byte parts, DECISIONS.md "Transfers"),
 * over 300 GB (spec §7.3), a name that cannot be encoded (spec §5), or unreadable.
 *
 * @example
 * throw new UploadRefusedError("empty.txt is empty: 1fichier drops empty files", { path: "empty.txt" });
 */
export class UploadRefusedError extends FichierError {
  override name = "UploadRefusedError";
  readonly path: string;
  /** Why, as a word a program can test: `empty`, `special` (not a regular file), `dangling` (a link to nothing)... */
  readonly reason: UploadRefusal;
  constructor(message: string, details: { path: string; hint?: string; reason?: UploadRefusal }) {
    super(message, {
      retryable: false,
      hint: details.hint ?? "Leave this file out, or fix it, and run the command again.",
    });
    this.path = details.path;
    this.reason = details.reason ?? "other";
  }
}

/**
 * Why a local file cannot be uploaded. Inside a folder tree, `empty`, `special` and `dangling` entries are
 * skipped with a warning (a tree holding one must not fail every run); named on the command line, they are
 * errors.
 */
export type UploadRefusal =
  | "empty"
  | "special"
  | "dangling"
  | "unreadable"
  | "too-large"
  | "bad-name"
  | "other";

/**
 * A download would overwrite an existing file, or does not fit on the disk.
 *
 * @example
 * throw new DownloadRefusedError("out/a.bin exists", { path: "out/a.bin", hint: "pass --force to overwrite it" });
 */
export class DownloadRefusedError extends FichierError {
  override name = "DownloadRefusedError";
  readonly path: string;
  constructor(message: string, details: { path: string; hint: string }) {
    super(message, { retryable: false, hint: details.hint });
    this.path = details.path;
  }
}

/**
 * The state folder (upload journal, governor budget) cannot be used: it is a file, or cannot be created.
 * Without it a rerun could not recognise an interrupted upload, so nothing is sent.
 *
 * @example
 * throw new StateFolderError("/tmp/x", "ENOTDIR");
 */
export class StateFolderError extends FichierError {
  override name = "StateFolderError";
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`the state folder ${path} is not a folder fichier can write to (${reason})`, {
      retryable: false,
      hint: "Point FICHIER_STATE_DIR at a writable folder, or unset it to use the default.",
    });
    this.path = path;
  }
}

/** errno codes that mean the local disk or file system refused, never the network: no retry helps. */
export const LOCAL_FS_ERRNO: ReadonlySet<string> = new Set([
  "ENOSPC",
  "EDQUOT",
  "EROFS",
  "EACCES",
  "EPERM",
  "EISDIR",
  "ENOTDIR",
  "ENAMETOOLONG",
  "EMFILE",
  "ENFILE",
  "EFBIG",
  "EIO",
  "ELOOP",
  "EEXIST",
]);

/** Cause and fix for each local errno, `%s` standing for the path. */
const LOCAL_FS_TEXT: Record<string, [cause: string, fix: string]> = {
  ENOSPC: ["disk full writing %s", "free some space or choose another folder with -o"],
  EDQUOT: ["disk quota exceeded writing %s", "free some space or choose another folder with -o"],
  EROFS: ["%s is on a read-only file system", "choose a writable folder with -o"],
  EACCES: ["permission denied writing %s", "fix the folder's permissions or choose another folder with -o"],
  EPERM: ["permission denied writing %s", "fix the folder's permissions or choose another folder with -o"],
  EISDIR: ["%s is a folder, not a file", "move that folder away or choose another folder with -o"],
  ENOTDIR: ["a part of the path %s is a file, not a folder", "choose another folder with -o"],
  ENAMETOOLONG: ["the path %s is too long for the local file system", "choose a shorter folder with -o"],
  EMFILE: ["too many open files writing %s", "raise the limit (ulimit -n) or pass fewer --connections"],
  ENFILE: ["too many open files writing %s", "raise the limit (ulimit -n) or pass fewer --connections"],
  EFBIG: ["%s is too large for the local file system", "choose a folder on another file system with -o"],
  EIO: ["input/output error writing %s", "check the disk, or choose another folder with -o"],
  ELOOP: ["too many symbolic links in %s", "choose another folder with -o"],
  EEXIST: ["%s already exists", "move it away or choose another folder with -o"],
  // Only from making a folder (local-names.ts): its parent exists but holds no new folders (/proc, /sys).
  ENOENT: ["the folder %s cannot be made there", "choose another folder with -o"],
};

/**
 * The local disk or file system refused a write (full, read-only, no permission, a folder in the way, a name
 * too long...). Not network trouble: nothing is retried, and the CLI exits 1. `errno` is the system code
 * (`ENOSPC`...); `path` the local path concerned.
 *
 * @example
 * throw new LocalFileError("ENOSPC", "out/a.bin.part"); // "disk full writing out/a.bin.part"
 */
export class LocalFileError extends FichierError {
  override name = "LocalFileError";
  readonly errno: string;
  readonly path: string;
  constructor(errno: string, path: string, init: { cause?: unknown } = {}) {
    const [cause, fix] = LOCAL_FS_TEXT[errno] ?? [
      `cannot write %s (${errno})`,
      "choose another folder with -o",
    ];
    super(cause.replace("%s", path), { retryable: false, hint: fix, ...init });
    this.errno = errno;
    this.path = path;
  }
}

/**
 * A {@link LocalFileError} for a Node file-system error whose code is a local one ({@link LOCAL_FS_ERRNO}),
 * else undefined (network and other errors are left alone).
 *
 * @example
 * toLocalFileError(Object.assign(new Error("x"), { code: "ENOSPC", syscall: "write" }), "a.part"); // LocalFileError
 */
export function toLocalFileError(e: unknown, fallbackPath: string): LocalFileError | undefined {
  if (e instanceof LocalFileError) return e;
  if (typeof e !== "object" || e === null || e instanceof FichierError) return undefined;
  const err = e as { code?: unknown; syscall?: unknown; path?: unknown };
  if (typeof err.code !== "string" || !LOCAL_FS_ERRNO.has(err.code)) return undefined;
  // Only file-system calls count: a socket's EACCES/EPERM (connect, bind...) is not about the disk.
  if (
    typeof err.syscall !== "string" ||
    /^(connect|getaddrinfo|bind|listen|accept|socket)$/.test(err.syscall)
  ) {
    return undefined;
  }
  const path = typeof err.path === "string" ? err.path : fallbackPath;
  return new LocalFileError(err.code, path, { cause: e });
}
