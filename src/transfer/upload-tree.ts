// Uploads of files and whole folder trees: a plan first (what goes where, source-path.ts's rule for `dir/`),
// refusals and skips before a byte is sent, the remote folders found or made parents first through the remote
// index (docs/index.md: the one resolver, each folder listed at most once while fresh), then `parallel` files at
// a time.
import { readdir, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { AbortedError, InvalidNameError } from "../api/errors.js";
import { createMemoryIndex } from "../remote-index/memory-store.js";
import type { RemoteIndex } from "../remote-index/remote-index.js";
import { byteBudgetOf } from "./bandwidth.js";
import type { TransferClient } from "./client.js";
import { UploadRefusedError } from "./errors.js";
import { sourcePath } from "./source-path.js";
import { type UploadFileOptions, type UploadResult, uploadFile } from "./upload.js";
import { uploadBatch } from "./upload-batch.js";
import { checkUploadable } from "./upload-check.js";
import { indexListings, type ListingCache } from "./upload-listing.js";
import { type BatchLimits, batchLimits, packUploads, type UploadUnit } from "./upload-pack.js";

/** Options of {@link uploadTree}. */
export interface UploadTreeOptions
  extends Omit<UploadFileOptions, "path" | "folderId" | "name" | "listings"> {
  /**
   * Local files and folders. A folder is recreated under `to` with its name (`photos` makes `to/photos/...`);
   * with a trailing slash (`photos/`) its contents go straight into `to` (rsync's rule, source-path.ts).
   */
  paths: string[];
  /** Destination folder: a path (`/a/b`, created if missing) or a numeric id (default root). */
  to?: string;
  /** Files uploaded at once (default 2). */
  parallel?: number;
  /** Called once the files to send are known (after the up-front refusals): total bytes and count. */
  onPlanned?: (bytes: number, files: number) => void;
  /**
   * The remote index `to` is resolved in, the folders found or made in, and listed through (`openIndex`'s, shared
   * with the rest of the run: a folder another command just listed or made is not listed again). Default: one in
   * memory for this call.
   */
  index?: RemoteIndex;
  /**
   * Small files (under 16 MiB) of one folder share upload requests, up to `files` (default 100, at most 500)
   * and `bytes` (default 64 MiB) per request (upload-pack.ts); `false` sends one request per file.
   */
  batch?: false | Partial<BatchLimits>;
}

/** Result of {@link uploadTree}: failures are listed rather than thrown. */
export interface UploadTreeResult {
  uploaded: UploadResult[];
  failed: { path: string; error: unknown }[];
  /**
   * Entries of a folder tree that cannot be uploaded and are left out with a warning: empty files (1fichier
   * drops them), special files (fifos, sockets, devices), symbolic links that lead nowhere. Named on the
   * command line, the same files are failures.
   */
  skipped: { path: string; reason: string }[];
}

interface PlannedFile {
  path: string;
  /** Folder path relative to the destination, as name components. */
  dirs: string[];
  name: string;
  /** Found by walking a folder (not named by the caller): an empty or special file there is skipped. */
  inTree: boolean;
  /** The name on disk is not valid UTF-8: Node decoded it lossily, so neither reading nor naming would work. */
  invalidUtf8?: boolean;
  /** Bytes, once checked. */
  size?: number;
}

interface TreePlan {
  files: PlannedFile[];
  /** Remote folders to make (parents first), as name components under the destination. */
  dirs: string[][];
}

/** Refusals an entry found in a tree is skipped for, rather than failing every run of a cron job. */
const SKIPPED_IN_TREE = new Set(["empty", "special", "dangling"]);

/**
 * Uploads files and whole folder trees (matching folders created remotely), `parallel` files at a time.
 * Every file is checked first: inside a folder tree, empty files, special files and links to nothing are
 * skipped with a warning; anything else that cannot go (over 300 GB, unencodable or broken name, unreadable,
 * or an empty or special file named explicitly) is listed as a failure before anything is sent, and the
 * others go on.
 *
 * @example
 * const r = await uploadTree(client, { paths: ["photos", "notes.txt"], to: "/backup", parallel: 2, journal });
 * console.log(r.uploaded.length, r.failed, r.skipped);
 */
export async function uploadTree(
  client: TransferClient,
  options: UploadTreeOptions,
): Promise<UploadTreeResult> {
  const result: UploadTreeResult = { uploaded: [], failed: [], skipped: [] };
  const limits = batchLimits(options.batch);
  const plan = await planTree(options.paths, options.onWarning ?? (() => {}));
  const { ok, bytes } = await checkPlanned(plan.files, options, result);
  if (ok.length === 0) return result;
  options.onPlanned?.(bytes, ok.length);
  const folders = await RemoteFolders.open(options.index ?? createMemoryIndex(client), options.to);
  // Folders are created in order (parents first), one at a time: creation is cheap and races are not.
  for (const d of plan.dirs) await folders.ensure(d);
  // One byte budget for every file of the run (--bwlimit).
  const budget = byteBudgetOf(options.bwlimit);
  const run = { ...options, ...(budget ? { bwlimit: budget } : {}) };
  await uploadPlanned(client, run, await packPlanned(ok, folders, limits), folders, result);
  return result;
}

/** What to send and where: every file named or found in a named folder, each once. */
async function planTree(paths: readonly string[], warn: (message: string) => void): Promise<TreePlan> {
  const plan: TreePlan = { files: [], dirs: [] };
  // The same file named twice (`upload a.bin a.bin`, or a file and its folder) is planned once: two
  // workers sending it at once would make two remote copies.
  const seen = new Set<string>();
  const addFile = (f: PlannedFile) => {
    const key = `${f.path}\0${f.dirs.join("/")}`;
    if (seen.has(key)) return;
    seen.add(key);
    plan.files.push(f);
  };
  for (const p of paths) {
    const source = sourcePath(p);
    const abs = resolve(source.path);
    const st = await stat(abs).catch(() => undefined);
    if (st?.isDirectory()) {
      // `fichier upload photos --to /x` makes /x/photos, like `cp -r`; `photos/` fills /x itself.
      const top = source.contents ? [] : [basename(abs)];
      if (top.length > 0) plan.dirs.push(top);
      await walkFolder(abs, abs, top, plan, addFile, warn);
    } else {
      addFile({ path: abs, dirs: [], name: basename(abs), inTree: false });
    }
  }
  return plan;
}

/** Adds a local folder's files and sub-folders to the plan, in name order. */
async function walkFolder(
  root: string,
  dir: string,
  top: string[],
  plan: TreePlan,
  addFile: (f: PlannedFile) => void,
  warn: (message: string) => void,
): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const broken = await brokenNames(dir, entries);
  const rel = [...top, ...relative(root, dir).split(sep).filter(Boolean)];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (broken.has(e.name)) {
      addFile({ path: full, dirs: rel, name: e.name, inTree: true, invalidUtf8: true });
    } else if (e.isDirectory()) {
      plan.dirs.push([...rel, e.name]);
      await walkFolder(root, full, top, plan, addFile, warn);
    } else if (e.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isDirectory()) {
      // Like rclone without --copy-links: a linked folder is not followed (it may loop, or lead out of the
      // tree); a linked file is uploaded with its target's bytes.
      warn(`${full}: a symbolic link to a folder, not followed (upload its target directly)`);
    } else {
      addFile({ path: full, dirs: rel, name: e.name, inTree: true });
    }
  }
}

