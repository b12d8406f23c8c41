// --bwlimit: one byte budget shared by every connection of a run (all segments of a download, all files of an
// upload), so a backup does not fill the line. A token bucket that lets a caller run into debt and then sleeps
// it off through the one clock (governor.ts `systemClock`): no busy-waiting, and concurrent callers queue in
// the order they asked, each waiting for the bytes taken before it.
import { FichierError } from "../api/errors.js";
import { type Clock, systemClock } from "../api/governor.js";

/** The slowest rate accepted: below it, a 1 KiB piece waits over a second and idle timeouts come near. */
export const MIN_RATE = 1024;
/** Largest piece handed over at once under a limit, so the bytes flow evenly rather than in 1 MiB bursts. */
const MAX_PIECE = 64 * 1024;
/** What may go at once after an idle moment: a quarter of a second's worth, at least one piece. */
const BURST_SECONDS = 0.25;

const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * A rate that cannot be read: the message names the value, the hint the accepted forms.
 *
 * @example
 * try { parseRate("fast"); } catch (e) { if (e instanceof RateSyntaxError) console.error(`${e.message}: ${e.hint}`); }
 */
export class RateSyntaxError extends FichierError {
  static override defaultHint = "give bytes per second with a binary unit, e.g. 512k, 10M or 1.5G, or off";
  override name = "RateSyntaxError";
}

/**
 * Parses a bandwidth limit in rclone's `--bwlimit` syntax, one rate (no timetable, no `UP:DOWN` pair): a
 * number with an optional unit, binary multiples, case-insensitive: `B` bytes, `K` (`Ki`, `KiB`, `KB`) 1024,
 * `M` 1024², `G` 1024³, `T` 1024⁴, an optional `/s`; a bare number is KiB/s, as in rclone. `off` (or `0`)
 * means no limit and gives `undefined`. Pure.
 *
 * @throws RateSyntaxError for anything else, a pair or a timetable, or a rate under 1 KiB/s
 * @example
 * parseRate("10M"); // 10485760
 * parseRate("512k"); // 524288
 * parseRate("off"); // undefined
 */
export function parseRate(text: string): number | undefined {
  const t = text.trim();
  const shown = JSON.stringify(text);
  if (/^(off|0+(\.0*)?)$/i.test(t)) return undefined;
  if (/[:,;\s]/.test(t)) {
    throw new RateSyntaxError(`${shown} is not one rate`, {
      hint: "give one rate, e.g. 10M (rclone's timetables and UPLOAD:DOWNLOAD pairs are not taken)",
    });
  }
  const m = /^(\d+(?:\.\d+)?|\.\d+)(?:([kmgt])i?b?|(b))?(?:\/s)?$/i.exec(t);
  if (!m) throw new RateSyntaxError(`${shown} is not a rate`);
  const unit = (m[2] ?? m[3] ?? "k").toLowerCase();
  const bytes = Math.floor(Number(m[1]) * (UNITS[unit] ?? 1024));
  if (bytes < MIN_RATE) {
    throw new RateSyntaxError(`${shown} is below 1 KiB/s`, {
      hint: "give 1k or more (slower rates come near the idle timeouts of connections), or off",
    });
  }
  return bytes;
}

/**
 * A byte budget of `bytesPerSecond`, shared by the connections that take from it. Pass the same instance to
 * several transfers to share one limit between them (the `bwlimit` option takes a number or a budget).
 *
 * @example
 * const budget = new ByteBudget(10 * 1024 * 1024);
 * for (const piece of budget.pieces(chunk)) { await budget.take(piece.length, signal); socket.write(piece); }
 */
export class ByteBudget {
  /** Largest piece to take at once. */
  readonly piece: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;
  /** Times a caller had to sleep, and for how long in all (ms): what the tests count. */
  waits = 0;
  waitedMs = 0;

  constructor(
    readonly bytesPerSecond: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(bytesPerSecond >= 1)) throw new RangeError(`a byte budget needs a rate of 1 byte/s or more`);
    // A piece takes at most ~1/8 s at the rate, so pauses stay short and no idle timeout is approached.
    this.piece = Math.max(1024, Math.min(MAX_PIECE, Math.floor(bytesPerSecond / 8)));
    this.burst = Math.max(this.piece, bytesPerSecond * BURST_SECONDS);
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /**
   * Takes `bytes` from the budget, sleeping until the rate allows them. Callers at once are served in order:
   * each one's debt includes the bytes taken before it.
   *
   * @throws AbortedError when `signal` aborts the sleep
   */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    const ms = (-this.tokens * 1000) / this.bytesPerSecond;
    this.waits++;
    this.waitedMs += ms;
    await this.clock.sleep(ms, signal);
  }

  /** `chunk` cut into pieces of at most {@link piece} bytes (views, no copy). */
  *pieces(chunk: Uint8Array): Generator<Uint8Array> {
    if (chunk.length <= this.piece) {
      yield chunk;
      return;
    }
    for (let i = 0; i < chunk.length; i += this.piece) yield chunk.subarray(i, i + this.piece);
  }
}

/**
 * The budget a `bwlimit` option stands for: none for `undefined` or 0, a new one for a number (bytes per
 * second), the same one for a budget (shared with other transfers).
 *
 * @example
 * const budget = byteBudgetOf(options.bwlimit); // undefined: no limit
 */
export function byteBudgetOf(bwlimit: number | ByteBudget | undefined): ByteBudget | undefined {
  if (bwlimit === undefined || bwlimit === 0) return undefined;
  return typeof bwlimit === "number" ? new ByteBudget(bwlimit) : bwlimit;
}

/**
 * The chunks of `source`, paced by `budget` (cut into pieces, each taken from the budget before it is
 * yielded); unchanged without a budget.
 *
 * @example
 * for await (const piece of throttled(createReadStream(path), budget, signal)) yield piece;
 */
export async function* throttled<T extends Uint8Array>(
  source: AsyncIterable<T>,
  budget: ByteBudget | undefined,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  if (!budget) {
    yield* source;
    return;
  }
  for await (const chunk of source) {
    for (const piece of budget.pieces(chunk)) {
      await budget.take(piece.length, signal);
      yield piece;
    }
  }
}
