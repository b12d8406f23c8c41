// Streamed, verified, journaled uploads (spec §7.2-§7.4, §9.1).
// The file is read as a stream into an exact-length multipart body; its Whirlpool is computed on the same
// bytes as they go out and compared with the one end.pl reports. Every upload is journaled before the first
// byte is sent, so a rerun after a crash or a lost end.pl answer finds the file (one listing per folder,
// matched by name, size and Whirlpool) instead of uploading a duplicate.
import { createReadStream } from "node:fs";
import { access, constants, readdir, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import {
  AbortedError,
  ConflictError,
  HtmlResponseError,
  InvalidNameError,
  isFichierError,
  NetworkError,
  NotFoundError,
} from "../api/errors.js";
import { encodeName } from "../api/names.js";
import type { FileItem, FolderListing, UploadLink, UploadServer } from "../api/types.js";
import type { TransferClient } from "./client.js";
import { ChecksumMismatchError, UploadRefusedError } from "./errors.js";
import { createBackgroundFrontierHash, WORKER_THRESHOLD } from "./frontier-hash.js";
import { type ProgressListener, ProgressReporter } from "./progress.js";
import { findEntries, type UploadJournal, type UploadJournalEntry } from "./upload-journal.js";
import { createWhirlpoolHasher, whirlpoolFile } from "./whirlpool.js";

/** spec §7.3: each file at most 300 GB (rclone refuses above 300e9 bytes). */
export const MAX_FILE_BYTES = 300e9;
/** DECISIONS.md: end.pl keeps the result for 2 hours; polling never goes past it. */
export const END_WINDOW_MS = 2 * 3600_000;

/** Folder listings fetched during one run, shared by every file of a tree (one listing per folder). */
export interface ListingCache {
  get(folderId: number): Promise<FileItem[]> | undefined;
  set?(folderId: number, items: Promise<FileItem[]>): void;
  delete?(folderId: number): void;
  /** When the folder's cached listing was asked for (ms), if it was: journal entries newer than it are not in it. */
  listedAt?(folderId: number): number | undefined;
}

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** Local file. */
  path: string;
  /** Destination folder id (default 0, the root). */
  folderId?: number;
  /** Remote name (default: the local base name). */
  name?: string;
  /** Password protecting access to the uploaded file (`dpass`). */
  password?: string;
  /** Display domain of the link, 0-10 (spec §3.2). */
  domain?: number;
  /** Skip the file when the folder already holds one with the same name, size and Whirlpool. */
  skipExisting?: boolean;
  /** Journal of uploads in flight (see `openUploadJournal`); without it, no duplicate protection on reruns. */
  journal?: UploadJournal;
  /** Shared listing cache (uploadTree passes one). */
  listings?: ListingCache;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  onWarning?: (message: string) => void;
  /** How long end.pl is polled while it answers HTML or no links (default 10 min, at most 2 h). */
  endTimeoutMs?: number;
  /**
   * How long end.pl is polled after the upload's answer was lost (the body went out, no 302 came back)
   * before one listing decides; if neither has the file, it is sent again (default and at most
   * `endTimeoutMs`: shorter risks a duplicate when 1fichier is slow to process the file).
   */
  lostAnswerTimeoutMs?: number;
  /** First pause between end.pl polls (default 1 s, doubling up to 15 s). */
  endPollMs?: number;
  /** Attempts of the whole POST when it fails before the body was fully sent (default 3). */
  sendAttempts?: number;
}

/** What {@link uploadFile} did. */
export interface UploadResult {
  path: string;
  filename: string;
  folderId: number;
  size: number;
  url: string;
  whirlpool: string;
  /** Set when nothing was sent: found by the journal (earlier interrupted run) or already present. */
  skipped?: "journal" | "exists";
}