/** Names in `dir` that are not valid UTF-8 (Node decodes them lossily, as U+FFFD). */
async function brokenNames(dir: string, entries: { name: string }[]): Promise<Set<string>> {
  // Read the raw bytes only when needed, to tell a real U+FFFD from a broken name.
  if (!entries.some((e) => e.name.includes("\uFFFD"))) return new Set();
  const raw = await readdir(dir, { encoding: "buffer" });
  return new Set(raw.filter((r) => !isUtf8(r)).map((r) => r.toString("utf8")));
}

/** True when `raw` (a name as the file system stores it) is valid UTF-8. */
function isUtf8(raw: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(raw);
    return true;
  } catch {
    return false;
  }
}

/** Refusals and skips up front, before a single byte is sent; the files that may go, and their bytes. */
async function checkPlanned(
  files: PlannedFile[],
  options: UploadTreeOptions,
  result: UploadTreeResult,
): Promise<{ ok: PlannedFile[]; bytes: number }> {
  const ok: PlannedFile[] = [];
  let bytes = 0;
  for (const f of files) {
    try {
      if (f.invalidUtf8) {
        throw new InvalidNameError(`${f.path}: the name is not valid UTF-8, so it cannot be read or stored`, {
          hint: "Rename it to a UTF-8 name (e.g. with `convmv -f latin1 -t utf8`), then upload again.",
        });
      }
      f.size = (await checkUploadable(f.path, f.name)).size;
      bytes += f.size;
      ok.push(f);
    } catch (e) {
      if (f.inTree && e instanceof UploadRefusedError && SKIPPED_IN_TREE.has(e.reason)) {
        result.skipped.push({ path: f.path, reason: e.reason });
        options.onWarning?.(`${e.message}; skipped`);
      } else {
        failed(options, result, f.path, e);
      }
    }
  }
  return { ok, bytes };
}

