// Running a sync's steps a few at a time: `parallel` workers take items in order; a failure is the step's own
// business (each step records it), so one bad item never stops the others. An abort stops taking new items.
import { AbortedError } from "../api/errors.js";

/**
 * Runs `fn` on every item, at most `parallel` at once, in order of the list.
 *
 * @example
 * ```ts
 * await forEachParallel(plan.transfers, 2, (t) => dest.transfer(t));
 * ```
 * @throws AbortedError when `signal` aborts; whatever `fn` throws
 */
export async function forEachParallel<T>(
  items: readonly T[],
  parallel: number,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (signal?.aborted) throw new AbortedError();
      await fn(items[next++] as T);
    }
  };
  const n = Math.max(1, Math.min(Math.floor(parallel), items.length));
  await Promise.all(Array.from({ length: n }, worker));
}
