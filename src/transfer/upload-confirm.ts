// Whether a sent request's files landed, and as what: end.pl (spec §7.4), polled through its HTML answers, its
// links matched to the files (upload-links.ts), and for a file end.pl does not show, the folder listing.
import { AbortedError, HtmlResponseError, isFichierError, NetworkError } from "../api/errors.js";
import { END_POLL, retryDelayMs, retryPolicy } from "../api/retry-policy.js";
import type { UploadLink, UploadServer } from "../api/types.js";
import type { TransferClient } from "./client.js";
import { pause } from "./pause.js";
import type { UploadRunOptions } from "./upload.js";
import { matchLinks } from "./upload-links.js";
import { findRemoteMatch, listFolder } from "./upload-listing.js";
import type { Sent, SentFile } from "./upload-send.js";

/** DECISIONS.md: end.pl keeps the result for 2 hours; polling never goes past it. */
export const END_WINDOW_MS = 2 * 3600_000;
/** end.pl's default patience when it answers HTML or no links. */
const DEFAULT_END_TIMEOUT_MS = 10 * 60_000;

/** Where a confirmed upload landed, as 1fichier reports it. */
export interface Landed {
  url: string;
  /** The Whirlpool 1fichier computed, lower case. */
  remoteWhirlpool: string;
}

/**
 * What became of one file of a request: landed; `"resend"` (its answer was lost and neither end.pl nor the
 * folder knows it, so it most likely never landed and sending it again is what a rerun would do); or a
 * NetworkError (not found, and not to be sent again in this run: a rerun finds it if it lands later).
 */
export type Verdict = Landed | "resend" | NetworkError;

/**
 * Asks end.pl (then, for the files it does not show, the folder) where each file of the request landed, in
 * the order of `sent.files`. `mayResend`: files of a lost answer that landed nowhere may be sent again.
 *
 * @example
 * const [verdict] = await confirmSent(client, options, sent, true);
 */
export async function confirmSent(
  client: TransferClient,
  options: UploadRunOptions,
  sent: Sent,
  mayResend: boolean,
): Promise<Verdict[]> {
  for (const s of sent.files)
    options.onProgress?.({ type: "verify", direction: "upload", file: s.file.path });
  const links = await pollEnd(client, sent.server, labelOf(sent.files), {
    ...options,
    endTimeoutMs: endTimeout(options, sent.answerLost),
  });
  const wanted = sent.files.map((s) => ({ name: s.file.name, size: s.file.size, whirlpool: s.whirlpool }));
  const verdicts: (Verdict | undefined)[] = matchLinks(links ?? [], wanted).map((link) =>
    link ? { url: link.download, remoteWhirlpool: link.whirlpool.toLowerCase() } : undefined,
  );
  const missing = sent.files.filter((_, i) => !verdicts[i]);
  if (missing.length === 0) return verdicts as Verdict[];
  // end.pl does not show them: the listing is the other source of truth.
  const items = await listFolder(client, sent.files[0]!.file.folderId, options.listings, true);
  const resend: SentFile[] = [];
  sent.files.forEach((s, i) => {
    if (verdicts[i]) return;
    const match = findRemoteMatch(items, { name: s.file.name, size: s.file.size, whirlpool: s.whirlpool });
    if (match) verdicts[i] = { url: match.url, remoteWhirlpool: match.checksum.toLowerCase() };
    else if (sent.answerLost && mayResend) {
      verdicts[i] = "resend";
      resend.push(s);
    } else verdicts[i] = notFound(s);
  });
  if (resend.length > 0) {
    // A duplicate only if the node took longer still than end.pl's whole time.
    options.onWarning?.(
      `${labelOf(resend)}: the lost upload did not land (end.pl and the folder do not have it); sending it again`,
    );
    await options.journal?.removeMany(resend.map((s) => s.entry.id));
  }
  return verdicts as Verdict[];
}

function notFound(s: SentFile): NetworkError {
  return new NetworkError(
    `${s.file.name}: end.pl gave no result and the file is not (yet) listed in folder ${s.file.folderId}`,
    {
      hint: "Run the same command again later: the journal will find the file if it landed, without a duplicate.",
    },
  );
}

/** Names the file of a one-file request, counts those of a batch. */
function labelOf(files: readonly SentFile[]): string {
  return files.length === 1 ? files[0]!.file.name : `${files.length} files`;
}

/**
 * Without the 302, the body may never have reached the node (a reset once the last bytes were in the
 * socket's buffer). end.pl still gets the full time by default: a node may be processing a large file
 * (spec §7.4), and sending again before it is done would make a duplicate.
 */
function endTimeout(options: UploadRunOptions, answerLost: boolean): number {
  const full = options.endTimeoutMs ?? DEFAULT_END_TIMEOUT_MS;
  return answerLost ? Math.min(full, options.lostAnswerTimeoutMs ?? Number.POSITIVE_INFINITY) : full;
}

/**
 * Polls end.pl until it answers JSON with links (it answers HTML while the node is still processing, spec
 * §7.4, rclone issues #4382/#7971), up to `endTimeoutMs` (at most end.pl's 2-hour window), pausing as END_POLL
 * says (first pause `endPollMs`). Returns the links, or undefined on timeout; `label` names the upload in the
 * warning said after three polls.
 *
 * @throws AbortedError; any answer other than HTML, server or network trouble
 * @example
 * const links = await pollEnd(client, server, "a.bin", { endTimeoutMs: 0 }); // ask once
 */
export async function pollEnd(
  client: TransferClient,
  server: UploadServer,
  label: string,
  options: Pick<UploadRunOptions, "endTimeoutMs" | "endPollMs" | "signal" | "onWarning">,
): Promise<UploadLink[] | undefined> {
  const timeoutMs = Math.min(options.endTimeoutMs ?? DEFAULT_END_TIMEOUT_MS, END_WINDOW_MS);
  const deadline = Date.now() + timeoutMs;
  const policy = retryPolicy(END_POLL, { baseMs: options.endPollMs });
  for (let polls = 1; ; polls++) {
    if (options.signal?.aborted) {
      throw new AbortedError("upload interrupted while waiting for 1fichier to confirm it", {
        hint: "Run the same command again: the journal finds the file if it landed, without a duplicate.",
      });
    }
    // Said once, after a few quiet seconds: a long silence here looks like a hang.
    if (polls === 3) {
      options.onWarning?.(
        `${label}: sent; 1fichier has not confirmed it yet (end.pl), still asking for up to ${Math.max(1, Math.round(timeoutMs / 60_000))} min`,
      );
    }
    try {
      const r = await client.upload.finish({ server });
      if (r.links.length > 0) return r.links;
    } catch (e) {
      // HTML (not processed yet), server or network trouble: poll again; anything else is final.
      if (!(isFichierError(e) && (e.retryable || e instanceof HtmlResponseError))) throw e;
    }
    const wait = retryDelayMs(policy, polls);
    if (Date.now() + wait > deadline) return undefined;
    await pause(wait, options.signal);
  }
}
