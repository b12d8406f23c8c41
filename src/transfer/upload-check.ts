// What may be uploaded at all, decided before a byte is sent (spec §7.3, §5; DECISIONS.md "Transfers").
import { access, constants, lstat, stat } from "node:fs/promises";
import { InvalidNameError } from "../api/errors.js";
import { encodeName } from "../api/names.js";
import { UploadRefusedError } from "./errors.js";

/** spec §7.3: each file at most 300 GB (rclone refuses above 300e9 bytes). */
export const MAX_FILE_BYTES = 300e9;

/**
 * Checks that a local file can be uploaded: readable, a regular file, not empty (1fichier drops empty file
 * parts, DECISIONS.md "Transfers"), at most 300 GB (spec §7.3), and a name the client can encode (spec §5).
 * The error's `reason` says which (a tree skips `empty`, `special` and `dangling` entries).
 *
 * @throws UploadRefusedError naming the cause and the fix
 * @example
 * const { size, mtimeMs } = await checkUploadable("a.bin", "a.bin");
 */
export async function checkUploadable(
  path: string,
  remoteName: string,
): Promise<{ size: number; mtimeMs: number }> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
    await access(path, constants.R_OK);
  } catch (e) {
    throw await unreadable(path, e);
  }
  if (!st.isFile()) {
    throw new UploadRefusedError(`${path} is not a regular file`, {
      path,
      hint: "Upload regular files or folders.",
      reason: "special",
    });
  }
  checkSize(path, st.size);
  checkName(path, remoteName);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * Checks an upload whose bytes come from a stream (`fichier serve`'s PUT) before a byte is sent: not empty, at
 * most 300 GB, a name the client can encode. `source` names it in the message.
 *
 * @throws UploadRefusedError naming the cause and the fix
 * @example
 * checkStreamUploadable("/films/a.mkv", "a.mkv", 1234);
 */
export function checkStreamUploadable(source: string, remoteName: string, size: number): void {
  checkSize(source, size);
  checkName(source, remoteName);
}

/** Not empty (1fichier drops empty file parts), at most 300 GB (spec §7.3). */
function checkSize(path: string, size: number): void {
  if (size === 0) {
    throw new UploadRefusedError(`${path} is empty: 1fichier drops empty files`, {
      path,
      hint: "Leave empty files out (or put something in them).",
      reason: "empty",
    });
  }
  if (size > MAX_FILE_BYTES) {
    throw new UploadRefusedError(
      `${path} is over 300 GB (${size} bytes), the most 1fichier accepts per file`,
      {
        path,
        hint: "Split it (for example with `split -b 100G`) and upload the parts.",
        reason: "too-large",
      },
    );
  }
}

/** Why a path cannot be read: a symbolic link to nothing, or the system's reason. */
async function unreadable(path: string, e: unknown): Promise<UploadRefusedError> {
  const code = (e as NodeJS.ErrnoException).code;
  if (
    (code === "ENOENT" || code === "ELOOP") &&
    (await lstat(path).catch(() => undefined))?.isSymbolicLink()
  ) {
    return new UploadRefusedError(
      `${path} is a symbolic link that leads nowhere (its target is missing or loops)`,
      {
        path,
        hint: "Fix or remove the link.",
        reason: "dangling",
      },
    );
  }
  const why =
    code === "ENOENT"
      ? "no such file"
      : code === "EACCES"
        ? "permission denied"
        : (code ?? (e as Error).message);
  return new UploadRefusedError(`${path} cannot be read (${why})`, {
    path,
    hint: "Check the path and its permissions.",
    reason: "unreadable",
  });
}

function checkName(path: string, remoteName: string): void {
  try {
    encodeName(remoteName);
  } catch (e) {
    throw new UploadRefusedError(`${path}: the name cannot be stored on 1fichier (${(e as Error).message})`, {
      path,
      hint: e instanceof InvalidNameError ? e.hint : "Rename the file.",
      reason: "bad-name",
    });
  }
}
