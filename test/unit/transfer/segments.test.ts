import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addRange,
  contiguousEnd,
  coveredBytes,
  MIN_STEAL_BYTES,
  missingRanges,
  normalizeRanges,
  parseContentRange,
  parseUserRange,
  stealSplit,
  takePiece,
} from "../../../src/transfer/segments.js";

describe("range sets", () => {
  it("merges overlapping and touching ranges and drops empty ones", () => {
    expect(
      normalizeRanges([
        { start: 10, end: 20 },
        { start: 0, end: 5 },
        { start: 5, end: 7 },
        { start: 15, end: 25 },
        { start: 30, end: 30 },
      ]),
    ).toEqual([
      { start: 0, end: 7 },
      { start: 10, end: 25 },
    ]);
  });

  it("computes missing ranges and the contiguous frontier", () => {
    const done = addRange([{ start: 0, end: 4 }], { start: 6, end: 9 });
    expect(missingRanges(12, done)).toEqual([
      { start: 4, end: 6 },
      { start: 9, end: 12 },
    ]);
    expect(contiguousEnd(done, 0)).toBe(4);
    expect(contiguousEnd(done, 4)).toBe(4);
    expect(contiguousEnd(done, 7)).toBe(9);
    expect(coveredBytes(done)).toBe(7);
  });

  it("property: covered + missing partition the file", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.tuple(fc.nat(10_000), fc.nat(10_000))),
        (size, pairs) => {
          const done = pairs.map(([a, b]) => ({
            start: Math.min(a, b, size),
            end: Math.min(Math.max(a, b), size),
          }));
          const missing = missingRanges(size, done);
          expect(coveredBytes(done) + coveredBytes(missing)).toBe(size);
          expect(coveredBytes([...done, ...missing])).toBe(size);
        },
      ),
    );
  });
});

describe("takePiece", () => {
  it("takes guided pieces from the front: large first, small near the end", () => {
    const pending = [{ start: 0, end: 100 }];
    const sizes: number[] = [];
    for (let p = takePiece(pending, 2, 5, 20); p; p = takePiece(pending, 2, 5, 20))
      sizes.push(p.end - p.start);
    // ceil(left / (2 * 2)) within [5, 20]: 100->25->20, 80->20, 60->15, 45->12, 33->9, 24->6, 18->5,
    // 13->4->5; then 8 left, and taking 5 would leave 3 (< 5), so the last piece is all 8.
    expect(sizes).toEqual([20, 20, 15, 12, 9, 6, 5, 5, 8]);
    expect(pending).toEqual([]);
  });
  it("gives one connection the largest pieces (it fetches in order anyway)", () => {
    const pending = [{ start: 0, end: 100 }];
    expect(takePiece(pending, 1, 5, 30)).toEqual({ start: 0, end: 30 });
    expect(takePiece(pending, 1, 5, 30)).toEqual({ start: 30, end: 60 });
    expect(takePiece(pending, 1, 5, 30)).toEqual({ start: 60, end: 90 });
    expect(takePiece(pending, 1, 5, 30)).toEqual({ start: 90, end: 100 });
    const short = [{ start: 0, end: 33 }];
    expect(takePiece(short, 1, 5, 30)).toEqual({ start: 0, end: 33 }); // 3 left over would be too small
    expect(takePiece(pending, 1, 5, 30)).toBeUndefined();
  });
  it("hands out every missing byte once, in file order, each piece within the guided bound", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.tuple(fc.nat(1_000_000), fc.nat(1_000_000)), { maxLength: 5 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (size, pairs, n, min, max) => {
          const done = pairs.map(([a, b]) => ({
            start: Math.min(a, b, size),
            end: Math.min(Math.max(a, b), size),
          }));
          const missing = missingRanges(size, done);
          const pending = missing.map((r) => ({ ...r }));
          const pieces = [];
          for (;;) {
            const left = coveredBytes(pending);
            const p = takePiece(pending, n, min, max);
            if (!p) break;
            const len = p.end - p.start;
            const cap = Math.max(max, min);
            const guided = n > 1 ? Math.min(cap, Math.max(min, Math.ceil(left / (2 * n)))) : cap;
            // At most the guided size plus a leftover too small to be its own piece. (Plain comparisons
            // in the loop: a run may hand out a million 1-byte pieces, and expect() costs per call.)
            if (!(len > 0 && len < guided + min)) {
              throw new Error(`piece ${JSON.stringify(p)} is not within (0, ${guided + min})`);
            }
            pieces.push(p);
          }
          for (let i = 1; i < pieces.length; i++) {
            if (pieces[i]!.start < pieces[i - 1]!.end) {
              throw new Error(`piece ${i} starts before piece ${i - 1} ends`);
            }
          }
          expect(normalizeRanges(pieces)).toEqual(missing);
        },
      ),
    );
  });
});

describe("takePiece first round", () => {
  it("rises through the first round so that pieces starting together finish in file order", () => {
    const MiB = 1024 * 1024;
    const pending = [{ start: 0, end: 256 * MiB }];
    const n = 8;
    const sizes = Array.from({ length: n }, (_, i) => {
      const p = takePiece(pending, n, MiB, 16 * MiB, (i + 1) / n);
      return (p?.end ?? 0) - (p?.start ?? 0);
    });
    for (let i = 1; i < n; i++) expect(sizes[i]).toBeGreaterThan(sizes[i - 1] as number);
    expect(sizes[0]).toBe(2 * MiB); // 1/8 of the guided 16 MiB
    // At equal speeds, the piece started next by the first connection to finish ends after the round.
    const next = takePiece(pending, n, MiB, 16 * MiB);
    const firstDone = sizes[0] as number;
    expect(firstDone + ((next?.end ?? 0) - (next?.start ?? 0))).toBeGreaterThan(sizes[n - 1] as number);
  });
  it("never goes under the minimum or over the guided size, whatever the share", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: -1, max: 2, noNaN: true }),
        (size, share) => {
          const pending = [{ start: 0, end: size }];
          const p = takePiece(pending, 4, 1000, 100_000, share);
          const len = (p?.end ?? 0) - (p?.start ?? 0);
          expect(len).toBeGreaterThanOrEqual(Math.min(1000, size));
          expect(len).toBeLessThan(Math.max(1000, Math.min(100_000, Math.ceil(size / 8))) + 1000);
        },
      ),
    );
  });
});

