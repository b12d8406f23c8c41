// An upload whose bytes arrive as a stream (a WebDAV PUT's body, src/serve/account): no local file to read
// twice, so it is sent once (a stream cannot be replayed), hashed inline as it goes out, journaled before the
// first byte, confirmed by end.pl (or the folder's listing) and checked against end.pl's Whirlpool, as
// uploadFile does for a file (upload.ts). The caller holds the claim and knows the exact size up front.
import { AbortedError } from "../api/errors.js";
import type { UploadServer } from "../api/types.js";
import type { TransferClient } from "./client.js";
import type { LocalUpload, UploadFileOptions } from "./upload.js";
import { checkStreamUploadable } from "./upload-check.js";
import { confirmSent, pollEnd } from "./upload-confirm.js";
import { findEntries, type UploadJournal, type UploadJournalEntry } from "./upload-journal.js";
import { matchLinks } from "./upload-links.js";
import { mismatchOf } from "./upload-request.js";
import { newEntry } from "./upload-send.js";
import { createWhirlpoolHasher } from "./whirlpool.js";

/** Options of {@link uploadStream}. */
export interface UploadStreamOptions {
  /** The bytes: exactly `size` of them, or the stream errors (then nothing is stored). */
  body: AsyncIterable<Uint8Array>;
  size: number;
  /** Remote name and folder. */
  name: string;
  folderId: number;
  /**
   * Who sends it, recorded in the journal in place of a local path (`serve:/films/a.mkv`): a later upload of
   * the same source, name, folder and size finds this one's entry with {@link earlierStreamUploads}.
   */
  source: string;
  journal?: UploadJournal;
  /**
   * Stops the send. Once the whole body went out the confirmation is not stopped: a file sent in full lands
   * anyway, and stopping would only lose track of it (the journal would then say `sent`).
   */
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
  /** How long end.pl is polled (default 10 min, at most 2 h). */
  endTimeoutMs?: number;
  /** First pause between end.pl polls (default END_POLL's 1 s). */
  endPollMs?: number;
}

/** What {@link uploadStream} stored. */
export interface StreamUploadResult {
  url: string;
  whirlpool: string;
  size: number;
  name: string;
  folderId: number;
}

/**
 * Uploads a stream of known length: one POST, hashed inline, journaled, confirmed and verified.
 *
 * @throws UploadRefusedError (empty, over 300 GB, a name that cannot be stored) before a byte is sent;
 *   AbortedError when `signal` aborts before the body went out (nothing stored); ChecksumMismatchError
 *   (its `remoteUrl` is the bad copy, left for the caller to remove); the client's errors
 * @example
 * const r = await uploadStream(client, { body: req, size: 1234, name: "a.txt", folderId: 0, source: "serve:/a.txt", journal });
 */
export async function uploadStream(
  client: TransferClient,
  options: UploadStreamOptions,
): Promise<StreamUploadResult> {
  const { journal, signal, size, name, folderId } = options;
  if (signal?.aborted) throw new AbortedError();
  checkStreamUploadable(options.source, name, size);
  const file: LocalUpload = { path: options.source, name, folderId, size, mtimeMs: 0 };
  const server = await client.upload.getServer();
  const entry = newEntry(server, file);
  await journal?.put(entry);
  const { whirlpool, answerLost } = await sendOnce(client, options, server, entry);
  // The confirmation's options: the same journal, no signal (see `signal` above), no resend (no bytes left).
  const confirmOptions: UploadFileOptions = {
    path: options.source,
    folderId,
    ...(journal ? { journal } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.endTimeoutMs !== undefined ? { endTimeoutMs: options.endTimeoutMs } : {}),
    ...(options.endPollMs !== undefined ? { endPollMs: options.endPollMs } : {}),
  };
  const sent = { server, files: [{ file, entry, whirlpool }], answerLost };
  const [landed] = await confirmSent(client, confirmOptions, sent, false);
  if (landed instanceof Error) throw landed;
  if (!landed || landed === "resend") throw new Error("unreachable: a stream upload never resends");
  if (landed.remoteWhirlpool !== whirlpool) {
    await journal?.remove(entry.id);
    throw mismatchOf({ file, whirlpool }, landed);
  }
  await journal?.patch(entry.id, { state: "done", url: landed.url });
  return { url: landed.url, whirlpool, size, name, folderId };
}

/** The one POST; the journal then says `sent`. A body that did not go out in full stored nothing. */
async function sendOnce(
  client: TransferClient,
  options: UploadStreamOptions,
  server: UploadServer,
  entry: UploadJournalEntry,
): Promise<{ whirlpool: string; answerLost: boolean }> {
  const { journal, signal, size } = options;
  const hasher = await createWhirlpoolHasher();
  let sent = 0;
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of options.body) {
      hasher.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
  }
  let answerLost = false;
  try {
    await client.upload.send({
      server,
      files: [{ name: options.name, size, body: hashed() }],
      folderId: options.folderId,
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (sent < size || signal?.aborted) {
      // upload.cgi stores nothing without the whole body.
      await journal?.remove(entry.id);
      if (signal?.aborted) throw new AbortedError("upload interrupted: nothing was stored");
      throw e;
    }
    // The whole body went out and only the answer was lost: end.pl says whether it landed.
    answerLost = true;
    options.onWarning?.(
      `${options.name}: the upload's answer was lost (${(e as Error).message}); asking end.pl`,
    );
  }
  const whirlpool = hasher.digest();
  await journal?.patch(entry.id, { state: "sent", whirlpool });
  return { whirlpool, answerLost };
}

/**
 * Copies an earlier stream upload of the same source, name, folder and size may have left up there without
 * its sender knowing (it stopped before end.pl answered: a crash, a server stopped mid-confirmation). Each
 * unfinished journal entry is settled: end.pl asked once; a link found is returned (the caller decides what
 * to do with the copy), and the entry is dropped either way. `done` entries are the caller's index's business.
 *
 * @example
 * const stray = await earlierStreamUploads(client, journal, { source, name, folderId, size });
 */
export async function earlierStreamUploads(
  client: TransferClient,
  journal: UploadJournal,
  file: { source: string; name: string; folderId: number; size: number },
): Promise<{ url: string; whirlpool: string }[]> {
  const entries = findEntries(await journal.entries(), {
    localPath: file.source,
    remoteName: file.name,
    folderId: file.folderId,
    size: file.size,
    mtimeMs: 0,
  }).filter((e) => e.state !== "done");
  const found: { url: string; whirlpool: string }[] = [];
  for (const e of entries) {
    const links = await pollEnd(client, { host: e.node, id: e.uploadId }, file.name, {
      endTimeoutMs: 0,
    }).catch(() => undefined);
    const [link] = matchLinks(links ?? [], [{ name: file.name, size: file.size }]);
    if (link) found.push({ url: link.download, whirlpool: link.whirlpool.toLowerCase() });
    await journal.remove(e.id);
  }
  return found;
}
