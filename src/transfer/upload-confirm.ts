// Whether a sent body landed, and as what: end.pl (spec §7.4), polled through its HTML answers, and when it
// never answers with JSON, the folder listing.
import { AbortedError, HtmlResponseError, isFichierError, NetworkError } from "../api/errors.js";
import { END_POLL, retryDelayMs, retryPolicy } from "../api/retry-policy.js";
import type { UploadLink, UploadServer } from "../api/types.js";
import type { TransferClient } from "./client.js";
import { pause } from "./pause.js";
import type { LocalUpload, UploadFileOptions } from "./upload.js";
import { findRemoteMatch, listFolder } from "./upload-listing.js";
import type { Sent } from "./upload-send.js";

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
 * Asks end.pl (then the folder) where the sent body landed. `"resend"`: the answer was lost and neither knows
 * the file, so it most likely never landed and sending it again is what a rerun would do (`mayResend`).
 *
 * @throws NetworkError when neither end.pl nor the folder has it (a rerun finds it if it lands later)
 * @example
 * const landed = await confirmSent(client, options, file, sent, true);
 */
export async function confirmSent(
  client: TransferClient,
  options: UploadFileOptions,
  file: LocalUpload,
  sent: Sent,
  mayResend: boolean,
): Promise<Landed | "resend"> {
  options.onProgress?.({ type: "verify", direction: "upload", file: file.path });
  const link = await pollEnd(client, sent.server, file, {
    ...options,
    endTimeoutMs: endTimeout(options, sent.answerLost),
  });
  if (link) return { url: link.download, remoteWhirlpool: link.whirlpool.toLowerCase() };
  // end.pl never answered with JSON: the listing is the other source of truth.
  const items = await listFolder(client, file.folderId, options.listings, true);
  const match = findRemoteMatch(items, { name: file.name, size: file.size, whirlpool: sent.whirlpool });
  if (match) return { url: match.url, remoteWhirlpool: match.checksum.toLowerCase() };
  if (sent.answerLost && mayResend) {
    // A duplicate only if the node took longer still than end.pl's whole time.
    options.onWarning?.(
      `${file.name}: the lost upload did not land (end.pl and the folder do not have it); sending it again`,
    );
    await options.journal?.remove(sent.entry.id);
    return "resend";
  }
  throw new NetworkError(
    `${file.name}: end.pl gave no result and the file is not (yet) listed in folder ${file.folderId}`,
    {
      hint: "Run the same command again later: the journal will find the file if it landed, without a duplicate.",
    },
  );
}

/**
 * Without the 302, the body may never have reached the node (a reset once the last bytes were in the
 * socket's buffer). end.pl still gets the full time by default: a node may be processing a large file
 * (spec §7.4), and sending again before it is done would make a duplicate.
 */
function endTimeout(options: UploadFileOptions, answerLost: boolean): number {
  const full = options.endTimeoutMs ?? DEFAULT_END_TIMEOUT_MS;
  return answerLost ? Math.min(full, options.lostAnswerTimeoutMs ?? Number.POSITIVE_INFINITY) : full;
}

/**
 * Polls end.pl until it lists the upload (it answers HTML while the node is still processing, spec §7.4,
 * rclone issues #4382/#7971), up to `endTimeoutMs` (at most end.pl's 2-hour window), pausing as END_POLL
 * says (first pause `endPollMs`). Returns undefined on timeout.
 *
 * @throws AbortedError; any answer other than HTML, server or network trouble
 * @example
 * const link = await pollEnd(client, server, file, { endTimeoutMs: 0 }); // ask once
 */
export async function pollEnd(
  client: TransferClient,
  server: UploadServer,
  file: { name: string; size: number },
  options: Pick<UploadFileOptions, "endTimeoutMs" | "endPollMs" | "signal" | "onWarning">,
): Promise<UploadLink | undefined> {
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
        `${file.name}: sent; 1fichier has not confirmed it yet (end.pl), still asking for up to ${Math.max(1, Math.round(timeoutMs / 60_000))} min`,
      );
    }
    try {
      const r = await client.upload.finish({ server });
      const link = pickLink(r.links, file.name, file.size);
      if (link) return link;
    } catch (e) {
      // HTML (not processed yet), server or network trouble: poll again; anything else is final.
      if (!(isFichierError(e) && (e.retryable || e instanceof HtmlResponseError))) throw e;
    }
    const wait = retryDelayMs(policy, polls);
    if (Date.now() + wait > deadline) return undefined;
    await pause(wait, options.signal);
  }
}

/** The end.pl link describing our file: same name and size, else the only one (spec §7.4, rclone #5152). */
function pickLink(links: readonly UploadLink[], name: string, size: number): UploadLink | undefined {
  return (
    links.find((l) => l.filename === name && l.size === size) ?? (links.length === 1 ? links[0] : undefined)
  );
}
