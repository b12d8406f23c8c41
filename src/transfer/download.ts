// Segmented, resumable, verified downloads (spec §7.1, DECISIONS.md "Transfers").
// One token with `single: 0` (Range allowed), N parallel Range requests written at their offsets into
// NAME.part, the completed ranges journaled in NAME.part.json, Whirlpool computed as the completed prefix
// grows (frontier-hash.ts), then an atomic rename to NAME.
import { constants as fsConstants } from "node:fs";
import { access, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import { Agent, type Dispatcher, request as undiciRequest } from "undici";
import { AbortedError, NetworkError, NotAllowedError, NotFoundError, ServerError } from "../api/errors.js";
import type { TransferClient } from "./client.js";
import { freeBytes, hasRoomFor } from "./diskspace.js";
import {
  type DownloadJournal,
  journalMatches,
  journalPathFor,
  overwriteDownloadJournal,
  readDownloadJournal,
  removeDownloadJournal,
  writeDownloadJournal,
} from "./download-journal.js";
import {
  ChecksumMismatchError,
  DownloadRefusedError,
  LOCAL_FS_ERRNO,
  LocalFileError,
  toLocalFileError,
} from "./errors.js";
import { createFrontierHash, type FrontierHash } from "./frontier-hash.js";
import { type ProgressListener, ProgressReporter } from "./progress.js";
import {
  type ActiveSegment,
  addRange,
  type ByteRange,
  contiguousEnd,
  coveredBytes,
  MAX_SEGMENT_BYTES,
  MIN_SEGMENT_BYTES,
  missingRanges,
  parseContentRange,
  type StealTiming,
  stealSplit,
  takePiece,
} from "./segments.js";
import { whirlpoolFile } from "./whirlpool.js";

// The CLI has no --proxy option: a proxy is set through the environment (src/api/transport.ts).
const NETWORK_HINT =
  "Check the network connection; a proxy is taken from HTTPS_PROXY / HTTP_PROXY (NO_PROXY lists exceptions).";

/** spec §2.1: at most 30 simultaneous download connections per account. */
export const MAX_CONNECTIONS = 30;
/** Received bytes are written in batches of about this size. */
const WRITE_BATCH = 1024 * 1024;
/** Parallel Range requests per file unless told otherwise. */
export const DEFAULT_CONNECTIONS = 4;

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  /** File URL `https://1fichier.com/?<id>`. */
  url: string;
  /** Folder to write into (default: the current directory); the file keeps its remote name. */
  dir?: string;
  /** Exact output path (overrides `dir` and the remote name). */
  path?: string;
  /** Parallel Range requests, 1 to 30 (default 4). */
  connections?: number;
  /** The file's access password. */
  password?: string;
  /** Overwrite an existing file at the output path. */
  force?: boolean;
  /** Verify the Whirlpool (default true). */
  verify?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Non-fatal notices (journal damaged, remote file changed, no checksum to verify against). */
  onWarning?: (message: string) => void;
  /** A connection that delivers no byte for this long is dropped and its range re-queued (default 30 s). */
  stallMs?: number;
  /** Smallest piece worth its own connection (default 1 MiB). */
  minSegmentBytes?: number;
  /** Largest piece fetched by one request (default 16 MiB), so bytes complete roughly in file order. */
  maxSegmentBytes?: number;
  /** Attempts per segment without progress before giving up (default 6). */
  maxAttempts?: number;
  /** How often the journal of completed ranges is written (default 1000 ms). */
  journalIntervalMs?: number;
  /** Known metadata (skips `file/info.cgi`, e.g. for files of a public share that the key does not own). */
  known?: { filename: string; size: number; checksum?: string };
}

/** What {@link downloadFile} did. */
export interface DownloadResult {
  url: string;
  path: string;
  filename: string;
  size: number;
  /** Whirlpool of the written file ("" when not verified). */
  whirlpool: string;
  verified: boolean;
  /** Bytes found already downloaded by an earlier, interrupted run. */
  resumedBytes: number;
  /** Bytes received over the network by this run (includes any re-fetched after drops). */
  fetchedBytes: number;
  /** "exists": the file was already there with the same size and Whirlpool; nothing was fetched. */
  skipped?: "exists";
}

let fallbackAgent: Agent | undefined;

function httpGet(
  client: TransferClient,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  if (client.http) return client.http.request(url, { method: "GET", headers, signal });
  // Used only when the client has no raw HTTP helper; many connections per origin for the segments.
  fallbackAgent ??= new Agent({ connections: MAX_CONNECTIONS * 2, keepAliveTimeout: 10_000 });
  return undiciRequest(url, { method: "GET", headers, signal, dispatcher: fallbackAgent });
}

