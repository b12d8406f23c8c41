// Progress events for transfers, without any rendering: the CLI draws bars or prints NDJSON from them,
// library users get them through `onProgress`.

/** One event of a transfer. `file` is the local path (upload) or the remote name (download). */
export type TransferEvent =
  | { type: "start"; direction: "upload" | "download"; file: string; size: number; resumedBytes: number }
  | {
      type: "progress";
      direction: "upload" | "download";
      file: string;
      bytes: number;
      size: number;
      /** Bytes per second over the last few seconds. */
      speed: number;
      /** Seconds left at the current speed, or null when unknown. */
      eta: number | null;
    }
  | { type: "retry"; direction: "upload" | "download"; file: string; reason: string; attempt: number }
  | { type: "verify"; direction: "upload" | "download"; file: string }
  | {
      type: "done";
      direction: "upload" | "download";
      file: string;
      size: number;
      url?: string;
      path?: string;
      whirlpool: string;
      /** Why no bytes moved: "journal" (found uploaded by an earlier run), "exists" (--skip-existing). */
      skipped?: "journal" | "exists";
    }
  | { type: "error"; direction: "upload" | "download"; file: string; message: string };

/** Callback receiving transfer events. */
export type ProgressListener = (event: TransferEvent) => void;

/**
 * Transfer speed over a sliding window, with an ETA. Pure: the caller passes the clock.
 *
 * @example
 * const m = new SpeedMeter();
 * m.add(1_000_000, 0); m.add(1_000_000, 1000);
 * m.bytesPerSecond(1000); // 2_000_000 over the window
 */
export class SpeedMeter {
  private samples: { at: number; bytes: number }[] = [];
  private total = 0;

  constructor(private readonly windowMs = 5000) {}

  /** Records `bytes` transferred at time `now` (ms). */
  add(bytes: number, now: number): void {
    this.total += bytes;
    this.samples.push({ at: now, bytes });
    const cutoff = now - this.windowMs;
    while (this.samples.length > 1 && this.samples[0]!.at < cutoff) this.samples.shift();
  }

  /** Average bytes per second over the window ending at `now`. */
  bytesPerSecond(now: number): number {
    const first = this.samples[0];
    if (!first) return 0;
    const bytes = this.samples.reduce((n, s) => n + s.bytes, 0);
    // A window shorter than 1 s makes a noisy speed; count it as 1 s so early figures stay modest.
    const span = Math.max(1000, now - first.at);
    return (bytes * 1000) / span;
  }

  /** Seconds to transfer `remaining` bytes at the current speed, or null when the speed is 0. */
  eta(remaining: number, now: number): number | null {
    const speed = this.bytesPerSecond(now);
    if (speed <= 0) return null;
    return Math.ceil(remaining / speed);
  }

  /** Every byte recorded since creation. */
  get totalBytes(): number {
    return this.total;
  }
}

/**
 * Turns byte counts into throttled `progress` events for one file (at most one per `intervalMs`,
 * plus the final one).
 *
 * @example
 * const p = new ProgressReporter("upload", "a.bin", 100, (e) => console.log(e));
 * p.advance(50); p.finish();
 */
export class ProgressReporter {
  private readonly meter = new SpeedMeter();
  private bytes: number;
  private lastEmit = 0;

  constructor(
    private readonly direction: "upload" | "download",
    private readonly file: string,
    private readonly size: number,
    private readonly listener: ProgressListener | undefined,
    startBytes = 0,
    private readonly intervalMs = 200,
    private readonly now: () => number = Date.now,
  ) {
    this.bytes = startBytes;
  }

  /** Bytes done so far (including resumed ones). */
  get done(): number {
    return this.bytes;
  }

  /** Adds `n` transferred bytes, emitting a progress event when the interval has passed. */
  advance(n: number): void {
    this.bytes += n;
    const t = this.now();
    this.meter.add(n, t);
    if (t - this.lastEmit >= this.intervalMs) this.emit(t);
  }

  /** Removes bytes counted for data that must be fetched again (a dropped connection's partial chunk). */
  rewind(n: number): void {
    this.bytes = Math.max(0, this.bytes - n);
  }

  /** Emits the final progress event. */
  finish(): void {
    this.emit(this.now());
  }

  private emit(t: number): void {
    this.lastEmit = t;
    this.listener?.({
      type: "progress",
      direction: this.direction,
      file: this.file,
      bytes: this.bytes,
      size: this.size,
      speed: Math.round(this.meter.bytesPerSecond(t)),
      eta: this.meter.eta(this.size - this.bytes, t),
    });
  }
}