/**
 * Checks that a local file can be uploaded: readable, a regular file, not empty (1fichier drops empty file
 * parts, DECISIONS.md "Transfers"), at most 300 GB (spec §7.3), and a name the client can encode (spec §5).
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
    const code = (e as NodeJS.ErrnoException).code;
    throw new UploadRefusedError(
      `${path} cannot be read (${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (code ?? (e as Error).message)})`,
      { path, hint: "Check the path and its permissions." },
    );
  }
  if (!st.isFile()) {
    throw new UploadRefusedError(`${path} is not a regular file`, {
      path,
      hint: "Upload regular files or folders.",
    });
  }
  if (st.size === 0) {
    throw new UploadRefusedError(`${path} is empty: 1fichier drops empty files`, {
      path,
      hint: "Leave empty files out (or put something in them).",
    });
  }
  if (st.size > MAX_FILE_BYTES) {
    throw new UploadRefusedError(
      `${path} is over 300 GB (${st.size} bytes), the most 1fichier accepts per file`,
      {
        path,
        hint: "Split it (for example with `split -b 100G`) and upload the parts.",
      },
    );
  }
  try {
    encodeName(remoteName);
  } catch (e) {
    throw new UploadRefusedError(`${path}: the name cannot be stored on 1fichier (${(e as Error).message})`, {
      path,
      hint: e instanceof InvalidNameError ? e.hint : "Rename the file.",
    });
  }
  return { size: st.size, mtimeMs: st.mtimeMs };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function listFolder(
  client: TransferClient,
  folderId: number,
  cache: ListingCache | undefined,
  fresh = false,
) {
  const cached = fresh ? undefined : cache?.get(folderId);
  if (cached) return cached;
  const p = client.files.list({ folderId });
  if (cache?.set) cache.set(folderId, p);
  p.catch(() => {
    if (cache?.delete) cache.delete(folderId);
  });
  return p;
}

/**
 * A remote file matching a local one by name, size and Whirlpool (pure).
 *
 * @example
 * findRemoteMatch(await client.files.list({ folderId }), { name: "a.bin", size: 10, whirlpool: "19fa..." });
 */
export function findRemoteMatch(
  items: readonly FileItem[],
  file: { name: string; size: number; whirlpool: string },
): FileItem | undefined {
  const w = file.whirlpool.toLowerCase();
  return items.find(
    (i) => i.filename === file.name && i.size === file.size && i.checksum.toLowerCase() === w,
  );
}

/** The end.pl link describing our file: same name and size, else the only one (spec §7.4, rclone #5152). */
function pickLink(links: readonly UploadLink[], name: string, size: number): UploadLink | undefined {
  return (
    links.find((l) => l.filename === name && l.size === size) ?? (links.length === 1 ? links[0] : undefined)
  );
}

/**
 * Polls end.pl until it lists the upload (it answers HTML while the node is still processing, spec §7.4,
 * rclone issues #4382/#7971), up to `timeoutMs`. Returns undefined on timeout.
 */
async function pollEnd(
  client: TransferClient,
  server: UploadServer,
  name: string,
  size: number,
  timeoutMs: number,
  firstPauseMs: number,
  signal: AbortSignal | undefined,
  onSlow?: () => void,
): Promise<UploadLink | undefined> {
  const deadline = Date.now() + Math.min(timeoutMs, END_WINDOW_MS);
  let pause = firstPauseMs;
  let polls = 0;
  for (;;) {
    if (signal?.aborted) {
      throw new AbortedError("upload interrupted while waiting for 1fichier to confirm it", {
        hint: "Run the same command again: the journal finds the file if it landed, without a duplicate.",
      });
    }
    // Said once, after a few quiet seconds: a long silence here looks like a hang.
    if (++polls === 3) onSlow?.();
    try {
      const r = await client.upload.finish({ server });
      const link = pickLink(r.links, name, size);
      if (link) return link;
    } catch (e) {
      // HTML (not processed yet), server or network trouble: poll again; anything else is final.
      if (!(isFichierError(e) && (e.retryable || e instanceof HtmlResponseError))) throw e;
    }
    if (Date.now() + pause > deadline) return undefined;
    await sleep(pause, signal);
    pause = Math.min(15_000, pause * 2);
  }
}