async function drain(body: Dispatcher.ResponseData["body"]): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    // the connection is going away anyway
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * A local file name for a remote one: path separators and NUL replaced, `.`/`..`/empty refused, so a
 * hostile remote name can never write outside the output folder.
 *
 * @example
 * localNameFor("a/b.txt"); // "a_b.txt"
 */
export function localNameFor(remoteName: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must go
  const cleaned = remoteName.replace(/[/\\\u0000]/g, "_");
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "_" : cleaned;
}

/**
 * Longest local file name, in UTF-8 bytes, that leaves room for the resume files: NAME_MAX is 255 bytes on
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
    await mkdir(dir, { recursive: true });
  } catch (e) {
    let at = dir;
    for (;;) {
      const st = await stat(at).catch(() => undefined);
      if (st) {
        if (!st.isDirectory()) throw new LocalFileError("ENOTDIR", at, { cause: e });
        const denied = await access(at, fsConstants.W_OK).then(
          () => undefined,
          (a: NodeJS.ErrnoException) => a.code,
        );
        if (denied) throw new LocalFileError(denied, at, { cause: e });
        break;
      }
      const up = dirname(at);
      if (up === at) break;
      at = up;
    }
    throw toLocalFileError(e, dir) ?? e;
  }
  // An existing read-only or foreign folder: said now, not as a "not enough disk space" (a read-only mount
  // reports 0 bytes free) or a raw EROFS from open().
  const denied = await access(dir, fsConstants.W_OK).then(
    () => undefined,
    (a: NodeJS.ErrnoException) => a.code,
  );
  if (denied && LOCAL_FS_ERRNO.has(denied)) throw new LocalFileError(denied, dir);
}

/** Hands out the current token URL; a 410 makes the first worker that sees it fetch a fresh one. */
class TokenSource {
  private current: Promise<string> | undefined;
  private generation = 0;
  refreshes = 0;

  constructor(private readonly fetchToken: () => Promise<string>) {}

  async get(): Promise<{ url: string; generation: number }> {
    if (!this.current) {
      const p = this.fetchToken();
      this.current = p;
      p.catch(() => {
        if (this.current === p) this.current = undefined;
      });
    }
    const generation = this.generation;
    return { url: await this.current, generation };
  }

  /** Drops the token of `generation` (no-op if another worker already replaced it). */
  expire(generation: number): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.refreshes++;
    this.current = undefined;
  }
}

/** A connection's speed is measured only after this long (the first bytes arrive in a burst). */
const RATE_WARMUP_MS = 50;

/**
 * Running averages of request latency and per-connection speed in one download, for time-aware work
 * stealing (segments.ts stealSplit): until both are known, stealing falls back to halving by bytes.
 *
 * @example
 * const pace = new PaceMeter(); pace.latency(3); pace.rate(20_000); pace.timing(); // { latencyMs: 3, typicalRate: 20000 }
 */
export class PaceMeter {
  private latencyMs: number | undefined;
  private typicalRate: number | undefined;

  /** Records the time from sending a request to its response headers (ms). */
  latency(ms: number): void {
    this.latencyMs = this.latencyMs === undefined ? ms : 0.7 * this.latencyMs + 0.3 * ms;
  }

  /** Records a connection's measured speed (bytes per ms). */
  rate(bytesPerMs: number): void {
    this.typicalRate =
      this.typicalRate === undefined ? bytesPerMs : 0.9 * this.typicalRate + 0.1 * bytesPerMs;
  }

  /** What stealSplit needs, or undefined while either figure is unknown. */
  timing(): StealTiming | undefined {
    if (this.latencyMs === undefined || this.typicalRate === undefined) return undefined;
    return { latencyMs: this.latencyMs, typicalRate: this.typicalRate };
  }
}

class FatalError extends Error {
  constructor(readonly error: unknown) {
    super("fatal");
  }
}

interface Segment extends ActiveSegment {
  /** `cursor` plus the bytes of a write in flight: a steal never splits below it. */
  reserved: number;
}

/**
 * Downloads one file with parallel Range requests, resuming from `NAME.part` / `NAME.part.json` if an
 * earlier run was interrupted, verifying the Whirlpool and renaming atomically to the final name.
 * An existing file is never overwritten without `force`; free disk space is checked first.
 *
 * @throws ChecksumMismatchError (CLI exit 8), DownloadRefusedError, NotFoundError, AbortedError, NetworkError
 * @example
 * const r = await downloadFile(client, { url: "https://1fichier.com/?abc...", dir: "out", connections: 8 });
 * console.log(r.path, r.whirlpool);
 */
