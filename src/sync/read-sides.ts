// What a sync or check reads before it plans: where each end really is (the trailing-slash rule), the remote
// tree through the index (each folder listed at most once, not at all within the listing window), the local
// tree, and the local Whirlpools the comparison needs (from the index's cache when the file is unchanged).
// Nothing here changes anything: a missing destination is an empty side, made later by the run.
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { isNotFoundError } from "../api/errors.js";
import type { OpenedIndex } from "../remote-index/open.js";
import { joinRemotePath } from "../remote-index/targets.js";
import type { ReadOptions } from "../remote-index/views.js";
import { fitLocalName, localFolderName, localNameFor } from "../transfer/local-names.js";
import { LocalSourceMissingError, type SyncEnds, SyncRefusedError } from "./ends.js";
import type { Filter } from "./filter.js";
import { hashLocal, LocalFileChangedError } from "./local-hash.js";
import { type LeftOut, type LocalSide, walkLocal, withoutPaths } from "./local-walk.js";
import { hashesNeeded, type SyncSide } from "./plan.js";
import { remoteSide } from "./sides.js";

/** What reads the two ends need. */
export interface ReadInput {
  index: OpenedIndex;
  ends: SyncEnds;
  filter?: Filter;
  sizeOnly?: boolean;
  /** List every remote folder of the tree again, whatever the index's freshness. */
  refresh?: boolean;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

/** The remote end's folder: its path for messages, its id when it exists, and how to make it when it does not. */
export interface RemoteRoot {
  path: string;
  id?: number;
  /** The reference the user gave (path or id) and the sub-folder the source's name adds (no trailing slash). */
  base: string;
  name?: string;
}

/** Both sides read, ready to plan. */
export interface SyncSides {
  direction: SyncEnds["direction"];
  source: SyncSide;
  destination: SyncSide;
  local: LocalSide;
  localRoot: string;
  localExists: boolean;
  remote: RemoteRoot;
  /** Remote folder ids by relative path ("" for the root), as read. */
  remoteFolders: Map<string, number>;
  /** Left out of both sides: never sent, never deleted (empty or special files, files changing while read). */
  leftOut: LeftOut[];
  /** Local files hashed by this run, and those whose Whirlpool the index's cache gave. */
  hashed: number;
  cachedHashes: number;
}

/**
 * Reads both ends of a sync or check and hashes the local files the comparison needs.
 *
 * @example
 * ```ts
 * const sides = await readSides({ index, ends: await parseSyncEnds("photos/", "fichier:/backups/photos") });
 * const plan = planSync(sides.source, sides.destination, { direction: sides.direction });
 * ```
 * @throws LocalSourceMissingError, NotFoundError (a remote source), SyncRefusedError (a file where a folder is needed)
 */
export async function readSides(input: ReadInput): Promise<SyncSides> {
  const { ends } = input;
  const upload = ends.direction === "upload";
  let localRoot: string;
  let remote: RemoteRoot;
  if (upload) {
    localRoot = (ends.source as { path: string }).path;
    await checkLocalSource(localRoot);
    const base = (ends.destination as { ref: string }).ref;
    remote = await findRemote(input, base, ends.contents ? undefined : basename(localRoot));
  } else {
    remote = await findRemoteSource(input, (ends.source as { ref: string }).ref);
    const base = (ends.destination as { path: string }).path;
    await checkLocalDestination(base);
    localRoot = ends.contents || remote.name === "" ? base : join(base, localFolderName(remote.name ?? ""));
  }
  const localExists = (await stat(localRoot).catch(() => undefined))?.isDirectory() ?? false;
  const tree = await readRemoteTree(input, remote);
  const warn = input.onWarning ?? (() => {});
  const local: LocalSide = localExists
    ? await walkLocal(localRoot, {
        ...(input.filter ? { filter: input.filter } : {}),
        forUpload: upload,
        onWarning: warn,
      })
    : { entries: [], leftOut: [] };
  const remoteEntries = upload ? tree.side : localNamed(tree.side);
  const sides: SyncSides = {
    direction: ends.direction,
    source: upload ? local : remoteEntries,
    destination: upload ? remoteEntries : local,
    local,
    localRoot,
    localExists,
    remote,
    remoteFolders: tree.folders,
    leftOut: [...local.leftOut],
    hashed: 0,
    cachedHashes: 0,
  };
  await hashNeeded(input, sides);
  const out = new Set(sides.leftOut.map((l) => l.path));
  sides.source = withoutPaths(sides.source, out);
  sides.destination = withoutPaths(sides.destination, out);
  return sides;
}

async function checkLocalSource(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new LocalSourceMissingError(path);
  if (!st.isDirectory()) {
    throw new SyncRefusedError(`${path} is a file: sync and check work on folders`, {
      hint: "To send one file, use `fichier upload FILE --to FOLDER`; to sync its folder, name the folder.",
    });
  }
}

async function checkLocalDestination(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (st && !st.isDirectory()) {
    throw new SyncRefusedError(`${path} is a file, not a folder`, {
      hint: "Give a local folder (it is created when missing).",
    });
  }
}

/** The remote end's folder without making anything: a missing one is reported with no id. */
async function findRemote(input: ReadInput, base: string, name: string | undefined): Promise<RemoteRoot> {
  const { index } = input;
  const opts = signalOf(input);
  let found: { id: number; path?: string };
  try {
    // A destination missing from a fresh listing is taken as missing: listing its parent again would wait for
    // the parent's 30 s spacing, and making it says (#9002) when it was there after all (RemoteDestination).
    found = await index.resolveFolder(base, { ...opts, recheckMissing: false });
  } catch (e) {
    if (!isNotFoundError(e)) throw e;
    return { path: displayPath(base, name), base, ...(name ? { name } : {}) };
  }
  const basePath = found.path ?? index.knownPath(found.id) ?? displayPath(base, undefined);
  const path = name ? joinRemotePath(basePath, name) : basePath;
  if (!name) return { path, id: found.id, base };
  const view = await index.list(found.id, opts);
  const sub = view.subFolders.find((f) => f.name === name);
  if (!sub && view.files.some((f) => f.name === name)) {
    throw new SyncRefusedError(
      `${path} is a file: the source folder would be synced into a folder of that name`,
      {
        hint: "Name another destination, or end the source with a slash to sync its contents.",
      },
    );
  }
  return { path, base, name, ...(sub ? { id: sub.id } : {}) };
}

/** The remote source: it must be a folder of the account. */
async function findRemoteSource(input: ReadInput, ref: string): Promise<RemoteRoot> {
  const r = await input.index.resolve(ref, signalOf(input));
  if (r.type !== "folder") {
    const what = r.type === "file" ? "a file" : "a public share";
    throw new SyncRefusedError(`${ref} is ${what}: sync and check work on folders of the account`, {
      hint:
        r.type === "file"
          ? "To fetch one file, use `fichier download URL|PATH -o DIR`."
          : "To fetch a share, use `fichier download SHARE-URL -o DIR`.",
    });
  }
  const path = r.path ?? input.index.knownPath(r.id) ?? `folder ${r.id}`;
  return { path, id: r.id, base: ref, name: r.name };
}

function displayPath(base: string, name: string | undefined): string {
  const b = /^\d+$/.test(base.trim()) ? `folder ${base.trim()}` : `/${base.replace(/^\/+|\/+$/g, "")}`;
  return name ? `${b}/${name}` : b;
}

function signalOf(input: ReadInput): ReadOptions {
  return input.signal ? { signal: input.signal } : {};
}

/** The remote tree, each folder read at most once (none within the listing window, all with `refresh`). */
async function readRemoteTree(
  input: ReadInput,
  remote: RemoteRoot,
): Promise<{ side: SyncSide; folders: Map<string, number> }> {
  const folders = new Map<string, number>();
  if (remote.id === undefined) return { side: { entries: [] }, folders };
  const { filter } = input;
  const tree = await input.index.tree(remote.id, {
    ...signalOf(input),
    ...(input.refresh ? { refresh: true } : {}),
    ...(filter ? { includeDir: (p: string) => filter.includesDir(p) } : {}),
  });
  folders.set("", remote.id);
  for (const f of tree.folders) folders.set(f.path, f.id);
  for (const p of tree.incomplete)
    input.onWarning?.(`${joinRemotePath(remote.path, p)} could not be read in full`);
  return { side: remoteSide(tree, filter ? (p) => filter.includesFile(p) : undefined), folders };
}

/**
 * A remote side in local names (downloads): each name made safe and short enough for the local file system, as
 * a download saves it (local-names.ts). Files keep their URL, all a download needs.
 */
function localNamed(side: SyncSide): SyncSide {
  const map = (path: string, kind: "file" | "dir") =>
    path
      .split("/")
      .map((n, i, all) =>
        kind === "file" && i === all.length - 1 ? fitLocalName(localNameFor(n)) : localFolderName(n),
      )
      .join("/");
  return { ...side, entries: side.entries.map((e) => ({ ...e, path: map(e.path, e.kind) })) };
}

/** Hashes the local files the comparison needs; one that changes while read (twice) is left out and failed. */
async function hashNeeded(input: ReadInput, sides: SyncSides): Promise<void> {
  const need = new Set(
    hashesNeeded(sides.source, sides.destination, {
      direction: sides.direction,
      ...(input.sizeOnly ? { sizeOnly: true } : {}),
    }),
  );
  for (const e of sides.local.entries) {
    if (!need.has(e.path) || e.kind !== "file") continue;
    try {
      const h = await hashLocal(input.index, e.abs, {
        ...(e.stat ? { stat: e.stat } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
      });
      e.whirlpool = h.whirlpool;
      if (h.cached) sides.cachedHashes++;
      else sides.hashed++;
    } catch (err) {
      if (!(err instanceof LocalFileChangedError) && !isLocalReadError(err)) throw err;
      const changed = err instanceof LocalFileChangedError;
      sides.leftOut.push({
        path: e.path,
        reason: changed ? "changed" : "unreadable",
        message: changed
          ? `${e.abs} changed while it was read (twice); left out: run the sync again when nothing writes to it`
          : `${e.abs} cannot be read (${(err as NodeJS.ErrnoException).code}); left out`,
      });
    }
  }
}

function isLocalReadError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "EACCES" || code === "EPERM" || code === "ENOENT" || code === "EIO" || code === "EISDIR";
}
