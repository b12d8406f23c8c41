// --bwlimit: the rate syntax (rclone's, one rate), and the shared byte budget measured on an injected clock:
// the time it makes a known volume take, never wall time.
import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/api/governor.js";
import {
  ByteBudget,
  byteBudgetOf,
  parseRate,
  RateSyntaxError,
  throttled,
} from "../../../src/transfer/bandwidth.js";
import { fakeClock } from "../api/fake-clock.js";

const KiB = 1024;
const MiB = 1024 * 1024;

describe("parseRate", () => {
  it.each([
    ["10M", 10 * MiB],
    ["10m", 10 * MiB],
    ["10MiB", 10 * MiB],
    ["10Mi", 10 * MiB],
    ["10MB", 10 * MiB],
    ["512k", 512 * KiB],
    ["512K", 512 * KiB],
    ["1.5G", 1.5 * 1024 * MiB],
    ["1T", 1024 * 1024 * MiB],
    ["2048b", 2048],
    ["2048B", 2048],
    ["100", 100 * KiB], // a bare number is KiB/s, as in rclone
    [" 4M ", 4 * MiB],
    ["4M/s", 4 * MiB],
    [".5M", 512 * KiB],
  ])("%s is %d bytes per second", (text, bytes) => {
    expect(parseRate(text)).toBe(bytes);
  });

  it.each(["off", "OFF", "0", "0.0"])("%s means no limit", (text) => {
    expect(parseRate(text)).toBeUndefined();
  });

  it.each(["", "fast", "10X", "-1M", "1e6", "M", "10 M", "10MiBs", "1..5M"])("%s is refused", (text) => {
    expect(() => parseRate(text)).toThrow(RateSyntaxError);
  });

  it("refuses rclone's timetables and UP:DOWN pairs with a hint saying one rate", () => {
    for (const text of ["10M:1M", "08:00,512k 12:00,off", "Mon-10:00,1M"]) {
      try {
        parseRate(text);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(RateSyntaxError);
        expect((e as RateSyntaxError).hint).toMatch(/one rate/);
      }
    }
  });

  it("refuses a rate under 1 KiB/s, naming the slowest accepted", () => {
    expect(() => parseRate("1000b")).toThrow(/below 1 KiB\/s/);
    expect(parseRate("1k")).toBe(1024);
  });
});

/**
 * A clock on which sleepers wake in time order and time jumps to the next wake-up once everyone else is
 * waiting: concurrent takers see the same time, as on a real clock, with no real waiting.
 */
function virtualClock(): Clock & { t: number; drive(work: Promise<unknown>): Promise<void> } {
  const timers: { at: number; wake: () => void }[] = [];
  const c = {
    t: 0,
    now: () => c.t,
    sleep: (ms: number) => new Promise<void>((wake) => timers.push({ at: c.t + ms, wake })),
    async drive(work: Promise<unknown>) {
      let finished = false;
      void work.finally(() => {
        finished = true;
      });
      for (;;) {
        await new Promise((r) => setImmediate(r));
        if (finished && timers.length === 0) return;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (!next) {
          if (finished) return;
          continue;
        }
        c.t = Math.max(c.t, next.at);
        next.wake();
      }
    },
  };
  return c;
}

describe("ByteBudget", () => {
  it("makes a known volume take (volume - burst) / rate, sleeping once per piece over the burst", async () => {
    const clock = fakeClock(0);
    const rate = 1 * MiB;
    const budget = new ByteBudget(rate, clock);
    const volume = 10 * MiB;
    let taken = 0;
    while (taken < volume) {
      await budget.take(budget.piece);
      taken += budget.piece;
    }
    const burst = rate / 4;
    const expectedMs = ((volume - burst) / rate) * 1000;
    expect(clock.t).toBeCloseTo(expectedMs, 0);
    expect(budget.waitedMs).toBeCloseTo(expectedMs, 0);
    // No busy-waiting: one sleep per piece taken past the burst, never more.
    expect(budget.waits).toBe(clock.sleeps.length);
    expect(budget.waits).toBe((volume - burst) / budget.piece);
  });

  it("is shared: four connections together get the one rate, not four times it", async () => {
    const clock = virtualClock();
    const rate = 512 * KiB;
    const budget = new ByteBudget(rate, clock);
    const perConnection = 2 * MiB;
    const connection = async () => {
      for (let sent = 0; sent < perConnection; sent += 16 * KiB) await budget.take(16 * KiB);
    };
    await clock.drive(Promise.all([connection(), connection(), connection(), connection()]));
    const expectedMs = ((4 * perConnection - rate / 4) / rate) * 1000;
    expect(clock.t).toBeGreaterThanOrEqual(expectedMs - 1);
    expect(clock.t).toBeLessThan(expectedMs * 1.02);
  });

  it("refills while idle, up to a quarter second's worth", async () => {
    const clock = fakeClock(0);
    const budget = new ByteBudget(100 * KiB, clock);
    await budget.take(25 * KiB); // the burst
    expect(budget.waits).toBe(0);
    clock.t += 60_000; // a minute idle refills the burst, not a minute's worth
    await budget.take(25 * KiB);
    expect(budget.waits).toBe(0);
    await budget.take(10 * KiB);
    expect(clock.sleeps).toEqual([100]);
  });

  it("throttled() cuts chunks into pieces and paces them; without a budget it passes chunks through", async () => {
    const clock = fakeClock(0);
    const budget = new ByteBudget(64 * KiB, clock);
    async function* source() {
      yield Buffer.alloc(100 * KiB);
    }
    const sizes: number[] = [];
    for await (const piece of throttled(source(), budget)) sizes.push(piece.length);
    expect(sizes.every((n) => n <= budget.piece)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100 * KiB);
    expect(clock.t).toBeCloseTo(((100 * KiB - 16 * KiB) / (64 * KiB)) * 1000, 0);
    const plain: number[] = [];
    for await (const piece of throttled(source(), undefined)) plain.push(piece.length);
    expect(plain).toEqual([100 * KiB]);
  });

  it("byteBudgetOf: none for undefined and 0, a new budget for a number, the same one for a budget", () => {
    expect(byteBudgetOf(undefined)).toBeUndefined();
    expect(byteBudgetOf(0)).toBeUndefined();
    expect(byteBudgetOf(1000)?.bytesPerSecond).toBe(1000);
    const shared = new ByteBudget(1000);
    expect(byteBudgetOf(shared)).toBe(shared);
  });
});
