// A batch of small files of one folder in one upload request (upload-pack.ts decides which): each file checked
// and claimed as a file on its own is, what earlier runs left settled file by file (upload-earlier.ts), then
// the rest sent together (upload-request.ts). A file another process is uploading is not waited for with the
// whole batch: it is uploaded on its own afterwards (uploadFile waits for the other process, then finds its
// copy).
import { resolve } from "node:path";
import { AbortedError } from "../api/errors.js";
import type { TransferClient } from "./client.js";
import { type LocalUpload, localHashOf, type UploadRunOptions, uploadFile } from "./upload.js";
import { checkUploadable } from "./upload-check.js";
import { findEarlier, settleFound } from "./upload-earlier.js";
import { type RequestOutcome, uploadRequest } from "./upload-request.js";

/** A file of a batch as planned: local path, remote name, folder. */
export interface BatchFile {
  path: string;
  name: string;
  folderId: number;
}

/**
 * Uploads small files of one folder (no two of one name) in one request, each settled on its own: every file
 * gets its outcome, in the order given.
 *
 * @throws AbortedError (the journal lets a rerun settle every file)
 * @example
 * const outcomes = await uploadBatch(client, { journal, listings }, [{ path: "a.txt", name: "a.txt", folderId }]);
 */
export async function uploadBatch(
  client: TransferClient,
  options: UploadRunOptions,
  planned: readonly BatchFile[],
): Promise<RequestOutcome[]> {
  const outcomes = new Map<string, RequestOutcome>();
  const claimed: { file: LocalUpload; release?: () => Promise<void> }[] = [];
  const later: BatchFile[] = [];
  try {
    for (const p of planned) {
      if (options.signal?.aborted) throw new AbortedError();
      const file = await checked(p).catch((error: unknown) => {
        outcomes.set(asUpload(p).path, { file: asUpload(p), error });
        return undefined;
      });
      if (!file) continue;
      const release = await options.journal?.tryClaim({
        localPath: file.path,
        remoteName: file.name,
        folderId: file.folderId,
      });
      if (options.journal && !release) later.push(p);
      else claimed.push({ file, ...(release ? { release } : {}) });
    }
    const toSend = await settleEarlier(
      client,
      options,
      claimed.map((c) => c.file),
      outcomes,
    );
    if (toSend.length > 0)
      for (const o of await uploadRequest(client, options, toSend)) outcomes.set(o.file.path, o);
  } finally {
    await Promise.all(claimed.map((c) => c.release?.()));
  }
  for (const p of later) outcomes.set(asUpload(p).path, await alone(client, options, p));
  return planned.map((p) => outcomes.get(asUpload(p).path)!);
}

/** The file as it is now (size and modification time for the journal), or why it cannot go. */
async function checked(p: BatchFile): Promise<LocalUpload> {
  const path = resolve(p.path);
  const { size, mtimeMs } = await checkUploadable(path, p.name);
  return { path, name: p.name, folderId: p.folderId, size, mtimeMs };
}

function asUpload(p: BatchFile): LocalUpload {
  return { path: resolve(p.path), name: p.name, folderId: p.folderId, size: 0, mtimeMs: 0 };
}

/** What earlier runs left, settled file by file (the journal, `skipExisting`); the files still to send. */
async function settleEarlier(
  client: TransferClient,
  options: UploadRunOptions,
  files: LocalUpload[],
  outcomes: Map<string, RequestOutcome>,
): Promise<LocalUpload[]> {
  const toSend: LocalUpload[] = [];
  for (const file of files) {
    try {
      const found = await findEarlier(client, options, file, localHashOf(file, options.signal));
      if (found) outcomes.set(file.path, { file, result: await settleFound(client, options, file, found) });
      else toSend.push(file);
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      outcomes.set(file.path, { file, error });
    }
  }
  return toSend;
}

/** A file another process was uploading: on its own, waiting for the other process first. */
async function alone(
  client: TransferClient,
  options: UploadRunOptions,
  p: BatchFile,
): Promise<RequestOutcome> {
  try {
    return { file: asUpload(p), result: await uploadFile(client, { ...options, ...p }) };
  } catch (error) {
    if (error instanceof AbortedError) throw error;
    return { file: asUpload(p), error };
  }
}
