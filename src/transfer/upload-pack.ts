// Which files share an upload request (pure): 1fichier takes up to 500 files per request (spec §7.3, §12), so
// the small files of one folder go together, and a tree of many small files costs a few calls per hundred
// files instead of three per file (get_upload_server, upload.cgi, end.pl).
import { WORKER_THRESHOLD } from "./frontier-hash.js";

/** How full a request of small files may get. */
export interface BatchLimits {
  /** Files per request, 1 to 500 (spec §7.3). */
  files: number;
  /** Bytes of file content per request. */
  bytes: number;
}

/**
 * 100 files, as the C# client does (spec §7.3, [CS]), well under 1fichier's 500: a request that fails is sent
 * again whole, and end.pl's answer stays small (its size is capped, src/api/http.ts). 64 MiB: what a request
 * that fails late costs to send again, about a minute on a 10 Mbit/s line.
 */
export const DEFAULT_BATCH: BatchLimits = { files: 100, bytes: 64 * 1024 * 1024 };

/** spec §7.3: at most 500 files per upload request. */
export const MAX_BATCH_FILES = 500;

/** A file as packing sees it. */
export interface Packable {
  /** Remote name. */
  name: string;
  folderId: number;
  size: number;
}

/** One request's worth: a file on its own, or a batch of small files of one folder. */
export type UploadUnit<T> = { kind: "one"; file: T } | { kind: "batch"; files: T[] };

/**
 * The limits a `batch` option stands for: `false` none (one request per file), else the defaults with the
 * fields given.
 *
 * @throws RangeError for files outside 1-500 or bytes under 1
 * @example
 * batchLimits({ files: 500 }); // { files: 500, bytes: 67108864 }
 */
export function batchLimits(option: false | Partial<BatchLimits> | undefined): BatchLimits | false {
  if (option === false) return false;
  const limits = { ...DEFAULT_BATCH, ...option };
  if (!Number.isInteger(limits.files) || limits.files < 1 || limits.files > MAX_BATCH_FILES) {
    throw new RangeError(
      `batch.files must be a whole number from 1 to ${MAX_BATCH_FILES} (spec §7.3), not ${limits.files}`,
    );
  }
  if (!(limits.bytes >= 1)) throw new RangeError(`batch.bytes must be 1 or more, not ${limits.bytes}`);
  return limits;
}

/**
 * Packs files into requests, in the order given: a small file (under 16 MiB, the size from which a file is
 * hashed off the main thread, and within `limits.bytes`) joins the first open batch of its folder that has
 * room and holds no file of the same name (end.pl's links are matched to files by name and size: two files of
 * one name go in different requests), else opens one. A large file keeps its own request, and so does a
 * batch that ended up with one file.
 *
 * @example
 * packUploads(files, DEFAULT_BATCH); // [{ kind: "batch", files: [...] }, { kind: "one", file: big }]
 */
export function packUploads<T extends Packable>(
  files: readonly T[],
  limits: BatchLimits | false,
): UploadUnit<T>[] {
  const units: UploadUnit<T>[] = [];
  const open = new Map<number, { files: T[]; bytes: number; names: Set<string> }[]>();
  for (const file of files) {
    if (!limits || file.size >= WORKER_THRESHOLD || file.size > limits.bytes) {
      units.push({ kind: "one", file });
      continue;
    }
    const batches = open.get(file.folderId) ?? [];
    open.set(file.folderId, batches);
    let batch = batches.find((b) => b.bytes + file.size <= limits.bytes && !b.names.has(file.name));
    if (!batch) {
      batch = { files: [], bytes: 0, names: new Set() };
      batches.push(batch);
      units.push({ kind: "batch", files: batch.files });
    }
    batch.files.push(file);
    batch.bytes += file.size;
    batch.names.add(file.name);
    if (batch.files.length >= limits.files) batches.splice(batches.indexOf(batch), 1);
  }
  return units.map((u) =>
    u.kind === "batch" && u.files.length === 1 ? { kind: "one", file: u.files[0]! } : u,
  );
}
