// A clock for the governor's unit tests: sleeps advance time at once and are recorded; an aborted signal
// rejects as the real clock does.
import { AbortedError } from "../../../src/api/errors.js";
import type { Clock } from "../../../src/api/governor.js";

/**
 * @example
 * const clock = fakeClock();
 * await clock.sleep(500); // clock.t moved 500 ms, clock.sleeps is [500]
 */
export function fakeClock(start = 1_000_000): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: start,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw new AbortedError();
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}