export async function downloadFile(
  client: TransferClient,
  options: DownloadFileOptions,
): Promise<DownloadResult> {
  try {
    return await downloadOne(client, options);
  } catch (e) {
    // A local file-system failure (disk full, read-only, permissions...) is not network trouble: one
    // error naming the path and the fix, never retried.
    throw toLocalFileError(e, options.path ?? options.dir ?? ".") ?? e;
  }
}

async function downloadOne(client: TransferClient, options: DownloadFileOptions): Promise<DownloadResult> {
  const warn = options.onWarning ?? (() => {});
  const signal = options.signal;
  if (signal?.aborted) throw new AbortedError();
  const connections = Math.min(
    MAX_CONNECTIONS,
    Math.max(1, Math.floor(options.connections ?? DEFAULT_CONNECTIONS)),
  );
  const minSegment = options.minSegmentBytes ?? MIN_SEGMENT_BYTES;
  const stallMs = options.stallMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 6;
  const verify = options.verify ?? true;

  const meta = options.known
    ? {
        url: options.url,
        filename: options.known.filename,
        size: options.known.size,
        checksum: options.known.checksum ?? "",
      }
    : await client.files.info({
        url: options.url,
        ...(options.password ? { password: options.password } : {}),
      });
  const url = meta.url || options.url;
  const size = meta.size;
  const expected = (meta.checksum ?? "").toLowerCase();
  const finalPath = options.path ?? join(options.dir ?? ".", uniqueLocalName(meta.filename, new Set(), warn));
  const partPath = `${finalPath}.part`;
  const journalPath = journalPathFor(partPath);

  // Checked before any byte moves: a folder in the way would otherwise fail the final rename, after the
  // whole download (EISDIR), even with --force.
  const there = await stat(finalPath).catch(() => undefined);
  if (there?.isDirectory()) {
    throw new DownloadRefusedError(`${finalPath} is a folder, not a file`, {
      path: finalPath,
      hint: "Move or rename that folder, or choose another folder with -o.",
    });
  }
  if (there && !options.force) {
    // A rerun (wget -c, rclone copy): the same bytes already there are not fetched again. The local file
    // is hashed only when its size matches (spec §7.1: the checksum is the Whirlpool).
    if (there.isFile() && there.size === size && expected) {
      options.onProgress?.({ type: "verify", direction: "download", file: meta.filename });
      if ((await whirlpoolFile(finalPath, options.signal ? { signal: options.signal } : {})) === expected) {
        options.onProgress?.({
          type: "done",
          direction: "download",
          file: meta.filename,
          size,
          path: finalPath,
          url,
          whirlpool: expected,
          skipped: "exists",
        });
        return {
          url,
          path: finalPath,
          filename: meta.filename,
          size,
          whirlpool: expected,
          verified: true,
          resumedBytes: 0,
          fetchedBytes: 0,
          skipped: "exists",
        };
      }
    }
    throw new DownloadRefusedError(`${finalPath} already exists and differs from the remote file`, {
      path: finalPath,
      hint: expected
        ? "Pass --force to overwrite it, or choose another folder with -o."
        : "1fichier gave no checksum to compare it with: pass --force to overwrite it, or choose another folder with -o.",
    });
  }
  await ensureFolder(dirname(finalPath));

  // Resume state.
  let completed: ByteRange[] = [];
  const read = await readDownloadJournal(journalPath);
  const partStat = await stat(partPath).catch(() => undefined);
  if (read.state === "ok" && partStat?.isFile()) {
    if (journalMatches(read.journal, { url, size, checksum: expected || read.journal.checksum })) {
      completed = read.journal.completed;
    } else {
      warn(`${partPath}: the remote file changed since the interrupted download; starting over`);
    }
  } else if (read.state === "corrupt") {
    warn(`${journalPath} is damaged (${read.reason}); starting the download over`);
  } else if (read.state === "unreadable") {
    warn(`could not read ${journalPath} (${read.reason}); starting the download over`);
  }
  if (completed.length === 0) {
    await rm(partPath, { force: true });
    await removeDownloadJournal(journalPath);
  }
  const resumedBytes = coveredBytes(completed);

  const available = await freeBytes(dirname(finalPath));
  if (!hasRoomFor(size - resumedBytes, available)) {
    throw new DownloadRefusedError(
      `not enough disk space for ${finalPath}: ${size - resumedBytes} bytes needed, ${available} available`,
      { path: finalPath, hint: "Free some space or download to another disk with -o DIR." },
    );
  }

  const fd = await open(partPath, completed.length > 0 ? "r+" : "w+");
  const journal: DownloadJournal = {
    version: 1,
    url,
    filename: meta.filename,
    size,
    checksum: expected,
    completed,
  };
  let fetchedBytes = 0;
  const internal = new AbortController();
  const onOuterAbort = () => internal.abort(signal?.reason);
  signal?.addEventListener("abort", onOuterAbort, { once: true });
  const progress = new ProgressReporter("download", meta.filename, size, options.onProgress, resumedBytes);
  const tokens = new TokenSource(async () => {
    const t = await client.download.getToken({
      url,
      single: false,
      ...(options.password ? { password: options.password } : {}),
    });
    return t.url;
  });
  // The token request, the hashing helper's start-up (a process: tens of ms) and the .part set-up below
  // overlap instead of running one after the other. A failure here shows when a worker asks for the token.
  // No token at all when nothing is missing (empty file, or a resume that had every byte).
  if (resumedBytes < size) tokens.get().catch(() => {});
  const hasherReady =
    verify && expected
      ? createFrontierHash(partPath, fd, size, () => contiguousEnd(completed, 0))
      : undefined;
  let hasher: FrontierHash | undefined;
  hasherReady?.then(
    (h) => {
      hasher = h;
      // Catch up with whatever completed while the helper was starting.
      h.poke();
    },
    () => {},
  );
  if (verify && !expected) warn(`${meta.filename}: 1fichier gave no checksum, the download is not verified`);

  // Journal writes are serialised; each one first flushes the data it describes (never a hole taken for data).
  let journalChain: Promise<void> = Promise.resolve();
  let journalWarned = false;
  // Set when the disk is full: the download stops (the last good journal stays for a resume).
  let journalFatal: LocalFileError | undefined;
  const flushJournal = (): Promise<void> => {
    const snapshot = completed;
    journalChain = journalChain
      .then(async () => {
        await fd.datasync();
        await writeDownloadJournal(journalPath, { ...journal, completed: snapshot });
      })
      .catch(async (e) => {
        const local = toLocalFileError(e, journalPath);
        if (local && (local.errno === "ENOSPC" || local.errno === "EDQUOT")) {
          // The disk of the .part is full: named by the .part, not by write-file-atomic's temporary file.
          journalFatal ??= new LocalFileError(local.errno, partPath, { cause: e });
          internal.abort(journalFatal);
          // No room for a new file, but the journal's own block is there: rewritten in place, the bytes
          // already on disk stay resumable.
          await overwriteDownloadJournal(journalPath, { ...journal, completed: snapshot }).catch(() => {});
          return;
        }
        // Once, not at every periodic write.
        if (journalWarned) return;
        journalWarned = true;
        warn(
          `could not write ${journalPath} (${local?.errno ?? (e as Error).message}): an interrupted download will start over`,
        );
      });
    return journalChain;
  };

  options.onProgress?.({ type: "start", direction: "download", file: meta.filename, size, resumedBytes });
  let closed = false;
  try {
    await fd.truncate(size);
    if (completed.length === 0) await flushJournal();
    hasher?.poke();

    // Missing bytes in file order; workers take guided pieces from the front (segments.ts takePiece).
    const pending = missingRanges(size, completed);
    const maxSegment = options.maxSegmentBytes ?? MAX_SEGMENT_BYTES;
    const active: Segment[] = [];
    let fatal: unknown;

    const markDone = (start: number, end: number) => {
      completed = addRange(completed, { start, end });
      fetchedBytes += end - start;
      progress.advance(end - start);
      hasher?.poke();
    };

    const pace = new PaceMeter();
    const runSegment = async (seg: Segment) => {
      let failures = 0;
      let retries = 0;
      while (seg.cursor < seg.end) {
        if (internal.signal.aborted) return;
        const before = seg.cursor;
        const { url: tokenUrl, generation } = await tokens.get();
        const ac = new AbortController();
        const stopOnAbort = () => ac.abort(internal.signal.reason);
        internal.signal.addEventListener("abort", stopOnAbort, { once: true });
        let stalled = false;
        let stallTimer: NodeJS.Timeout | undefined;
        const armStall = () => {
          clearTimeout(stallTimer);
          stallTimer = setTimeout(() => {
            stalled = true;
            ac.abort(new Error("stalled"));
          }, stallMs);
        };
        let reason = "";
        seg.rate = undefined;
        try {
          armStall();
          const sentAt = performance.now();
          const res = await httpGet(
            client,
            tokenUrl,
            { Range: `bytes=${seg.cursor}-${seg.end - 1}` },
            ac.signal,
          );
          const status = res.statusCode;
          const bodyAt = performance.now();
          pace.latency(bodyAt - sentAt);
          let bodyBytes = 0;
          if (status === 410) {
            // DECISIONS.md: an expired or used-up token gets 410; a fresh one continues the download.
            await drain(res.body);
            tokens.expire(generation);
            if (tokens.refreshes > 50)
              throw new FatalError(new ServerError("download tokens keep expiring (HTTP 410)"));
            continue;
          }
          if (status === 404) {
            await drain(res.body);
            throw new FatalError(
              new NotFoundError(`${meta.filename}: the download link answered 404`, { httpStatus: 404 }),
            );
          }
          if (status === 403) {
            await drain(res.body);
            throw new FatalError(
              new NotAllowedError(`${meta.filename}: the download link was refused (HTTP 403)`, {
                httpStatus: 403,
              }),
            );
          }
          if (status !== 206 && status !== 200) {
            // 429 (too many connections, spec §2.1), 5xx: try again after a pause.
            await drain(res.body);
            reason = `HTTP ${status}`;
          } else {
            const cr = parseContentRange(headerValue(res.headers["content-range"]));
            const bodyStart = status === 206 ? (cr?.start ?? -1) : 0;
            if (bodyStart !== seg.cursor) {
              await drain(res.body);
              throw new FatalError(
                new ServerError(
                  `${meta.filename}: the server answered bytes from ${bodyStart}, not ${seg.cursor}`,
                ),
              );
            }
            // Chunks are gathered up to 1 MiB and written with one writev: fewer syscalls and journal updates.
            let pending: Buffer[] = [];
            let pendingLen = 0;
            const flush = async () => {
              if (pendingLen === 0) return;
              const bufs = pending;
              const n = pendingLen;
              pending = [];
              pendingLen = 0;
              seg.reserved = seg.cursor + n;
              await fd.writev(bufs, seg.cursor);
              const s = seg.cursor;
              seg.cursor += n;
              markDone(s, seg.cursor);
              // This connection's speed, once there is enough to go on (the first chunk comes in a burst).
              bodyBytes += n;
              const elapsed = performance.now() - bodyAt;
              if (elapsed >= RATE_WARMUP_MS) {
                seg.rate = bodyBytes / elapsed;
                pace.rate(seg.rate);
              }
            };
            try {
              for await (const chunk of res.body as AsyncIterable<Buffer>) {
                armStall();
                // The segment may have been shortened by a steal: never write past its end.
                const room = seg.end - seg.cursor - pendingLen;
                const piece = chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
                if (piece.length > 0) {
                  pending.push(piece);
                  pendingLen += piece.length;
                  // Bytes held here are claimed: a steal never splits below them.
                  seg.reserved = seg.cursor + pendingLen;
                }
                if (pendingLen >= WRITE_BATCH || seg.cursor + pendingLen >= seg.end) await flush();
                if (seg.cursor >= seg.end) break;
              }
            } finally {
              // Bytes received before a drop are good: keep them.
              await flush();
            }
            if (seg.cursor < seg.end) reason = "connection closed early";
            // Leaving the loop early (segment shortened by a steal) closes the response.
            if (!res.body.destroyed) res.body.destroy();
          }
        } catch (e) {
          if (e instanceof FatalError) throw e;
          // Writing the .part failed (disk full, I/O...): no retry can help.
          const local = toLocalFileError(e, partPath);
          if (local) throw new FatalError(local);
          if (internal.signal.aborted) return;
          reason = stalled ? `no data for ${Math.round(stallMs / 1000)} s` : describe(e);
        } finally {
          clearTimeout(stallTimer);
          internal.signal.removeEventListener("abort", stopOnAbort);
          seg.reserved = seg.cursor;
        }
        // Waiting to retry: nothing arrives, so an idle connection should take over what is left.
        seg.rate = 0;
        if (seg.cursor >= seg.end) return;
        failures = seg.cursor > before ? 0 : failures + 1;
        if (failures >= maxAttempts) {
          throw new FatalError(
            new NetworkError(`${meta.filename}: download failed after ${failures} attempts (${reason})`, {
              hint: NETWORK_HINT,
            }),
          );
        }
        options.onProgress?.({
          type: "retry",
          direction: "download",
          file: meta.filename,
          reason,
          // Counted from 1 like the upload's retries (failures is 0 after a drop that brought bytes).
          attempt: ++retries,
        });
        await sleep(Math.min(5000, 200 * 2 ** failures), internal.signal);
      }
    };

    let firstRound = 0;
    const worker = async () => {
      for (;;) {
        if (internal.signal.aborted) return;
        // Guided (shrinking) pieces only help the in-order hash; unhashed, the largest pieces mean the
        // fewest requests (16 per 256 MiB instead of ~60).
        // The first round rises (takePiece's share) so pieces finish in file order for the hasher.
        const share = firstRound < connections ? ++firstRound / connections : 1;
        const piece = takePiece(pending, hasherReady ? connections : 1, minSegment, maxSegment, share);
        let seg: Segment | undefined = piece && { ...piece, cursor: piece.start, reserved: piece.start };
        if (!seg) {
          // Work stealing: an idle connection takes part of the range expected to finish last (by measured
          // speed once known, else the biggest), which is also how a stalled connection's range gets re-split.
          const split = stealSplit(
            active.map((a) => ({
              start: a.start,
              cursor: a.reserved,
              end: a.end,
              ...(a.rate === undefined ? {} : { rate: a.rate }),
            })),
            minSegment,
            pace.timing(),
          );
          const victim = split ? active[split.index] : undefined;
          if (!split || !victim) return;
          seg = { start: split.at, cursor: split.at, reserved: split.at, end: victim.end };
          victim.end = split.at;
        }
        active.push(seg);
        try {
          await runSegment(seg);
        } finally {
          active.splice(active.indexOf(seg), 1);
        }
      }
    };

    // Each periodic journal write first flushes the data (fdatasync), which makes the download wait for the
    // disk; when the disk is slower than the link, back off: the next periodic write comes no sooner than
    // four times the last one took (at most ~20 % of the time spent flushing), and never two at once.
    let flushing = false;
    let nextFlushAt = 0;
    const periodicFlush = () => {
      if (flushing || performance.now() < nextFlushAt) return;
      flushing = true;
      const t0 = performance.now();
      void flushJournal().finally(() => {
        flushing = false;
        const now = performance.now();
        nextFlushAt = now + 4 * (now - t0);
      });
    };
    const timer = setInterval(periodicFlush, options.journalIntervalMs ?? 1000);
    try {
      await Promise.all(
        Array.from({ length: connections }, () =>
          worker().catch((e) => {
            fatal ??= e instanceof FatalError ? e.error : e;
            internal.abort(fatal);
          }),
        ),
      );
    } finally {
      clearInterval(timer);
    }
    // Complete: no last journal write (the rename comes next, and a journal that claims less than is on
    // disk only costs a rerun some bytes); but a periodic write still running must end before the journal
    // is removed. Interrupted or failed: record every byte that made it, for the rerun.
    fatal ??= journalFatal;
    if (coveredBytes(completed) === size && !fatal && !signal?.aborted) await journalChain;
    else await flushJournal();
    if (signal?.aborted) throw new AbortedError("download interrupted: run the same command again to resume");
    if (fatal) throw fatal;
    if (coveredBytes(completed) !== size) {
      throw new NetworkError(
        `${meta.filename}: download incomplete (${coveredBytes(completed)} of ${size} bytes)`,
        { hint: NETWORK_HINT },
      );
    }
    progress.finish();

    let whirlpool = "";
    // The flush to disk and the last of the hashing run together: both must end before the rename.
    const synced = fd.sync();
    synced.catch(() => {});
    if (hasherReady) {
      options.onProgress?.({ type: "verify", direction: "download", file: meta.filename });
      whirlpool = await (await hasherReady).finish(size);
      if (whirlpool !== expected) {
        await synced.catch(() => {});
        await fd.close();
        closed = true;
        // Never a wrong file: the bad bytes are dropped, and a rerun starts afresh.
        await rm(partPath, { force: true });
        await removeDownloadJournal(journalPath);
        throw new ChecksumMismatchError(
          `${meta.filename}: Whirlpool mismatch after download (expected ${expected.slice(0, 16)}..., got ${whirlpool.slice(0, 16)}...)`,
          { expected, actual: whirlpool, localPath: finalPath },
        );
      }
    }
    await synced;
    await fd.close();
    closed = true;
    if (!options.force && (await exists(finalPath))) {
      throw new DownloadRefusedError(`${finalPath} appeared during the download`, {
        path: finalPath,
        hint: `Pass --force to overwrite it; the downloaded bytes are kept in ${partPath}.`,
      });
    }
    await rename(partPath, finalPath);
    await removeDownloadJournal(journalPath);
    options.onProgress?.({
      type: "done",
      direction: "download",
      file: meta.filename,
      size,
      path: finalPath,
      url,
      whirlpool,
    });
    return {
      url,
      path: finalPath,
      filename: meta.filename,
      size,
      whirlpool,
      verified: !!hasherReady,
      resumedBytes,
      fetchedBytes,
    };
  } finally {
    signal?.removeEventListener("abort", onOuterAbort);
    await hasherReady?.then(
      (h) => h.close(),
      () => {},
    );
    if (!closed) await fd.close().catch(() => {});
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err?.code ? `${err.code}: ${err.message ?? ""}`.trim() : (err?.message ?? String(e));
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** Options shared by folder and share downloads. */
export type DownloadManyOptions = Omit<DownloadFileOptions, "url" | "path" | "known" | "dir"> & {
  /** Folder to write into; the remote folder's name is created inside it. */
  dir?: string;
};

/** Result of a folder or share download: one entry per file, failures listed rather than thrown. */
export interface DownloadManyResult {
  downloaded: DownloadResult[];
  failed: { file: string; error: unknown }[];
}

/**
 * Downloads a remote folder (by id) recursively into `dir/<folder name>/...`, one file at a time (each
 * with its own parallel segments). A failing file is reported and the others continue. Empty remote
 * folders are created too. A file already there with the same size and Whirlpool is skipped (`skipped:
 * "exists"`), so rerunning an interrupted folder download finishes it. Two remote files with the same name
 * in one folder (1fichier allows it) are saved as `name.ext` and `name (2).ext`, with a warning.
 *
 * @example
 * const r = await downloadFolder(client, 1234, { dir: "out" });
 * console.log(r.downloaded.length, r.failed.length);
 */
export async function downloadFolder(
  client: TransferClient,
  folderId: number,
  options: DownloadManyOptions = {},
): Promise<DownloadManyResult> {
  const result: DownloadManyResult = { downloaded: [], failed: [] };
  const warn = options.onWarning ?? (() => {});
  // Disk full or read-only: every next file would fail the same way, so the walk stops.
  let diskFailed = false;
  const walk = async (id: number, localDir: string, top: boolean) => {
    if (diskFailed) return;
    const listing = await client.folders.list({ folderId: id, files: true });
    // Folder names have no .part files beside them: the whole NAME_MAX is theirs.
    const here = top && id !== 0 ? join(localDir, fitLocalName(localNameFor(listing.name), 255)) : localDir;
    // Created even when empty, as upload recreates empty local folders.
    try {
      await ensureFolder(here);
    } catch (e) {
      // A folder that cannot be made fails every file in it: said once.
      result.failed.push({ file: here, error: e });
      if (isDiskWide(e)) diskFailed = true;
      return;
    }
    const taken = new Set<string>();
    for (const item of listing.items ?? []) {
      if (options.signal?.aborted) throw new AbortedError();
      const path = join(here, uniqueLocalName(item.filename, taken, warn));
      try {
        result.downloaded.push(
          await downloadFile(client, {
            ...options,
            url: item.url,
            path,
            known: { filename: item.filename, size: item.size, checksum: item.checksum },
          }),
        );
      } catch (e) {
        if (e instanceof AbortedError) throw e;
        result.failed.push({ file: path, error: e });
        if (isDiskWide(e)) diskFailed = true;
        if (diskFailed) return;
      }
    }
    for (const sub of listing.subFolders) {
      await walk(sub.id, join(here, fitLocalName(localNameFor(sub.name), 255)), false);
    }
  };
  await walk(folderId, options.dir ?? ".", true);
  return result;
}

/**
 * Whether a download failure will repeat for every other file on the same disk (full, read-only).
 *
 * @example
 * isDiskWide(new LocalFileError("ENOSPC", "a.part")); // true
 */
export function isDiskWide(e: unknown): boolean {
  return e instanceof LocalFileError && ["ENOSPC", "EDQUOT", "EROFS"].includes(e.errno);
}

/**
 * Downloads every file of a public share (`https://1fichier.com/dir/<hash>`) straight into `dir` (the share
 * listing carries no folder name, spec §7.22). Only the files directly in the shared folder are listed:
 * its sub-folders are not part of a public share listing, and an empty listing says so in a warning. Files
 * of another account have no checksum the key may read: those are checked by size only (a warning says so).
 * Same skipping of identical files and `name (2).ext` rule as {@link downloadFolder}.
 *
 * @example
 * await downloadShare(client, "https://1fichier.com/dir/AbCdEf12", { dir: "out" });
 */
export async function downloadShare(
  client: TransferClient,
  share: string,
  options: DownloadManyOptions = {},
): Promise<DownloadManyResult> {
  const result: DownloadManyResult = { downloaded: [], failed: [] };
  const files = await client.shares.listPublic(share, options.password ? { password: options.password } : {});
  const warn = options.onWarning ?? (() => {});
  if (files.length === 0) {
    // spec §7.22: /dir/<hash>?json=1 lists only the files directly in the shared folder, never its
    // sub-folders; a share of a folder holding only sub-folders looks empty.
    warn(
      `${share} lists no files: a public share listing holds only the files directly in the shared folder, not its sub-folders; share each sub-folder, or download the folder by path or id with its owner's key`,
    );
  }
  const dir = options.dir ?? ".";
  const taken = new Set<string>();
  for (const f of files) {
    if (options.signal?.aborted) throw new AbortedError();
    const path = join(dir, uniqueLocalName(f.filename, taken, warn));
    try {
      let checksum: string | undefined;
      try {
        checksum = (await client.files.info({ url: f.url })).checksum;
      } catch {
        checksum = undefined;
      }
      result.downloaded.push(
        await downloadFile(client, {
          ...options,
          url: f.url,
          path,
          known: { filename: f.filename, size: f.size, ...(checksum ? { checksum } : {}) },
        }),
      );
    } catch (e) {
      if (e instanceof AbortedError) throw e;
      result.failed.push({ file: path, error: e });
      if (isDiskWide(e)) break;
    }
  }
  return result;
}

/**
 * Streams a file (or the byte range `[start, end)` of it) over one connection, resuming from the last byte
 * received after a dropped connection or an expired token. For `fichier cat URL | mpv -`.
 *
 * @example
 * for await (const chunk of streamFile(client, { url })) process.stdout.write(chunk);
 */
export async function* streamFile(
  client: TransferClient,
  options: {
    url: string;
    password?: string;
    range?: ByteRange;
    size?: number;
    signal?: AbortSignal;
    maxAttempts?: number;
    stallMs?: number;
  },
): AsyncGenerator<Uint8Array> {
  const signal = options.signal ?? new AbortController().signal;
  const size =
    options.size ??
    (
      await client.files.info({
        url: options.url,
        ...(options.password ? { password: options.password } : {}),
      })
    ).size;
  const end = Math.min(options.range?.end ?? size, size);
  let cursor = options.range?.start ?? 0;
  const tokens = new TokenSource(
    async () =>
      (
        await client.download.getToken({
          url: options.url,
          single: false,
          ...(options.password ? { password: options.password } : {}),
        })
      ).url,
  );
  let failures = 0;
  const maxAttempts = options.maxAttempts ?? 6;
  const stallMs = options.stallMs ?? 30_000;
  while (cursor < end) {
    if (signal.aborted) throw new AbortedError();
    const before = cursor;
    const { url, generation } = await tokens.get();
    const ac = new AbortController();
    const stop = () => ac.abort(signal.reason);
    signal.addEventListener("abort", stop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ac.abort(new Error("stalled")), stallMs);
    };
    let reason = "";
    try {
      arm();
      const res = await httpGet(client, url, { Range: `bytes=${cursor}-${end - 1}` }, ac.signal);
      if (res.statusCode === 410) {
        await drain(res.body);
        tokens.expire(generation);
        if (tokens.refreshes > 50) throw new ServerError("download tokens keep expiring (HTTP 410)");
        continue;
      }
      if (res.statusCode === 404) {
        await drain(res.body);
        throw new NotFoundError("the download link answered 404", { httpStatus: 404 });
      }
      if (res.statusCode === 206 || (res.statusCode === 200 && cursor === 0)) {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          arm();
          const n = Math.min(chunk.length, end - cursor);
          if (n <= 0) break;
          cursor += n;
          yield n === chunk.length ? chunk : chunk.subarray(0, n);
          if (cursor >= end) break;
        }
        if (!res.body.destroyed) res.body.destroy();
        reason = "connection closed early";
      } else {
        await drain(res.body);
        reason = `HTTP ${res.statusCode}`;
      }
    } catch (e) {
      if (signal.aborted) throw new AbortedError();
      if (e instanceof NotFoundError || e instanceof ServerError) throw e;
      reason = describe(e);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", stop);
    }
    if (cursor >= end) return;
    failures = cursor > before ? 0 : failures + 1;
    if (failures >= maxAttempts)
      throw new NetworkError(`stream failed after ${failures} attempts (${reason})`);
    await sleep(Math.min(5000, 200 * 2 ** failures), signal);
  }
}
