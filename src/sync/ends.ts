// The two ends of `sync` and `check` as the user wrote them: which one is on this machine and which on
// 1fichier (docs/sync.md, "Which side is which"), and the refusals that need no call: both ends on one side,
// the same folder twice, one inside the other. The trailing-slash rule is the one of upload and download
// (`sourcePath`).
import { lstat, realpath } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { FichierError } from "../api/errors.js";
import { normalisePath } from "../remote-index/targets.js";
import { sourcePath } from "../transfer/source-path.js";

/** Written before a path, it says the path is on 1fichier: `fichier:/backups/photos`, `fichier:42`. */
export const REMOTE_PREFIX = "fichier:";

/** One end of a sync: a local folder or a remote folder reference (a path or a folder id). */
export type SyncEnd = { kind: "local"; path: string } | { kind: "remote"; ref: string };

/** Both ends, the direction, and whether the source's contents (not the folder itself) are meant. */
export interface SyncEnds {
  direction: "upload" | "download";
  source: SyncEnd;
  destination: SyncEnd;
  /** `photos/` (a trailing slash): the contents go straight into the destination (rsync's rule). */
  contents: boolean;
}

/**
 * `sync` or `check` cannot run as written: both ends on one side, the same folder twice, one inside the other,
 * an end that cannot be told local or remote, a file where a folder is needed, or the deletion guards. The
 * command line maps it to exit 2 (usage); nothing was changed.
 *
 * @example
 * ```ts
 * if (e instanceof SyncRefusedError) console.error(e.message, e.hint);
 * ```
 */
export class SyncRefusedError extends FichierError {
  override name = "SyncRefusedError";
}

/**
 * A local source that does not exist (the command line's exit 3). Nothing was changed.
 *
 * @example
 * ```ts
 * if (e instanceof LocalSourceMissingError) console.error(e.path);
 * ```
 */
export class LocalSourceMissingError extends FichierError {
  override name = "LocalSourceMissingError";
  constructor(readonly path: string) {
    super(`${path} does not exist`, {
      hint: "Check the source folder's path (a remote one is written fichier:/path).",
    });
  }
}

type Side = "local" | "remote" | "unknown";

/** The side an argument names by its form alone, or by existing on this machine. */
async function sideOf(arg: string): Promise<Side> {
  if (arg.startsWith(REMOTE_PREFIX)) return "remote";
  if (/^(\.{1,2}|~)([/\\]|$)/.test(arg)) return "local";
  return (await lstat(expandHome(arg)).catch(() => undefined)) ? "local" : "unknown";
}

function expandHome(arg: string): string {
  return arg === "~" || arg.startsWith("~/") ? `${homedir()}${arg.slice(1)}` : arg;
}

function end(arg: string, side: "local" | "remote"): SyncEnd {
  if (side === "remote")
    return { kind: "remote", ref: arg.startsWith(REMOTE_PREFIX) ? arg.slice(REMOTE_PREFIX.length) : arg };
  return { kind: "local", path: resolve(expandHome(arg)) };
}

/**
 * Tells which end is local and which is on 1fichier. An end written `fichier:PATH` (or `fichier:ID`) is remote;
 * one starting with `./`, `../` or `~/`, or that exists on this machine, is local; the other end is then the
 * other kind. Two local ends, two remote ends, or two ends of unknown kind are refused, naming the fix.
 *
 * @example
 * ```ts
 * await parseSyncEnds("./photos/", "/backups/photos"); // upload, contents: true (when /backups is not local)
 * await parseSyncEnds("fichier:/backups/photos", "restore"); // download into ./restore/photos
 * ```
 * @throws SyncRefusedError when the ends cannot be one local and one remote folder
 */
export async function parseSyncEnds(src: string, dst: string): Promise<SyncEnds> {
  const { path: srcArg, contents } = sourcePath(src);
  let a = await sideOf(srcArg);
  let b = await sideOf(dst);
  if (a === "unknown" && b !== "unknown") a = b === "local" ? "remote" : "local";
  if (b === "unknown" && a !== "unknown") b = a === "local" ? "remote" : "local";
  if (a === "unknown") {
    throw new SyncRefusedError(
      `neither ${src} nor ${dst} exists on this machine: which one is on 1fichier?`,
      {
        hint: `Write the remote end as ${REMOTE_PREFIX}/path (e.g. ${REMOTE_PREFIX}${normalisePath(srcArg)}), or the local one as ./path.`,
      },
    );
  }
  if (a === "local" && b === "local")
    await refuseBothLocal(src, dst, end(srcArg, "local"), end(dst, "local"), contents);
  if (a === "remote" && b === "remote") refuseBothRemote(src, dst);
  return {
    direction: a === "local" ? "upload" : "download",
    source: end(srcArg, a as "local" | "remote"),
    destination: end(dst, b as "local" | "remote"),
    contents,
  };
}

/** Two local folders: refused, saying what is wrong with the pair first (the same folder, nested folders). */
async function refuseBothLocal(
  src: string,
  dst: string,
  s: SyncEnd,
  d: SyncEnd,
  contents: boolean,
): Promise<never> {
  const real = async (p: string) => realpath(p).catch(() => p);
  const from = await real((s as { path: string }).path);
  const base = await real((d as { path: string }).path);
  // Without a trailing slash the source lands in DST/<its name> (the trailing-slash rule).
  const into = contents ? base : resolve(base, from.split(sep).pop() ?? "");
  const hint = `sync copies between this machine and 1fichier: write the remote end as ${REMOTE_PREFIX}/path`;
  if (base === from || into === from)
    throw new SyncRefusedError(`${src} and ${dst} are the same folder`, { hint });
  if (isInside(into, from))
    throw new SyncRefusedError(`${dst} is inside ${src}: a sync would copy into itself`, { hint });
  if (isInside(from, into)) throw new SyncRefusedError(`${src} is inside ${dst}`, { hint });
  throw new SyncRefusedError(`${src} and ${dst} are both on this machine`, { hint });
}

function refuseBothRemote(src: string, dst: string): never {
  const hint = "sync copies between this machine and 1fichier; for a copy on 1fichier use `fichier cp`";
  const [a, b] = [src, dst].map((x) => (x.startsWith(REMOTE_PREFIX) ? x.slice(REMOTE_PREFIX.length) : x));
  if (a === b) throw new SyncRefusedError(`${src} and ${dst} are the same folder`, { hint });
  throw new SyncRefusedError(`${src} and ${dst} are both on 1fichier`, { hint });
}

/**
 * True when local path `child` lies strictly below `parent`.
 *
 * @example
 * ```ts
 * isInside("/a/b", "/a"); // true
 * isInside("/ab", "/a"); // false
 * ```
 */
export function isInside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r !== "" && !r.startsWith("..") && !isAbsolute(r);
}
