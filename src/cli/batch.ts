/**
 * Commands that act on several items (`rm a b c`, `info u1 u2`) go on after a failure, then report: the
 * result lists what failed (`failed` in `--json`), and the exit code is 9 when some items failed, or the code
 * of the first failure when all of them did.
 */
import { type FailedItem, PartialSuccessError } from "./errors.js";
import type { Output } from "./output.js";

/** Outcome of {@link runEach}. */
export interface BatchOutcome<R> {
  ok: { item: string; result: R }[];
  failed: FailedItem[];
  errors: unknown[];
}

/**
 * The `failed` entry of one item: its error's message, and its 1fichier `#code` when the service gave one.
 *
 * @example
 * toFailedItem("/a.txt", new NotFoundError("Resource not found", { code: 469 })); // { item, error, code: 469 }
 */
export function toFailedItem(item: string, e: unknown): FailedItem {
  const err = e as { message?: string; code?: unknown };
  const failed: FailedItem = { item, error: String(err.message ?? e) };
  if (typeof err.code === "number") failed.code = err.code;
  return failed;
}

/**
 * Runs `fn` on every item in order, collecting failures instead of stopping; each failure is reported on
 * stderr at once.
 *
 * @example
 * const outcome = await runEach(urls, (u) => client.files.info({ url: u }), ctx.out);
 */
export async function runEach<R>(
  items: string[],
  fn: (item: string) => Promise<R>,
  out: Output,
): Promise<BatchOutcome<R>> {
  const outcome: BatchOutcome<R> = { ok: [], failed: [], errors: [] };
  for (const item of items) {
    try {
      outcome.ok.push({ item, result: await fn(item) });
    } catch (e) {
      const failed = toFailedItem(item, e);
      outcome.failed.push(failed);
      outcome.errors.push(e);
      if (items.length > 1) out.warn(`${item}: ${failed.error}`);
    }
  }
  return outcome;
}

/**
 * Throws what the outcome calls for, after the command printed its result: nothing when all succeeded, the
 * first error when all failed, a {@link PartialSuccessError} (exit 9) otherwise.
 *
 * @example
 * finishBatch(outcome, urls.length);
 */
export function finishBatch(outcome: { failed: FailedItem[]; errors: unknown[] }, total: number): void {
  if (outcome.failed.length === 0) return;
  if (outcome.failed.length === total) throw outcome.errors[0];
  throw new PartialSuccessError(total - outcome.failed.length, total, outcome.failed);
}
