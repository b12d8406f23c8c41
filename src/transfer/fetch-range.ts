// The one way bytes come from a download link: Range requests on a token URL, through the client's HTTP
// exchange, retried after drops, stalls, 429 and 5xx (RANGE_RETRY), continued with a fresh token after a
// 410, stopped at once by answers no retry can help (link-answer.ts). The segments of a download and `cat`
// both read their bytes here.
import { FichierError, NetworkError, ServerError } from "../api/errors.js";
import { type RetryPolicy, retryDelayMs } from "../api/retry-policy.js";
import type { ByteBudget } from "./bandwidth.js";
import type { HttpAnswer, TransferClient } from "./client.js";
import { linkAnswer } from "./link-answer.js";
import { pause } from "./pause.js";
import { parseContentRange } from "./segments.js";
import type { TokenSource } from "./token-source.js";

/** The CLI has no --proxy option: a proxy is set through the environment (src/api/transport.ts). */
export const NETWORK_HINT =
  "Check the network connection; a proxy is taken from HTTPS_PROXY / HTTP_PROXY (NO_PROXY lists exceptions).";

/** A connection that delivers no byte for this long is dropped (and its range asked again). */
export const DEFAULT_STALL_MS = 30_000;

/** What a range fetch needs and whom it tells. */
export interface RangeFetch {
  client: TransferClient;
  tokens: TokenSource;
  /** Names the file in errors. */
  file: string;
  /** Ends the fetch quietly (the caller says why). */
  signal: AbortSignal;
  stallMs: number;
  /** Attempts without progress, and the pauses between them (RANGE_RETRY). */
  policy: RetryPolicy;
  /** The run's bandwidth limit, shared by every connection (`bwlimit`). */
  budget?: ByteBudget;
  /** An answer's headers arrived `latencyMs` after the request went out, at `at` (performance.now()). */
  onAnswer?: (latencyMs: number, at: number) => void;
  /**
   * An attempt ended short and another follows after a pause (`attempt` counts from 1 for this range);
   * awaited, so the reader can store what it holds meanwhile.
   */
  onRetry?: (reason: string, attempt: number) => void | Promise<void>;
}

/** How one request ended. */
interface Attempt {
  /** Bytes it yielded. */
  bytes: number;
  /** Why it ended short ("" when it reached the end, or a fresh token is all it needs). */
  reason: string;
  refreshed?: boolean;
}

/**
 * The bytes `[start, end())` of a file, in order, as they arrive: one Range request after another until the
 * range is complete. `end` is read before each request and each chunk, so the range may shrink while it runs
 * (work stealing). Ends quietly when `signal` aborts.
 *
 * @throws NetworkError after `policy.attempts` attempts in a row without a byte; the link's fatal answers
 *   (NotFoundError, NotAllowedError, ServerError); ServerError when tokens keep expiring
 * @example
 * for await (const chunk of fetchRange({ client, tokens, file, signal, stallMs, policy: RANGE_RETRY }, 0, () => size)) out.write(chunk);
 */
export async function* fetchRange(o: RangeFetch, start: number, end: () => number): AsyncGenerator<Buffer> {
  let cursor = start;
  let failures = 0;
  let retries = 0;
  while (cursor < end() && !o.signal.aborted) {
    const attempt = yield* fetchOnce(o, cursor, end);
    cursor += attempt.bytes;
    if (attempt.refreshed || cursor >= end() || o.signal.aborted) continue;
    // An attempt that brought bytes resets the count: a long download survives any number of drops.
    failures = attempt.bytes > 0 ? 0 : failures + 1;
    if (failures >= o.policy.attempts) {
      throw new NetworkError(`${o.file}: download failed after ${failures} attempts (${attempt.reason})`, {
        hint: NETWORK_HINT,
      });
    }
    await o.onRetry?.(attempt.reason, ++retries);
    await pause(retryDelayMs(o.policy, Math.max(1, failures)), o.signal);
  }
}

/** One request for `[from, end())`: yields its bytes, returns how it ended; throws what no retry can help. */
async function* fetchOnce(o: RangeFetch, from: number, end: () => number): AsyncGenerator<Buffer, Attempt> {
  const { url, generation } = await o.tokens.get();
  const ac = new AbortController();
  const stop = () => ac.abort(o.signal.reason);
  o.signal.addEventListener("abort", stop, { once: true });
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      ac.abort(new Error("stalled"));
    }, o.stallMs);
  };
  let bytes = 0;
  try {
    arm();
    const res = await request(o, url, from, end, ac.signal);
    const answer = linkAnswer(res.statusCode, o.file);
    if (answer.action !== "read") {
      await drain(res.body);
      if (answer.action === "fail") throw answer.error;
      if (answer.action === "retry") return { bytes, reason: answer.reason };
      o.tokens.expire(generation);
      return { bytes, reason: "", refreshed: true };
    }
    await checkStart(o, res, from);
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        arm();
        const room = end() - from - bytes;
        if (room <= 0) break;
        const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
        if (o.budget) {
          // Waiting for the budget is not the link going quiet: the stall clock stops meanwhile.
          clearTimeout(timer);
          await o.budget.take(piece.length, ac.signal);
          arm();
        }
        bytes += piece.length;
        yield piece;
        if (bytes >= end() - from) break;
      }
    } finally {
      // Leaving early (the range was shortened, or the reader stopped) closes the response.
      if (!res.body.destroyed) res.body.destroy();
    }
    return { bytes, reason: from + bytes < end() ? "connection closed early" : "" };
  } catch (e) {
    // Stopped from outside: end quietly, the caller knows why. Dropped for silence: try again.
    if (o.signal.aborted) return { bytes, reason: "" };
    if (stalled) return { bytes, reason: `no data for ${Math.round(o.stallMs / 1000)} s` };
    // Thrown above on purpose (the link's answer): final. Anything else is the network's: try again.
    if (e instanceof FichierError && !e.retryable) throw e;
    return { bytes, reason: describe(e) };
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener("abort", stop);
  }
}

/** The GET itself, timed for the work stealing's latency figure. */
async function request(
  o: RangeFetch,
  url: string,
  from: number,
  end: () => number,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  const sentAt = performance.now();
  const res = await o.client.http.request(url, {
    method: "GET",
    headers: { Range: `bytes=${from}-${end() - 1}` },
    signal,
  });
  const at = performance.now();
  o.onAnswer?.(at - sentAt, at);
  return res;
}

/** The body must start where it was asked to: a server ignoring Range would shift every byte. */
async function checkStart(o: RangeFetch, res: HttpAnswer, from: number): Promise<void> {
  const header = res.headers["content-range"];
  const range = parseContentRange(Array.isArray(header) ? header[0] : header);
  const bodyStart = res.statusCode === 206 ? (range?.start ?? -1) : 0;
  if (bodyStart === from) return;
  await drain(res.body);
  throw new ServerError(`${o.file}: the server answered bytes from ${bodyStart}, not ${from}`, {
    retryable: false,
  });
}

async function drain(body: HttpAnswer["body"]): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    // the connection is going away anyway
  }
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err?.code ? `${err.code}: ${err.message ?? ""}`.trim() : (err?.message ?? String(e));
}