/**
 * Uploads one file: streamed with an exact Content-Length, hashed while sent, checked against end.pl's
 * Whirlpool, journaled so a rerun never makes a duplicate.
 *
 * @throws UploadRefusedError, ChecksumMismatchError (CLI exit 8, naming the bad remote copy), AbortedError
 * @example
 * const r = await uploadFile(client, { path: "movie.mkv", folderId: 0, journal });
 * console.log(r.url, r.whirlpool);
 */
export async function uploadFile(client: TransferClient, options: UploadFileOptions): Promise<UploadResult> {
  const path = resolve(options.path);
  const name = options.name ?? basename(path);
  const folderId = options.folderId ?? 0;
  const warn = options.onWarning ?? (() => {});
  const { signal, journal } = options;
  if (signal?.aborted) throw new AbortedError();
  const { size, mtimeMs } = await checkUploadable(path, name);
  // One upload of this file into this folder at a time, across workers and processes: the second waits,
  // then finds the first one's journal entry (step 1) and skips instead of sending a duplicate.
  const release = await journal?.claim(
    { localPath: path, remoteName: name, folderId },
    {
      ...(signal ? { signal } : {}),
      onWait: () => warn(`${name}: another fichier process is uploading this file; waiting for it to finish`),
    },
  );
  try {
    return await uploadClaimed(client, options, { path, name, folderId, size, mtimeMs });
  } finally {
    await release?.();
  }
}