function failed(options: UploadTreeOptions, result: UploadTreeResult, path: string, error: unknown): void {
  result.failed.push({ path, error });
  options.onProgress?.({ type: "error", direction: "upload", file: path, message: (error as Error).message });
}

/**
 * The destination's folders by relative path, found or made through the remote index (each folder listed at most
 * once while fresh, a folder made by fichier known empty), and the index's listings handed to each file's upload.
 */
class RemoteFolders {
  private readonly ids: Map<string, Promise<number>>;

  private constructor(
    private readonly index: RemoteIndex,
    readonly root: number,
  ) {
    this.ids = new Map([["", Promise.resolve(root)]]);
    this.cache = indexListings(index);
  }

  /**
   * The destination `to`: a path (created if missing) or a folder id. spec §7.3: upload.cgi stores a file
   * whose folder id is unknown at the root, silently; a folder given by id is therefore read first (from the
   * index while fresh; the listing serves the file matching too): a wrong id is an error.
   */
  static async open(index: RemoteIndex, to = "0"): Promise<RemoteFolders> {
    const dest = to.trim();
    const root = (await index.resolveFolder(dest, { create: true })).id;
    if (root !== 0 && /^\d+$/.test(dest)) await index.list(root);
    return new RemoteFolders(index, root);
  }

  /** The listings handed to each file's upload: the index's view of the folder. */
  readonly cache: ListingCache;

  /** Whether the index holds a fresh listing of the folder (a single file then uses it, at no cost). */
  listed(folderId: number): boolean {
    return this.index.isFresh(folderId);
  }

  /** The id of the folder at `parts` under the destination, made (with its parents) when missing. */
  ensure(parts: string[]): Promise<number> {
    const key = parts.join("/");
    let id = this.ids.get(key);
    if (!id) {
      const name = parts[parts.length - 1] as string;
      // One promise per folder: two workers needing it at once make it once.
      id = this.ensure(parts.slice(0, -1)).then(
        async (parent) => (await this.index.ensureFolder(parent, name)).id,
      );
      this.ids.set(key, id);
      id.catch(() => this.ids.delete(key));
    }
    return id;
  }
}

/** A checked file with its remote folder's id, as the requests take it. */
interface PlacedFile {
  path: string;
  name: string;
  folderId: number;
  size: number;
}

/** The checked files with their folders' ids, packed into requests (upload-pack.ts). */
async function packPlanned(
  ok: PlannedFile[],
  folders: RemoteFolders,
  limits: BatchLimits | false,
): Promise<UploadUnit<PlacedFile>[]> {
  const placed: PlacedFile[] = [];
  for (const f of ok) {
    placed.push({ path: f.path, name: f.name, folderId: await folders.ensure(f.dirs), size: f.size ?? 0 });
  }
  return packUploads(placed, limits);
}

/** Sends the packed requests, `parallel` at a time; a failing file is listed and the others go on. */
async function uploadPlanned(
  client: TransferClient,
  options: UploadTreeOptions,
  units: UploadUnit<PlacedFile>[],
  folders: RemoteFolders,
  result: UploadTreeResult,
): Promise<void> {
  const queue = [...units];
  const files = units.reduce((n, u) => n + (u.kind === "one" ? 1 : u.files.length), 0);
  const worker = async () => {
    for (let u = queue.shift(); u; u = queue.shift()) {
      if (options.signal?.aborted) throw new AbortedError();
      if (u.kind === "batch") {
        const outcomes = await uploadBatch(client, { ...options, listings: folders.cache }, u.files);
        for (const o of outcomes) {
          if ("result" in o) result.uploaded.push(o.result);
          else failed(options, result, o.file.path, o.error);
        }
        continue;
      }
      const f = u.file;
      try {
        // A single file checks a finished journal entry with one file/info call rather than a folder
        // listing (1 per 30 s per folder); a tree shares one listing per folder (docs/transfers.md).
        const shared = files > 1 || folders.listed(f.folderId) ? { listings: folders.cache } : {};
        result.uploaded.push(
          await uploadFile(client, {
            ...options,
            path: f.path,
            name: f.name,
            folderId: f.folderId,
            ...shared,
          }),
        );
      } catch (e) {
        if (e instanceof AbortedError) throw e;
        failed(options, result, f.path, e);
      }
    }
  };
  const parallel = Math.max(1, Math.floor(options.parallel ?? 2));
  await Promise.all(Array.from({ length: Math.min(parallel, units.length) }, worker));
}
