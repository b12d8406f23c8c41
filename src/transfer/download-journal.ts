// The resume journal of a download: `NAME.part.json` beside `NAME.part`, listing the byte ranges already
// written. It is only ever written AFTER the bytes it lists were written and flushed, so after a crash it
// can under-report (bytes fetched again) but never over-report (a hole taken for data).
import { open, readdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { type ByteRange, normalizeRanges } from "./segments.js";

/** What `NAME.part.json` holds. */
export interface DownloadJournal {
  version: 1;
  /** File URL (identity of the remote file). */
  url: string;
  filename: string;
  size: number;
  /** Whirlpool reported by the API; a different one means the remote file changed: start over. */
  checksum: string;
  completed: ByteRange[];
}

/**
 * The journal path for a `.part` file.
 *
 * @example
 * journalPathFor("out/a.bin.part"); // "out/a.bin.part.json"
 */
export function journalPathFor(partPath: string): string {
  return `${partPath}.json`;
}

/**
 * Validates a journal's text; undefined when it is not a well-formed journal (the caller starts over).
 *
 * @example
 * parseDownloadJournal('{"version":1,...}'); // DownloadJournal | undefined
 */
export function parseDownloadJournal(text: string): DownloadJournal | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.version !== 1) return undefined;
  if (typeof o.url !== "string" || typeof o.filename !== "string" || typeof o.checksum !== "string") {
    return undefined;
  }
  if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || o.size < 0) return undefined;
  if (!Array.isArray(o.completed)) return undefined;
  const completed: ByteRange[] = [];
  for (const r of o.completed) {
    if (!Array.isArray(r) || r.length !== 2) return undefined;
    const [start, end] = r as unknown[];
    if (typeof start !== "number" || typeof end !== "number") return undefined;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return undefined;
    if (start < 0 || end < start || end > o.size) return undefined;
    completed.push({ start, end });
  }
  return {
    version: 1,
    url: o.url,
    filename: o.filename,
    size: o.size,
    checksum: o.checksum,
    completed: normalizeRanges(completed),
  };
}

/**
 * Serialises a journal (ranges as `[start, end]` pairs to keep the file small).
 *
 * @example
 * serializeDownloadJournal(j); // '{"version":1,"url":...,"completed":[[0,1048576]]}'
 */
export function serializeDownloadJournal(j: DownloadJournal): string {
  return JSON.stringify({
    version: 1,
    url: j.url,
    filename: j.filename,
    size: j.size,
    checksum: j.checksum,
    completed: normalizeRanges(j.completed).map((r) => [r.start, r.end]),
  });
}

/** Result of reading a journal: the journal, or why there is none usable. */
export type JournalRead =
  | { state: "ok"; journal: DownloadJournal }
  | { state: "missing" }
  | { state: "corrupt"; reason: string }
  /** The file could not be read (permissions, I/O): not the same as damaged. */
  | { state: "unreadable"; reason: string };

/**
 * Reads and validates a journal file.
 *
 * @example
 * const r = await readDownloadJournal("a.bin.part.json");
 * if (r.state === "ok") console.log(r.journal.completed);
 */
export async function readDownloadJournal(path: string): Promise<JournalRead> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No journal can exist at a path the file system cannot even name: that is "missing", not "damaged".
    if (code === "ENOENT" || code === "ENAMETOOLONG" || code === "ENOTDIR") return { state: "missing" };
    return { state: "unreadable", reason: code ?? (e as Error).message };
  }
  const journal = parseDownloadJournal(text);
  return journal ? { state: "ok", journal } : { state: "corrupt", reason: "not a valid download journal" };
}

/**
 * Writes a journal atomically (temporary file, fsync, rename), so a crash leaves the old or the new one.
 *
 * @example
 * await writeDownloadJournal("a.bin.part.json", journal);
 */
export async function writeDownloadJournal(path: string, journal: DownloadJournal): Promise<void> {
  await writeFileAtomic(path, serializeDownloadJournal(journal), { encoding: "utf8" });
}

/**
 * Rewrites an EXISTING journal in place, for a full disk where write-file-atomic cannot create its temporary
 * file: one write of a few hundred bytes into the journal's own block, then a truncate (the data it lists was
 * flushed before). Fails, leaving the old journal, when there is none yet.
 *
 * @example
 * await overwriteDownloadJournal("a.bin.part.json", journal);
 */
export async function overwriteDownloadJournal(path: string, journal: DownloadJournal): Promise<void> {
  const text = Buffer.from(serializeDownloadJournal(journal), "utf8");
  const fh = await open(path, "r+");
  try {
    await fh.write(text, 0, text.length, 0);
    await fh.truncate(text.length);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * Removes a journal (after the final rename, or to start over), and the temporary copies that runs killed
 * while writing it left beside it: write-file-atomic writes `NAME.<number>` and renames it over `NAME`, and a
 * SIGKILL between the two leaves the temporary file behind.
 *
 * @example
 * await removeDownloadJournal("a.bin.part.json"); // and a.bin.part.json.1159322697, if a killed run left it
 */
export async function removeDownloadJournal(path: string): Promise<void> {
  await rm(path, { force: true });
  const name = basename(path);
  const siblings = await readdir(dirname(path)).catch(() => [] as string[]);
  const temporaries = siblings.filter(
    (f) => f.startsWith(`${name}.`) && /^\d+$/.test(f.slice(name.length + 1)),
  );
  await Promise.all(temporaries.map((f) => rm(join(dirname(path), f), { force: true })));
}

/**
 * Whether a journal describes the same remote file as now (same URL, size and checksum): otherwise the
 * partial bytes belong to another file version and must not be reused.
 *
 * @example
 * journalMatches(j, { url, size, checksum }); // true
 */
export function journalMatches(
  j: DownloadJournal,
  file: { url: string; size: number; checksum: string },
): boolean {
  return (
    j.url === file.url && j.size === file.size && j.checksum.toLowerCase() === file.checksum.toLowerCase()
  );
}
