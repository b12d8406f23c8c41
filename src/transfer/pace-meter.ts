// Request latency and per-connection speed in one download, for time-aware work stealing (segments.ts).
import type { StealTiming } from "./segments.js";

/** A connection's speed is measured only after this long (the first bytes arrive in a burst). */
export const RATE_WARMUP_MS = 50;

/**
 * Running averages of request latency and per-connection speed in one download, for time-aware work
 * stealing (segments.ts stealSplit): until both are known, stealing falls back to halving by bytes.
 *
 * @example
 * const pace = new PaceMeter(); pace.latency(3); pace.rate(20_000); pace.timing(); // { latencyMs: 3, typicalRate: 20000 }
 */
export class PaceMeter {
  private latencyMs: number | undefined;
  private typicalRate: number | undefined;

  /** Records the time from sending a request to its response headers (ms). */
  latency(ms: number): void {
    this.latencyMs = this.latencyMs === undefined ? ms : 0.7 * this.latencyMs + 0.3 * ms;
  }

  /** Records a connection's measured speed (bytes per ms). */
  rate(bytesPerMs: number): void {
    this.typicalRate =
      this.typicalRate === undefined ? bytesPerMs : 0.9 * this.typicalRate + 0.1 * bytesPerMs;
  }

  /** What stealSplit needs, or undefined while either figure is unknown. */
  timing(): StealTiming | undefined {
    if (this.latencyMs === undefined || this.typicalRate === undefined) return undefined;
    return { latencyMs: this.latencyMs, typicalRate: this.typicalRate };
  }
}
