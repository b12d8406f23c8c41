/**
 * PUT over the account: the request body streamed to an upload (src/transfer/upload-stream.ts: one POST,
 * hashed inline, journaled, confirmed by end.pl and verified against its Whirlpool), then the files it
 * replaces removed, never before. A client's retry of the same PUT makes no duplicate:
 *
 * - one PUT of a path at a time: a second waits for the first (in this server, and across processes through
 *   the upload journal's claim), then replaces what the first stored;
 * - an earlier upload of the same path and size that its server never saw confirmed (killed while end.pl was
 *   being asked) is found through the journal and removed with the file replaced;
 * - a body cut off midway stores nothing (upload.cgi needs the whole body), and a copy whose Whirlpool does
 *   not match what was sent is removed at once: nothing half-stored shows up.
 */
import type { Readable } from "node:stream";
import type { FichierClient } from "../../api/client.js";
import { ChecksumMismatchError } from "../../transfer/errors.js";
import type { UploadJournal } from "../../transfer/upload-journal.js";
import { earlierStreamUploads, uploadStream } from "../../transfer/upload-stream.js";
import { BackendError, type Entry, type WriteOptions } from "../backend.js";
import { baseName, parentOf } from "../paths.js";
import { backendCall, toBackendError } from "./errors.js";
import type { AccountPaths } from "./lookup.js";

/** What a write needs. */
export interface WriteContext {
  paths: AccountPaths;
  client: FichierClient;
  journal: UploadJournal | undefined;
  forget(url: string): void;
  onWarning: (message: string) => void;
  /** end.pl's patience (tests shorten it). */
  endTimeoutMs?: number;
  endPollMs?: number;
}

/** One PUT per served path at a time, within this server (the journal's claim covers other processes). */
const writing = new WeakMap<WriteContext, Map<string, Promise<unknown>>>();

/**
 * Stores `body` as the file at `path`, replacing what is there once the new file is verified.
 *
 * @throws BackendError conflict (no parent folder, or a folder at `path`), forbidden (a name 1fichier refuses),
 *   busy, upstream
 * @example
 * const entry = await writePath(ctx, "/films/a.mkv", body, { size: 1234, signal });
 */
export async function writePath(
  ctx: WriteContext,
  path: string,
  body: Readable,
  options: WriteOptions,
): Promise<Entry> {
  const queue = writing.get(ctx) ?? new Map<string, Promise<unknown>>();
  writing.set(ctx, queue);
  const before = queue.get(path) ?? Promise.resolve();
  const mine = before.catch(() => {}).then(() => writeClaimed(ctx, path, body, options));
  queue.set(path, mine);
  try {
    return await mine;
  } finally {
    if (queue.get(path) === mine) queue.delete(path);
  }
}

async function writeClaimed(ctx: WriteContext, path: string, body: Readable, options: WriteOptions) {
  const parent = await ctx.paths.folder(parentOf(path));
  const name = baseName(path);
  const source = `serve:${ctx.paths.remote(path)}`;
  const release = await backendCall(path, async () =>
    ctx.journal?.claim(
      { localPath: source, remoteName: name, folderId: parent.id },
      {
        signal: options.signal,
        onWait: () => ctx.onWarning(`${path}: another fichier process is uploading it; waiting for it`),
      },
    ),
  );
  try {
    // Looked up once the claim is held: an upload that held it before is in the index now.
    const existing = await ctx.paths.find(path);
    if (existing?.kind === "folder") throw new BackendError("conflict", `${path} is a folder`);
    const strays = ctx.journal
      ? await backendCall(path, () =>
          earlierStreamUploads(ctx.client, ctx.journal as UploadJournal, {
            source,
            name,
            folderId: parent.id,
            size: options.size,
          }),
        )
      : [];
    const stored = await upload(ctx, path, body, { ...options, name, folderId: parent.id, source });
    // Verified: what it replaces can go now.
    const old = [...(existing?.all ?? []).map((f) => f.url), ...strays.map((s) => s.url)];
    const urls = [...new Set(old)].filter((u) => u !== stored.url);
    if (urls.length > 0) {
      await backendCall(path, () => ctx.client.files.remove(urls));
      for (const url of urls) ctx.forget(url);
    }
    return {
      path,
      name,
      kind: "file" as const,
      size: stored.size,
      modified: new Date(),
      etag: stored.whirlpool,
      ref: stored.url,
    };
  } finally {
    await release?.();
  }
}

/** The upload itself; a copy that fails verification is removed before the error is told. */
async function upload(
  ctx: WriteContext,
  path: string,
  body: Readable,
  o: WriteOptions & { name: string; folderId: number; source: string },
) {
  try {
    return await uploadStream(ctx.client, {
      body,
      size: o.size,
      name: o.name,
      folderId: o.folderId,
      source: o.source,
      signal: o.signal,
      onWarning: ctx.onWarning,
      ...(ctx.journal ? { journal: ctx.journal } : {}),
      ...(ctx.endTimeoutMs !== undefined ? { endTimeoutMs: ctx.endTimeoutMs } : {}),
      ...(ctx.endPollMs !== undefined ? { endPollMs: ctx.endPollMs } : {}),
    });
  } catch (e) {
    if (e instanceof ChecksumMismatchError && e.remoteUrl) {
      const bad = e.remoteUrl;
      await ctx.client.files.remove([bad]).catch(() => {});
      throw new BackendError(
        "upstream",
        `${path}: 1fichier stored different bytes than were sent; the bad copy was removed, nothing was stored`,
      );
    }
    throw toBackendError(e, path);
  }
}
