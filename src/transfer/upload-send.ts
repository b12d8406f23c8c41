// Sending one upload request, of one file or of a batch of small files of one folder (spec §7.2-§7.3):
// every file journaled before the first byte, streamed with an exact Content-Length, hashed on the way out,
// tried again (UPLOAD_SEND_RETRY) when it fails before the whole body was handed over (upload.cgi stores
// nothing then, so sending again makes no duplicate).
import { createReadStream } from "node:fs";
import { AbortedError, isFichierError } from "../api/errors.js";
import { retryDelayMs, retryPolicy, UPLOAD_SEND_RETRY } from "../api/retry-policy.js";
import type { UploadServer } from "../api/types.js";
import { type ByteBudget, throttled } from "./bandwidth.js";
import type { TransferClient } from "./client.js";
import { createBackgroundFrontierHash, type FrontierHash, WORKER_THRESHOLD } from "./frontier-hash.js";
import { pause } from "./pause.js";
import { ProgressReporter } from "./progress.js";
import type { LocalUpload, UploadRunOptions } from "./upload.js";
import type { UploadJournalEntry } from "./upload-journal.js";
import { createWhirlpoolHasher, type WhirlpoolHasher } from "./whirlpool.js";

/** One file of a request that went out: its journal entry and the Whirlpool of the bytes sent. */
export interface SentFile {
  file: LocalUpload;
  entry: UploadJournalEntry;
  whirlpool: string;
}

/** A request whose body went out: where to, its files, and whether the node's answer was lost. */
export interface Sent {
  server: UploadServer;
  /** In the order sent. */
  files: SentFile[];
  /** The whole body went out but no answer came: end.pl says whether it landed. */
  answerLost: boolean;
}

/** A file taken out of its request because it changed while it was read; the others were sent without it. */
export interface ChangedFile {
  file: LocalUpload;
  error: unknown;
}

/**
 * Sends the files (one folder's) in one request, trying again while the body did not fully go out
 * (`options.attempts`, default 3). A file found changed while it was read is taken out and the others are
 * sent again at once (nothing was stored): it is returned in `changed`, the only one to fail.
 *
 * @throws AbortedError; the last attempt's error; a non-retryable error at once (a one-file request whose
 *   file changed included)
 * @example
 * const { sent, changed } = await sendWithRetries(client, options, [file], budget);
 */
export async function sendWithRetries(
  client: TransferClient,
  options: UploadRunOptions,
  files: readonly LocalUpload[],
  budget?: ByteBudget,
): Promise<{ sent: Sent; changed: ChangedFile[] }> {
  const policy = retryPolicy(UPLOAD_SEND_RETRY, { attempts: options.attempts });
  const changed: ChangedFile[] = [];
  let left = [...files];
  for (let attempt = 1; ; ) {
    // A fresh node for each attempt, every file journaled before the first byte (a failure here is not
    // retried).
    const server = await client.upload.getServer();
    const entries = left.map((file, i) => newEntry(server, file, i));
    await options.journal?.putMany(entries);
    const bodies = left.map((file) => hashedBody(file, options, budget));
    try {
      return { sent: await sendBodies(client, options, { server, files: left, entries, bodies }), changed };
    } catch (e) {
      const bad = bodies.flatMap((b, i) => (b.changed ? [left[i]!] : []));
      if (bad.length > 0 && bad.length < left.length && !(e instanceof AbortedError)) {
        // The file's own fault, not the network's: it alone fails, the others go again without it.
        for (const file of bad) changed.push({ file, error: e });
        left = left.filter((f) => !bad.includes(f));
        continue;
      }
      const retryable = isFichierError(e) ? e.retryable : true;
      if (e instanceof AbortedError || !retryable || attempt >= Math.max(1, policy.attempts)) throw e;
      for (const file of left) {
        options.onProgress?.({
          type: "retry",
          direction: "upload",
          file: file.path,
          reason: (e as Error).message,
          attempt,
        });
      }
      await pause(retryDelayMs(policy, attempt), options.signal);
      attempt++;
    }
  }
}

