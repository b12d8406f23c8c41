// One upload request, of one file or of a batch of small files of one folder, from the first byte to the
// verdict of each file: the send loop (upload-send.ts), end.pl confirmation (upload-confirm.ts), the files of
// a lost answer that landed nowhere sent again, then each file settled on its own: Whirlpool check, the
// journal says `done`, the one `done` event.
import { AbortedError } from "../api/errors.js";
import { byteBudgetOf } from "./bandwidth.js";
import type { TransferClient } from "./client.js";
import { ChecksumMismatchError } from "./errors.js";
import type { LocalUpload, UploadResult, UploadRunOptions } from "./upload.js";
import { confirmSent, type Landed } from "./upload-confirm.js";
import { type SentFile, sendWithRetries } from "./upload-send.js";

/**
 * Rounds of sending a file whose answer was lost and that neither end.pl nor the folder had (each such round
 * sends it again, as a rerun would).
 */
const LOST_ANSWER_ROUNDS = 3;

/** What became of one file of a request: its result, or the error it alone failed with. */
export type RequestOutcome =
  | { file: LocalUpload; result: UploadResult }
  | { file: LocalUpload; error: unknown };

/**
 * Uploads the files (checked, claimed, all into one folder, no two of one name) in one request: one
 * `get_upload_server`, one `upload.cgi`, one `end.pl` for all of them when nothing goes wrong. Each file gets
 * its own outcome, in the order given: a file that changed while read, a checksum mismatch or a file that did
 * not land fails alone; trouble that stops the request itself (after its attempts) fails the files it carried.
 *
 * @throws AbortedError (the run is interrupted; the journal lets a rerun settle every file)
 * @example
 * const outcomes = await uploadRequest(client, options, files);
 * for (const o of outcomes) if ("error" in o) console.error(o.file.path, o.error);
 */
export async function uploadRequest(
  client: TransferClient,
  options: UploadRunOptions,
  files: readonly LocalUpload[],
): Promise<RequestOutcome[]> {
  const budget = byteBudgetOf(options.bwlimit);
  const outcomes = new Map<LocalUpload, RequestOutcome>();
  for (const file of files) {
    options.onProgress?.({
      type: "start",
      direction: "upload",
      file: file.path,
      size: file.size,
      resumedBytes: 0,
    });
  }
  let pending = [...files];
  try {
    for (let round = 1; pending.length > 0; round++) {
      const { sent, changed } = await sendWithRetries(client, options, pending, budget);
      for (const c of changed) outcomes.set(c.file, c);
      const verdicts = await confirmSent(client, options, sent, round < LOST_ANSWER_ROUNDS);
      pending = sent.files.flatMap((s, i) => (verdicts[i] === "resend" ? [s.file] : []));
      const landed: { sent: SentFile; landed: Landed }[] = [];
      sent.files.forEach((s, i) => {
        const v = verdicts[i]!;
        if (v instanceof Error) outcomes.set(s.file, { file: s.file, error: v });
        else if (v !== "resend") landed.push({ sent: s, landed: v });
      });
      for (const o of await settleLanded(options, landed)) outcomes.set(o.file, o);
    }
  } catch (e) {
    if (e instanceof AbortedError) throw e;
    // The request itself failed: every file it still carried fails with it (nothing of it was stored, or a
    // rerun settles it through the journal).
    for (const file of files) if (!outcomes.has(file)) outcomes.set(file, { file, error: e });
  }
  return files.map((f) => outcomes.get(f)!);
}

/** The Whirlpool check of what landed, then the journal says `done` (one write for the request). */
async function settleLanded(
  options: UploadRunOptions,
  landed: readonly { sent: SentFile; landed: Landed }[],
): Promise<RequestOutcome[]> {
  const mismatched = landed.filter((l) => l.landed.remoteWhirlpool !== l.sent.whirlpool);
  const good = landed.filter((l) => !mismatched.includes(l));
  await options.journal?.removeMany(mismatched.map((l) => l.sent.entry.id));
  await options.journal?.patchMany(
    good.map((l) => ({ id: l.sent.entry.id, changes: { state: "done", url: l.landed.url } })),
  );
  const failed = mismatched.map(({ sent, landed }) => ({ file: sent.file, error: mismatchOf(sent, landed) }));
  const done = good.map(({ sent: { file, whirlpool }, landed: { url } }) => ({
    file,
    result: reportUpload(options, file, { url, whirlpool }),
  }));
  return [...failed, ...done];
}

/**
 * The error of a file whose copy up there is not what was sent (the copy is left in place and named).
 *
 * @example
 * if (landed.remoteWhirlpool !== sent.whirlpool) throw mismatchOf(sent, landed);
 */
export function mismatchOf(
  sent: Pick<SentFile, "file" | "whirlpool">,
  landed: Landed,
): ChecksumMismatchError {
  const { file, whirlpool } = sent;
  const { url, remoteWhirlpool } = landed;
  return new ChecksumMismatchError(
    `${file.name}: Whirlpool mismatch after upload: 1fichier stored ${remoteWhirlpool.slice(0, 16)}..., we sent ${whirlpool.slice(0, 16)}...; the bad remote copy is ${url}`,
    { expected: whirlpool, actual: remoteWhirlpool, remoteUrl: url, localPath: file.path },
  );
}

/**
 * The `done` event and the result of an upload, built in this one place.
 *
 * @example
 * return reportUpload(options, file, { url, whirlpool, skipped: "journal" });
 */
export function reportUpload(
  options: UploadRunOptions,
  file: LocalUpload,
  done: { url: string; whirlpool: string; skipped?: "journal" | "exists" },
): UploadResult {
  const { path, name: filename, folderId, size } = file;
  const skipped = done.skipped ? { skipped: done.skipped } : {};
  options.onProgress?.({
    type: "done",
    direction: "upload",
    file: path,
    size,
    url: done.url,
    whirlpool: done.whirlpool,
    ...skipped,
  });
  return { path, filename, folderId, size, url: done.url, whirlpool: done.whirlpool, ...skipped };
}
