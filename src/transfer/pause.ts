// The one abortable pause of the transfer layer (retry back-off, waiting for a claim).
import { systemClock } from "../api/governor.js";

/**
 * Waits `ms`, or less when `signal` aborts (it resolves either way: the caller checks the signal), and
 * leaves no timer or listener behind.
 *
 * @example
 * await pause(retryDelayMs(RANGE_RETRY, failures), signal);
 * if (signal.aborted) return;
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await systemClock.sleep(ms, signal).catch(() => {});
}
