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
  constructor(message: string, details: { path: string; hint?: string }) {
    super(message, {
      retryable: false,
      hint: details.hint ?? "Leave this file out, or fix it, and run the command again.",
    });
    this.path = details.path;
  }
}

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
