/** Per-connection bandwidth cap (bytes/s) for uploads and downloads; real time, not the emulator clock. */
import { Transform, type TransformCallback } from "node:stream";

/**
 * The time a bandwidth cap is kept on: real time by default. It is not the emulator clock, which tests
 * move in jumps for expiries and limits; a test of the cap itself injects its own to count the waits.
 */
export interface PaceClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Real time: `Date.now` and a timer.
 * @example
 * await realPace.sleep(50);
 */
export const realPace: PaceClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * Paces a byte count: `delayFor(n)` says how long to wait before handing over the next n bytes.
 * @example
 * const p = new Pacer(1000); p.delayFor(500, 0); // 0: the first bytes go at once
 * p.delayFor(500, 0); // 500 (ms): they wait for the first 500 bytes to fit the rate
 */
export class Pacer {
  private sent = 0;
  private start: number | null = null;
  constructor(private readonly bytesPerSecond: number) {}

  /** Milliseconds to wait before `n` more bytes may go, at time `now` (ms). */
  delayFor(n: number, now: number): number {
    if (this.start === null) this.start = now;
    // The first bytes go at once; each later slice waits until the bytes before it fit the rate.
    const due = this.start + (this.sent / this.bytesPerSecond) * 1000;
    this.sent += n;
    return Math.max(0, due - now);
  }
}

/**
 * A Transform that lets at most `bytesPerSecond` through, in slices of a twentieth of a second.
 * @example
 * pipeline(createReadStream(path), new Throttle(1_000_000, realPace), res, () => {});
 */
export class Throttle extends Transform {
  private readonly pacer: Pacer;
  private readonly slice: number;
  constructor(
    bytesPerSecond: number,
    private readonly clock: PaceClock,
  ) {
    super();
    this.pacer = new Pacer(bytesPerSecond);
    this.slice = Math.max(1024, Math.floor(bytesPerSecond / 20));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let offset = 0;
    const next = (): void => {
      if (offset >= chunk.length) {
        cb();
        return;
      }
      const piece = chunk.subarray(offset, offset + this.slice);
      offset += piece.length;
      const wait = this.pacer.delayFor(piece.length, this.clock.now());
      const go = (): void => {
        this.push(piece);
        next();
      };
      if (wait > 0) void this.clock.sleep(wait).then(go);
      else go();
    };
    next();
  }
}