describe("stealSplit", () => {
  it("splits the segment with the most bytes left at the middle of what is left", () => {
    const active = [
      { start: 0, cursor: 90, end: 100 },
      { start: 100, cursor: 110, end: 300 },
    ];
    expect(stealSplit(active, 10)).toEqual({ index: 1, at: 205 });
  });
  it("refuses when nothing is worth splitting", () => {
    expect(stealSplit([{ start: 0, cursor: 90, end: 100 }], 10)).toBeUndefined();
    expect(stealSplit([], 10)).toBeUndefined();
  });
});

describe("stealSplit with timing", () => {
  const MiB = 1024 * 1024;
  const timing = { latencyMs: 5, typicalRate: 20_000 }; // ~20 MB/s per connection
  it("splits so that both connections finish together, the thief starting a latency late", () => {
    const split = stealSplit([{ start: 0, cursor: 0, end: 2 * MiB, rate: 20_000 }], MiB, timing);
    expect(split).toBeDefined();
    const at = split?.at ?? 0;
    const victimDone = at / 20_000;
    const thiefDone = 5 + (2 * MiB - at) / 20_000;
    expect(Math.abs(victimDone - thiefDone)).toBeLessThan(0.01);
  });
  it("takes from the segment expected to finish last, a stalled one first", () => {
    const active = [
      { start: 0, cursor: 0, end: 4 * MiB, rate: 40_000 }, // 105 ms left
      { start: 4 * MiB, cursor: 4 * MiB, end: 7 * MiB, rate: 10_000 }, // 315 ms left
    ];
    expect(stealSplit(active, MiB, timing)?.index).toBe(1);
    const stalled = [...active, { start: 7 * MiB, cursor: 7 * MiB, end: 7 * MiB + 512 * 1024, rate: 0 }];
    expect(stealSplit(stalled, MiB, timing)).toEqual({ index: 2, at: 7 * MiB + 256 * 1024 });
  });
  it("refuses a steal that saves less than the request latency", () => {
    // 300 KB left at 20 MB/s is 15 ms; a thief answered after 40 ms cannot help.
    expect(
      stealSplit([{ start: 0, cursor: 0, end: 300_000, rate: 20_000 }], MiB, { ...timing, latencyMs: 40 }),
    ).toBeUndefined();
  });
  it("always leaves both sides at least the smallest steal, inside the segment", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cursor: fc.nat(10_000_000),
            len: fc.nat(10_000_000),
            rate: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }),
          }),
          { maxLength: 8 },
        ),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        (segs, latencyMs, typicalRate) => {
          const active = segs.map((s) => ({
            start: s.cursor,
            cursor: s.cursor,
            end: s.cursor + s.len,
            ...(s.rate === undefined ? {} : { rate: s.rate }),
          }));
          const split = stealSplit(active, MiB, { latencyMs, typicalRate });
          if (!split) return;
          const seg = active[split.index];
          expect(seg).toBeDefined();
          expect(split.at).toBeGreaterThanOrEqual((seg?.cursor ?? 0) + MIN_STEAL_BYTES);
          expect(split.at).toBeLessThanOrEqual((seg?.end ?? 0) - MIN_STEAL_BYTES);
        },
      ),
    );
  });
});

describe("header and user ranges", () => {
  it("parses Content-Range", () => {
    expect(parseContentRange("bytes 0-9/100")).toEqual({ start: 0, end: 10, total: 100 });
    expect(parseContentRange("bytes 5-5/*")).toEqual({ start: 5, end: 6, total: undefined });
    expect(parseContentRange("garbage")).toBeUndefined();
    expect(parseContentRange(undefined)).toBeUndefined();
  });
  it("parses --range values like HTTP (inclusive end)", () => {
    expect(parseUserRange("0-99", 1000)).toEqual({ start: 0, end: 100 });
    expect(parseUserRange("900-", 1000)).toEqual({ start: 900, end: 1000 });
    expect(parseUserRange("-10", 1000)).toEqual({ start: 990, end: 1000 });
    expect(parseUserRange("990-5000", 1000)).toEqual({ start: 990, end: 1000 });
    expect(() => parseUserRange("1000-", 1000)).toThrow(/outside/);
    expect(() => parseUserRange("abc", 1000)).toThrow(/invalid range/);
    expect(() => parseUserRange("-", 1000)).toThrow(/invalid range/);
  });
});

describe("PaceMeter", () => {
  it("gives no timing until both a latency and a speed were seen, then running averages", async () => {
    const { PaceMeter } = await import("../../../src/transfer/pace-meter.js");
    const pace = new PaceMeter();
    expect(pace.timing()).toBeUndefined();
    pace.latency(10);
    expect(pace.timing()).toBeUndefined();
    pace.rate(1000);
    expect(pace.timing()).toEqual({ latencyMs: 10, typicalRate: 1000 });
    pace.latency(20);
    pace.rate(2000);
    expect(pace.timing()?.latencyMs).toBeCloseTo(13);
    expect(pace.timing()?.typicalRate).toBeCloseTo(1100);
  });
});
