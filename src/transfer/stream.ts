// `fichier cat` and `play`: a file's bytes in order over one connection, straight to the reader, unverified
// (it may serve a range). The bytes come through fetch-range.ts, as a download's segments do.
import { AbortedError } from "../api/errors.js";
import { RANGE_RETRY, retryPolicy } from "../api/retry-policy.js";
import { type ByteBudget, byteBudgetOf } from "./bandwidth.js";
import type { TransferClient } from "./client.js";
import { DEFAULT_STALL_MS, fetchRange } from "./fetch-range.js";
import type { ByteRange } from "./segments.js";
import { type TokenSource, tokenSourceFor } from "./token-source.js";

/** Options of {@link streamFile}. */
export interface StreamFileOptions {
  url: string;
  /** Names the file in errors (default: the URL). */
  name?: string;
  password?: string;
  /** Only the bytes `[start, end)`. */
  range?: ByteRange;
  /** The file's size when known (skips `file/info.cgi`). */
  size?: number;
  signal?: AbortSignal;
  /** Attempts in a row without a byte before giving up (default RANGE_RETRY's 6). */
  attempts?: number;
  /** A connection that delivers no byte for this long is dropped and asked again (default 30 s). */
  stallMs?: number;
  /** Bandwidth limit in bytes per second, or a {@link ByteBudget} shared with other transfers. */
  bwlimit?: number | ByteBudget;
  /**
   * The file's token source, shared by several streams of one file (a player seeking: `fichier serve` keeps
   * one per file, so a token serves every seek while it is valid and a 410 refreshes it for all). Default: a
   * new one, i.e. one `get_token` call per stream.
   */
  tokens?: TokenSource;
}

/**
 * Streams a file (or the byte range `[start, end)` of it) over one connection, resuming from the last byte
 * received after a dropped connection or an expired token. For `fichier cat URL | mpv -`.
 *
 * @throws AbortedError; NotFoundError, NotAllowedError (a 403 is never retried), NetworkError after retries
 * @example
 * for await (const chunk of streamFile(client, { url })) process.stdout.write(chunk);
 */
export async function* streamFile(
  client: TransferClient,
  options: StreamFileOptions,
): AsyncGenerator<Uint8Array> {
  const signal = options.signal ?? new AbortController().signal;
  const password = options.password ? { password: options.password } : {};
  const size = options.size ?? (await client.files.info({ url: options.url, ...password })).size;
  const end = Math.min(options.range?.end ?? size, size);
  const budget = byteBudgetOf(options.bwlimit);
  yield* fetchRange(
    {
      client,
      tokens: options.tokens ?? tokenSourceFor(client, options.url, options.password),
      file: options.name ?? options.url,
      signal,
      stallMs: options.stallMs ?? DEFAULT_STALL_MS,
      policy: retryPolicy(RANGE_RETRY, { attempts: options.attempts }),
      ...(budget ? { budget } : {}),
    },
    options.range?.start ?? 0,
    () => end,
  );
  if (signal.aborted) throw new AbortedError();
}