/** {@link uploadFile} once the file is checked and claimed. */
async function uploadClaimed(
  client: TransferClient,
  options: UploadFileOptions,
  file: { path: string; name: string; folderId: number; size: number; mtimeMs: number },
): Promise<UploadResult> {
  const { path, name, folderId, size, mtimeMs } = file;
  const warn = options.onWarning ?? (() => {});
  const { signal, journal } = options;
  const emit = options.onProgress;
  let localWhirlpool: string | undefined;
  const localHash = async () => {
    localWhirlpool ??= await whirlpoolFile(path, signal ? { signal } : {});
    return localWhirlpool;
  };
  const skipped = async (
    how: "journal" | "exists",
    url: string,
    whirlpool: string,
    hasPassword?: boolean,
  ): Promise<UploadResult> => {
    // Asked for a password this time: the copy found (uploaded earlier without it, or with another one)
    // gets this one, rather than being left open, keeping a password the user does not know of, or
    // being uploaded again beside itself.
    if (options.password) {
      await client.files.setAttributes({ urls: [url], password: options.password });
      warn(
        `${name}: already uploaded (${url}); the password given was set on that copy${hasPassword ? " (replacing its own)" : ""}`,
      );
    }
    emit?.({ type: "done", direction: "upload", file: path, size, url, whirlpool, skipped: how });
    return { path, filename: name, folderId, size, url, whirlpool, skipped: how };
  };

  // 1. An earlier run of this upload that did not finish (or finished: a rerun of a whole tree).
  if (journal) {
    const earlier = findEntries(await journal.entries(), {
      localPath: path,
      remoteName: name,
      folderId,
      size,
      mtimeMs,
    });
    if (earlier.length > 0) {
      // A lost end.pl answer: ask once more (no long polling here).
      for (const e of earlier) {
        if (e.state === "sent" && e.whirlpool && Date.now() - e.updatedAt < END_WINDOW_MS) {
          const link = await pollEnd(
            client,
            { host: e.node, id: e.uploadId },
            name,
            size,
            0,
            0,
            signal,
          ).catch(() => undefined);
          if (link && link.whirlpool.toLowerCase() === e.whirlpool.toLowerCase()) {
            await journal.patch(e.id, { state: "done", url: link.download });
            return await skipped("journal", link.download, e.whirlpool);
          }
        }
      }
      let rest = earlier;
      if (!options.listings) {
        // A single file: one file/info call on the recorded URL costs less than a folder listing
        // (1 per 30 s per folder). In a tree (shared listings), the one listing per folder is used
        // instead: many file/info calls get accounts locked (spec §7.6, JD: "Owner locked #649").
        for (const e of earlier.filter((x) => x.state === "done" && x.url && x.whirlpool)) {
          const info = await client.files.info({ url: e.url! }).catch((err: unknown) => {
            if (err instanceof NotFoundError) return undefined;
            throw err;
          });
          if (info && info.size === size && info.checksum.toLowerCase() === e.whirlpool!.toLowerCase()) {
            return await skipped("journal", e.url!, e.whirlpool!, info.password);
          }
          await journal.remove(e.id);
        }
        rest = earlier.filter((e) => e.state !== "done");
      } else {
        // Done after this run listed the folder (another process, waited for in claim()): the cached
        // listing cannot show it, and end.pl confirmed its Whirlpool moments ago.
        const listedAt = options.listings.listedAt?.(folderId);
        const newer = earlier.find(
          (e) =>
            e.state === "done" && e.url && e.whirlpool && listedAt !== undefined && e.updatedAt >= listedAt,
        );
        if (newer) return await skipped("journal", newer.url!, newer.whirlpool!);
      }
      if (rest.length > 0) {
        const items = await listFolder(client, folderId, options.listings);
        if (items.some((i) => i.filename === name && i.size === size)) {
          const w = rest.find((e) => e.whirlpool)?.whirlpool ?? (await localHash());
          const match = findRemoteMatch(items, { name, size, whirlpool: w });
          if (match) {
            for (const e of rest) await journal.patch(e.id, { state: "done", url: match.url, whirlpool: w });
            return await skipped("journal", match.url, w, match.password);
          }
        }
        for (const e of rest) await journal.remove(e.id);
      }
    }
  }

  // 2. --skip-existing: the same match, for files uploaded earlier by anyone.
  if (options.skipExisting) {
    const items = await listFolder(client, folderId, options.listings);
    if (items.some((i) => i.filename === name && i.size === size)) {
      const w = await localHash();
      const match = findRemoteMatch(items, { name, size, whirlpool: w });
      if (match) return await skipped("exists", match.url, w, match.password);
    }
  }

  // 3. Send.
  emit?.({ type: "start", direction: "upload", file: path, size, resumedBytes: 0 });
  const attempts = Math.max(1, options.sendAttempts ?? 3);
  let server: UploadServer | undefined;
  let whirlpool = "";
  let entry: UploadJournalEntry | undefined;
  let url = "";
  let remoteWhirlpool = "";
  // A round is one send and its end.pl check; a second round only when an answer was lost and the file
  // then proved not to have landed.
  for (let round = 1; ; round++) {
    let answerLost = false;
    whirlpool = "";
    for (let attempt = 1; ; attempt++) {
      server = await client.upload.getServer();
      const now = Date.now();
      entry = {
        id: `${server.host}/${server.id}`,
        node: server.host,
        uploadId: server.id,
        localPath: path,
        remoteName: name,
        folderId,
        size,
        mtimeMs,
        whirlpool: null,
        state: "sending",
        startedAt: now,
        updatedAt: now,
      };
      await journal?.put(entry);
      // Small files are hashed inline as chunks go out; large ones by a helper off the main thread that reads
      // the same bytes right behind the sender (frontier-hash.ts), so hashing does not slow the upload.
      const inline = size < WORKER_THRESHOLD ? await createWhirlpoolHasher() : undefined;
      let sent = 0;
      const background = inline ? undefined : await createBackgroundFrontierHash(path, () => sent);
      const digest = async () => (inline ? inline.digest() : await background!.finish(size));
      const progress = new ProgressReporter("upload", path, size, emit);
      async function* body(): AsyncGenerator<Uint8Array> {
        const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) });
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          inline?.update(chunk);
          sent += chunk.length;
          background?.poke();
          progress.advance(chunk.length);
          yield chunk;
        }
      }
      try {
        await client.upload.send({
          server,
          files: [{ name, size, body: body() }],
          folderId,
          ...(options.domain !== undefined ? { domain: options.domain } : {}),
          ...(options.password ? { password: options.password } : {}),
          ...(signal ? { signal } : {}),
        });
        if (sent !== size) throw new Error(`${path} changed while uploading (${sent} of ${size} bytes sent)`);
        whirlpool = await digest();
        progress.finish();
        await journal?.patch(entry.id, { state: "sent", whirlpool });
        break;
      } catch (e) {
        if (signal?.aborted) {
          await background?.close();
          throw new AbortedError("upload interrupted: run the same command again");
        }
        if (sent === size && !whirlpool) {
          // The whole body went out; only the answer was lost. end.pl (below) tells whether it landed.
          whirlpool = await digest();
          await journal?.patch(entry.id, { state: "sent", whirlpool });
          warn(`${name}: the upload's answer was lost (${(e as Error).message}); asking end.pl`);
          answerLost = true;
          break;
        }
        await background?.close();
        // Not fully sent: nothing was stored (upload.cgi needs the whole body), so sending again is safe.
        await journal?.remove(entry.id);
        const retryable = isFichierError(e) ? e.retryable : true;
        if (!retryable || attempt >= attempts) throw e;
        emit?.({ type: "retry", direction: "upload", file: path, reason: (e as Error).message, attempt });
        await sleep(1000 * attempt, signal);
      }
    }

    // 4. end.pl, polled through HTML answers; then the Whirlpool check.
    emit?.({ type: "verify", direction: "upload", file: path });
    // Without the 302, the body may never have reached the node (a reset once the last bytes were in the
    // socket's buffer). end.pl still gets the full time by default: a node may be processing a large file
    // (spec §7.4), and sending again before it is done would make a duplicate.
    const endTimeoutMs = answerLost
      ? Math.min(options.endTimeoutMs ?? 10 * 60_000, options.lostAnswerTimeoutMs ?? Number.POSITIVE_INFINITY)
      : (options.endTimeoutMs ?? 10 * 60_000);
    const link = await pollEnd(
      client,
      server,
      name,
      size,
      endTimeoutMs,
      options.endPollMs ?? 1000,
      signal,
      () =>
        warn(
          `${name}: sent; 1fichier has not confirmed it yet (end.pl), still asking for up to ${Math.max(1, Math.round(Math.min(endTimeoutMs, END_WINDOW_MS) / 60_000))} min`,
        ),
    );
    if (link) {
      url = link.download;
      remoteWhirlpool = link.whirlpool.toLowerCase();
    } else {
      // end.pl never answered with JSON: the listing is the other source of truth.
      const items = await listFolder(client, folderId, options.listings, true);
      const match = findRemoteMatch(items, { name, size, whirlpool });
      if (!match && answerLost && round < 3) {
        // Neither end.pl (for its whole time) nor the folder knows it: the body most likely never landed, and
        // sending it again is what a rerun would do. (A duplicate only if the node took longer still.)
        warn(
          `${name}: the lost upload did not land (end.pl and the folder do not have it); sending it again`,
        );
        await journal?.remove(entry!.id);
        continue;
      }
      if (!match) {
        throw new NetworkError(
          `${name}: end.pl gave no result and the file is not (yet) listed in folder ${folderId}`,
          {
            hint: "Run the same command again later: the journal will find the file if it landed, without a duplicate.",
          },
        );
      }
      url = match.url;
      remoteWhirlpool = match.checksum.toLowerCase();
    }
    break;
  }
  if (remoteWhirlpool !== whirlpool) {
    await journal?.remove(entry.id);
    throw new ChecksumMismatchError(
      `${name}: Whirlpool mismatch after upload: 1fichier stored ${remoteWhirlpool.slice(0, 16)}..., we sent ${whirlpool.slice(0, 16)}...; the bad remote copy is ${url}`,
      { expected: whirlpool, actual: remoteWhirlpool, remoteUrl: url, localPath: path },
    );
  }
  await journal?.patch(entry.id, { state: "done", url });
  emit?.({ type: "done", direction: "upload", file: path, size, url, whirlpool });
  return { path, filename: name, folderId, size, url, whirlpool };
}

