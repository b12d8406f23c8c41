/**
 * Commands that act on several items (`rm a b c`, `info u1 u2`, `upload`, `download`) go on after a failure,
 * then report: each failed item once on stderr (`Output.failed`: an `error` event with its `item` under
 * `--json`), the result lists them (`failed` in `--json`), and the exit code is 9 when some items failed, or
 * the code of the first failure when all of them did (8 first when a checksum differed).
 */
import { ChecksumMismatchError } from "../transfer/errors.js";
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
 * Reports failed items on stderr, once each, when there were several items: a lone item's error is the closing
 * line itself.
 *
 * @example
 * reportFailed(ctx.out, failed, total);
 */
export function reportFailed(out: Output, failed: readonly FailedItem[], total: number): void {
  if (total <= 1) return;
  for (const f of failed) out.failed(f.item, f.error, f.code);
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
      reportFailed(out, [failed], items.length);
    }
  }
  return outcome;
}

/**
 * Throws what the outcome calls for, after the command printed its result: nothing when all succeeded, a
 * checksum mismatch (exit 8) first, the first error when all failed, a {@link PartialSuccessError} (exit 9)
 * otherwise.
 *
 * @example
 * finishBatch(outcome, urls.length);
 */
export function finishBatch(outcome: { failed: FailedItem[]; errors: unknown[] }, total: number): void {
  if (outcome.failed.length === 0) return;
  const mismatch = outcome.errors.find((e) => e instanceof ChecksumMismatchError);
  if (mismatch) throw mismatch;
  if (outcome.failed.length === total) throw outcome.errors[0];
  throw new PartialSuccessError(total - outcome.failed.length, total, outcome.failed);
}

/**
 * The outcome of a transfer batch (`upload`, `download`) in the shape {@link finishBatch} and the `failed` list
 * take.
 *
 * @example
 * const outcome = transferOutcome(result.failed.map((f) => ({ item: f.path, error: f.error })));
 */
export function transferOutcome(failed: readonly { item: string; error: unknown }[]): {
  failed: FailedItem[];
  errors: unknown[];
} {
  return { failed: failed.map((f) => toFailedItem(f.item, f.error)), errors: failed.map((f) => f.error) };
}
