// Sending one file to an upload node (spec §7.2-§7.3): journaled before the first byte, streamed with an
// exact Content-Length, hashed on the way out, tried again (UPLOAD_SEND_RETRY) when it fails before the whole
// body was handed over (upload.cgi stores nothing then, so sending again makes no duplicate).
import { createReadStream } from "node:fs";
import { AbortedError, isFichierError } from "../api/errors.js";
import { retryDelayMs, retryPolicy, UPLOAD_SEND_RETRY } from "../api/retry-policy.js";
import type { UploadServer } from "../api/types.js";
import type { TransferClient } from "./client.js";
import { createBackgroundFrontierHash, type FrontierHash, WORKER_THRESHOLD } from "./frontier-hash.js";
import { pause } from "./pause.js";
import { ProgressReporter } from "./progress.js";
import type { LocalUpload, UploadFileOptions } from "./upload.js";
import type { UploadJournalEntry } from "./upload-journal.js";
import { createWhirlpoolHasher, type WhirlpoolHasher } from "./whirlpool.js";

/** A body that went out: where to, its journal entry, its Whirlpool, and whether the node's answer was lost. */
export interface Sent {
  server: UploadServer;
  entry: UploadJournalEntry;
  whirlpool: string;
  /** The whole body went out but no answer came: end.pl says whether it landed. */
  answerLost: boolean;
}

/**
 * Sends the file, trying again while the body did not fully go out (`options.attempts`, default 3).
 *
 * @throws AbortedError; the last attempt's error; a non-retryable error at once
 * @example
 * const sent = await sendWithRetries(client, options, file);
 */
export async function sendWithRetries(
  client: TransferClient,
  options: UploadFileOptions,
  file: LocalUpload,
): Promise<Sent> {
  const policy = retryPolicy(UPLOAD_SEND_RETRY, { attempts: options.attempts });
  for (let attempt = 1; ; attempt++) {
    // A fresh node for each attempt, journaled before the first byte (a failure here is not retried).
    const server = await client.upload.getServer();
    const entry = newEntry(server, file);
    await options.journal?.put(entry);
    const body = await hashedBody(file, options);
    try {
      return await sendBody(client, options, { file, server, entry, body });
    } catch (e) {
      const retryable = isFichierError(e) ? e.retryable : true;
      if (e instanceof AbortedError || !retryable || attempt >= Math.max(1, policy.attempts)) throw e;
      options.onProgress?.({
        type: "retry",
        direction: "upload",
        file: file.path,
        reason: (e as Error).message,
        attempt,
      });
      await pause(retryDelayMs(policy, attempt), options.signal);
    }
  }
}

/** One POST of the body, then the journal says `sent` with its Whirlpool. */
async function sendBody(
  client: TransferClient,
  options: UploadFileOptions,
  post: { file: LocalUpload; server: UploadServer; entry: UploadJournalEntry; body: HashedBody },
): Promise<Sent> {
  const { journal, signal } = options;
  const { file, server, entry, body } = post;
  let whirlpool = "";
  try {
    await client.upload.send({
      server,
      files: [{ name: file.name, size: file.size, body: body.chunks() }],
      folderId: file.folderId,
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
      ...(options.password ? { password: options.password } : {}),
      ...(signal ? { signal } : {}),
    });
    if (body.sent !== file.size) {
      throw new Error(`${file.path} changed while uploading (${body.sent} of ${file.size} bytes sent)`);
    }
    whirlpool = await body.digest();
    body.progress.finish();
    await journal?.patch(entry.id, { state: "sent", whirlpool });
    return { server, entry, whirlpool, answerLost: false };
  } catch (e) {
    if (signal?.aborted) {
      await body.close();
      throw new AbortedError("upload interrupted: run the same command again");
    }
    if (body.sent === file.size && !whirlpool) {
      // The whole body went out; only the answer was lost. end.pl tells whether it landed.
      whirlpool = await body.digest();
      await journal?.patch(entry.id, { state: "sent", whirlpool });
      options.onWarning?.(
        `${file.name}: the upload's answer was lost (${(e as Error).message}); asking end.pl`,
      );
      return { server, entry, whirlpool, answerLost: true };
    }
    await body.close();
    // Not fully sent: nothing was stored (upload.cgi needs the whole body), so sending again is safe.
    await journal?.remove(entry.id);
    throw e;
  }
}

/**
 * The journal entry of an upload about to start (state `sending`), recorded before the first byte.
 *
 * @example
 * await journal.put(newEntry(server, file));
 */
export function newEntry(server: UploadServer, file: LocalUpload): UploadJournalEntry {
  const now = Date.now();
  return {
    id: `${server.host}/${server.id}`,
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
  progress: ProgressReporter;
  digest(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Small files are hashed inline as chunks go out; large ones by a helper off the main thread that reads the
 * same bytes right behind the sender (frontier-hash.ts), so hashing does not slow the upload.
 */
async function hashedBody(file: LocalUpload, options: UploadFileOptions): Promise<HashedBody> {
  const { signal } = options;
  const inline: WhirlpoolHasher | undefined =
    file.size < WORKER_THRESHOLD ? await createWhirlpoolHasher() : undefined;
  let sent = 0;
  const background: FrontierHash | undefined = inline
    ? undefined
    : await createBackgroundFrontierHash(file.path, () => sent);
  const progress = new ProgressReporter("upload", file.path, file.size, options.onProgress);
  return {
    progress,
    get sent() {
      return sent;
    },
    async *chunks() {
      const stream = createReadStream(file.path, {
        highWaterMark: 1024 * 1024,
        ...(signal ? { signal } : {}),
      });
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        inline?.update(chunk);
        sent += chunk.length;
        background?.poke();
        progress.advance(chunk.length);
        yield chunk;
      }
    },
    digest: async () => (inline ? inline.digest() : await background!.finish(file.size)),
    close: async () => background?.close(),
  };
}