/** Options of {@link uploadTree}. */
export interface UploadTreeOptions
  extends Omit<UploadFileOptions, "path" | "folderId" | "name" | "listings"> {
  /** Local files and folders. */
  paths: string[];
  /** Destination folder: a path (`/a/b`, created if missing) or a numeric id (default root). */
  to?: string;
  /** Files uploaded at once (default 2). */
  parallel?: number;
  /** Called once the files to send are known (after the up-front refusals): total bytes and count. */
  onPlanned?: (bytes: number, files: number) => void;
}

/** Result of {@link uploadTree}: failures are listed rather than thrown. */
export interface UploadTreeResult {
  uploaded: UploadResult[];
  failed: { path: string; error: unknown }[];
}

interface PlannedFile {
  path: string;
  /** Folder path relative to the destination, as name components. */
  dirs: string[];
  name: string;
  /** The name on disk is not valid UTF-8: Node decoded it lossily, so neither reading nor naming would work. */
  invalidUtf8?: boolean;
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

async function planTree(
  paths: readonly string[],
  warn: (message: string) => void,
): Promise<{ files: PlannedFile[]; dirs: string[][] }> {
  const files: PlannedFile[] = [];
  const dirs: string[][] = [];
  // The same file named twice (`upload a.bin a.bin`, or a file and its folder) is planned once: two
  // workers sending it at once would make two remote copies.
  const seen = new Set<string>();
  const addFile = (f: PlannedFile) => {
    const key = `${f.path}\0${f.dirs.join("/")}`;
    if (seen.has(key)) return;
    seen.add(key);
    files.push(f);
  };
  for (const p of paths) {
    const abs = resolve(p);
    const st = await stat(abs).catch(() => undefined);
    if (st?.isDirectory()) {
      // `fichier upload photos --to /x` makes /x/photos, like `cp -r`.
      const top = basename(abs);
      dirs.push([top]);
      const walk = async (dir: string) => {
        const entries = await readdir(dir, { withFileTypes: true });
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        // Node decodes names lossily (U+FFFD): read the raw bytes to tell a real U+FFFD from a broken name.
        const broken = entries.some((e) => e.name.includes("\uFFFD"))
          ? new Set(
              (await readdir(dir, { encoding: "buffer" }))
                .filter((raw) => !isUtf8(raw))
                .map((raw) => raw.toString("utf8")),
            )
          : new Set<string>();
        for (const e of entries) {
          const full = join(dir, e.name);
          const rel = [top, ...relative(abs, dir).split(sep).filter(Boolean)];
          if (broken.has(e.name)) {
            addFile({ path: full, dirs: rel, name: e.name, invalidUtf8: true });
          } else if (e.isDirectory()) {
            dirs.push([...rel, e.name]);
            await walk(full);
          } else if (e.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isDirectory()) {
            // Like rclone without --copy-links: a linked folder is not followed (it may loop, or lead out
            // of the tree); a linked file is uploaded with its target's bytes.
            warn(`${full}: a symbolic link to a folder, not followed (upload its target directly)`);
          } else {
            addFile({ path: full, dirs: rel, name: e.name });
          }
        }
      };
      await walk(abs);
    } else {
      addFile({ path: abs, dirs: [], name: basename(abs) });
    }
  }
  return { files, dirs };
}

/**
 * Uploads files and whole folder trees (matching folders created remotely), `parallel` files at a time.
 * Every file is checked first (empty, over 300 GB, unencodable name, unreadable): those are listed as
 * failures before anything is sent, and the others go on.
 *
 * @example
 * const r = await uploadTree(client, { paths: ["photos", "notes.txt"], to: "/backup", parallel: 2, journal });
 * console.log(r.uploaded.length, r.failed);
 */
export async function uploadTree(
  client: TransferClient,
  options: UploadTreeOptions,
): Promise<UploadTreeResult> {
  const result: UploadTreeResult = { uploaded: [], failed: [] };
  const plan = await planTree(options.paths, options.onWarning ?? (() => {}));

  // Refusals up front, before a single byte is sent.
  const ok: PlannedFile[] = [];
  let plannedBytes = 0;
  for (const f of plan.files) {
    try {
      if (f.invalidUtf8) {
        throw new InvalidNameError(`${f.path}: the name is not valid UTF-8, so it cannot be read or stored`, {
          hint: "Rename it to a UTF-8 name (e.g. with `convmv -f latin1 -t utf8`), then upload again.",
        });
      }
      plannedBytes += (await checkUploadable(f.path, f.name)).size;
      ok.push(f);
    } catch (e) {
      result.failed.push({ path: f.path, error: e });
      options.onProgress?.({
        type: "error",
        direction: "upload",
        file: f.path,
        message: (e as Error).message,
      });
    }
  }
  if (ok.length === 0) return result;
  options.onPlanned?.(plannedBytes, ok.length);

  const to = (options.to ?? "0").trim();
  const root = await client.paths.resolveFolder(to, { create: true });
  // One folder/ls.cgi (with files) per folder and per run serves both the sub-folder lookups and the
  // file matching; folders created by this run are known empty and never listed.
  const folderListings = new Map<number, { at: number; listing: Promise<FolderListing> }>();
  const created = new Set<number>();
  const listingOf = (folderId: number): Promise<FolderListing> => {
    let l = folderListings.get(folderId);
    if (!l) {
      const listing = client.folders.list({ folderId, files: true });
      l = { at: Date.now(), listing };
      folderListings.set(folderId, l);
      listing.catch(() => folderListings.delete(folderId));
    }
    return l.listing;
  };
  // spec §7.3: upload.cgi stores a file whose folder id is unknown at the root, silently. A folder given
  // by id is therefore listed first (the listing serves the file matching too): a wrong id is an error.
  if (root !== 0 && /^\d+$/.test(to)) await listingOf(root);
  const listings: ListingCache = {
    get: (folderId) =>
      created.has(folderId) ? Promise.resolve([]) : listingOf(folderId).then((l) => l.items ?? []),
    listedAt: (folderId) => folderListings.get(folderId)?.at,
  };
  const folderIds = new Map<string, number>([["", root]]);
  const ensureFolder = async (parts: string[]): Promise<number> => {
    const key = parts.join("/");
    const known = folderIds.get(key);
    if (known !== undefined) return known;
    const parent = await ensureFolder(parts.slice(0, -1));
    const name = parts[parts.length - 1]!;
    let id: number | undefined;
    if (!created.has(parent)) id = (await listingOf(parent)).subFolders.find((s) => s.name === name)?.id;
    if (id === undefined) {
      try {
        id = (await client.folders.create({ name, parentId: parent })).folderId;
        created.add(id);
      } catch (e) {
        // Created meanwhile by another run (DECISIONS.md: duplicate folder names refused, #9002).
        if (!(e instanceof ConflictError)) throw e;
        folderListings.delete(parent);
        const again = (await listingOf(parent)).subFolders.find((s) => s.name === name);
        if (!again) throw e;
        id = again.id;
      }
    }
    folderIds.set(key, id);
    return id;
  };
  // Folders are created in order (parents first), one at a time: creation is cheap and races are not.
  for (const d of plan.dirs) await ensureFolder(d);

  const queue = [...ok];
  const parallel = Math.max(1, Math.floor(options.parallel ?? 2));
  const worker = async () => {
    for (;;) {
      const f = queue.shift();
      if (!f) return;
      if (options.signal?.aborted) throw new AbortedError();
      try {
        const folderId = await ensureFolder(f.dirs);
        // A single file checks a finished journal entry with one file/info call rather than a folder
        // listing (1 per 30 s per folder); a tree shares one listing per folder (docs/transfers.md).
        const shared = ok.length > 1 || folderListings.has(folderId) ? { listings } : {};
        result.uploaded.push(
          await uploadFile(client, { ...options, path: f.path, name: f.name, folderId, ...shared }),
        );
      } catch (e) {
        if (e instanceof AbortedError) throw e;
        result.failed.push({ path: f.path, error: e });
        options.onProgress?.({
          type: "error",
          direction: "upload",
          file: f.path,
          message: (e as Error).message,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, ok.length) }, worker));
  return result;
}
