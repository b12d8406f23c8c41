import { describe, expect, it } from "vitest";
import { ProgressReporter, SpeedMeter, type TransferEvent } from "../../../src/transfer/progress.js";

describe("progress", () => {
  it("measures speed over a sliding window and derives an ETA", () => {
    const m = new SpeedMeter(5000);
    m.add(1000, 0);
    m.add(1000, 1000);
    m.add(1000, 2000);
    expect(m.bytesPerSecond(2000)).toBe(1500);
    expect(m.eta(3000, 2000)).toBe(2);
    m.add(0, 20_000);
    expect(m.bytesPerSecond(20_000)).toBe(0);
    expect(m.eta(10, 20_000)).toBeNull();
    expect(m.totalBytes).toBe(3000);
  });

  it("throttles progress events and always emits the last one", () => {
    let t = 0;
    const events: TransferEvent[] = [];
    const p = new ProgressReporter(
      "download",
      "a",
      100,
      (e) => events.push(e),
      10,
      200,
      () => t,
    );
    for (let i = 0; i < 9; i++) {
      t += 50;
      p.advance(10);
    }
    p.finish();
    const progress = events.filter((e) => e.type === "progress");
    expect(progress.length).toBe(3);
    expect(progress.at(-1)).toMatchObject({ bytes: 100, size: 100, eta: 0 });
  });
});