/** One POST of the bodies, then the journal says `sent` with each file's Whirlpool. */
async function sendBodies(
  client: TransferClient,
  options: UploadRunOptions,
  post: { server: UploadServer; files: LocalUpload[]; entries: UploadJournalEntry[]; bodies: HashedBody[] },
): Promise<Sent> {
  const { journal, signal } = options;
  const { server, files, entries, bodies } = post;
  const fullySent = () => bodies.every((b, i) => b.sent === files[i]!.size && !b.changed);
  const digests = async () =>
    Promise.all(
      bodies.map(async (b, i) => ({ file: files[i]!, entry: entries[i]!, whirlpool: await b.digest() })),
    );
  try {
    await client.upload.send({
      server,
      files: files.map((file, i) => ({ name: file.name, size: file.size, body: bodies[i]!.chunks() })),
      folderId: files[0]!.folderId,
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
      ...(options.password ? { password: options.password } : {}),
      ...(signal ? { signal } : {}),
    });
    // planMultipart refused any body that was not exactly its file's size: all of it went out.
    const sent = await digests();
    for (const b of bodies) b.progress.finish();
    await journal?.patchMany(
      sent.map((s) => ({ id: s.entry.id, changes: { state: "sent", whirlpool: s.whirlpool } })),
    );
    return { server, files: sent, answerLost: false };
  } catch (e) {
    if (signal?.aborted) {
      await closeAll(bodies);
      throw new AbortedError("upload interrupted: run the same command again");
    }
    if (fullySent()) {
      // The whole body went out; only the answer was lost. end.pl tells whether it landed.
      const sent = await digests();
      await journal?.patchMany(
        sent.map((s) => ({ id: s.entry.id, changes: { state: "sent", whirlpool: s.whirlpool } })),
      );
      const what = files.length === 1 ? files[0]!.name : `${files.length} files`;
      options.onWarning?.(`${what}: the upload's answer was lost (${(e as Error).message}); asking end.pl`);
      return { server, files: sent, answerLost: true };
    }
    await closeAll(bodies);
    // Not fully sent: nothing was stored (upload.cgi needs the whole body), so sending again is safe.
    await journal?.removeMany(entries.map((x) => x.id));
    throw e;
  }
}

async function closeAll(bodies: HashedBody[]): Promise<void> {
  await Promise.all(bodies.map((b) => b.close()));
}

/**
 * The journal entry of a file about to go out (state `sending`), recorded before the first byte; `place` is
 * the file's place in its request (from 0).
 *
 * @example
 * await journal.put(newEntry(server, file));
 */
export function newEntry(server: UploadServer, file: LocalUpload, place = 0): UploadJournalEntry {
  const now = Date.now();
  return {
    id: `${server.host}/${server.id}#${place + 1}`,
    node: server.host,
    uploadId: server.id,
    localPath: file.path,
    remoteName: file.name,
    folderId: file.folderId,
    size: file.size,
    mtimeMs: file.mtimeMs,
    whirlpool: null,
    state: "sending",
    startedAt: now,
    updatedAt: now,
  };
}

/** The file's bytes as a request body, hashed and counted as they go out. */
interface HashedBody {
  chunks(): AsyncGenerator<Uint8Array>;
  /** Bytes handed to the request so far. */
  readonly sent: number;
  /** The file yielded more or fewer bytes than its size: it changed while it was read. */
  readonly changed: boolean;
  progress: ProgressReporter;
  digest(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Small files are hashed inline as chunks go out; large ones by a helper off the main thread that reads the
 * same bytes right behind the sender (frontier-hash.ts), so hashing does not slow the upload. Nothing is
 * opened or started before the request reads the file: a batch holds one file open at a time.
 */
function hashedBody(
  file: LocalUpload,
  options: UploadRunOptions,
  budget: ByteBudget | undefined,
): HashedBody {
  const { signal } = options;
  let sent = 0;
  let changed = false;
  let inline: Promise<WhirlpoolHasher> | undefined;
  let background: Promise<FrontierHash> | undefined;
  const hasher = () => {
    if (file.size < WORKER_THRESHOLD) inline ??= createWhirlpoolHasher();
    else background ??= createBackgroundFrontierHash(file.path, () => sent);
  };
  const progress = new ProgressReporter("upload", file.path, file.size, options.onProgress);
  return {
    progress,
    get sent() {
      return sent;
    },
    get changed() {
      return changed;
    },
    async *chunks() {
      hasher();
      const h = await inline;
      const bg = await background;
      const stream = createReadStream(file.path, {
        highWaterMark: 1024 * 1024,
        ...(signal ? { signal } : {}),
      });
      for await (const chunk of throttled(stream as AsyncIterable<Buffer>, budget, signal)) {
        h?.update(chunk);
        sent += chunk.length;
        if (sent > file.size) changed = true;
        bg?.poke();
        progress.advance(chunk.length);
        yield chunk;
      }
      if (sent !== file.size) changed = true;
    },
    digest: async () => {
      hasher();
      return inline ? (await inline).digest() : await (await background!).finish(file.size);
    },
    close: async () => (background ? (await background).close() : undefined),
  };
}
