import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addRange,
  contiguousEnd,
  coveredBytes,
  missingRanges,
  normalizeRanges,
  parseContentRange,
  parseUserRange,
  planSegments,
  stealSplit,
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

describe("planSegments", () => {
  it("splits a fresh file into N equal segments", () => {
    expect(planSegments(100, [], 4, 10)).toEqual([
      { start: 0, end: 25 },
      { start: 25, end: 50 },
      { start: 50, end: 75 },
      { start: 75, end: 100 },
    ]);
  });

  it("cuts segments over the maximum into equal pieces, in file order", () => {
    const segs = planSegments(100, [], 2, 10, 20);
    // two halves of 50, each cut into 3 pieces of at most 20
    expect(segs.map((r) => [r.start, r.end])).toEqual([
      [0, 16],
      [16, 33],
      [33, 50],
      [50, 66],
      [66, 83],
      [83, 100],
    ]);
  });

  it("never makes segments under the minimum and plans only missing bytes", () => {
    expect(planSegments(19, [], 8, 10)).toEqual([{ start: 0, end: 19 }]);
    expect(planSegments(40, [], 8, 10).length).toBe(4);
    const segs = planSegments(1000, [{ start: 0, end: 600 }], 4, 10);
    expect(segs.length).toBe(4);
    expect(segs[0]!.start).toBe(600);
    expect(coveredBytes(segs)).toBe(400);
  });

  it("property: segments are disjoint, cover exactly the missing bytes, at most N unless already fragmented", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.tuple(fc.nat(1_000_000), fc.nat(1_000_000)), { maxLength: 5 }),
        fc.integer({ min: 1, max: 30 }),
        (size, pairs, n) => {
          const done = pairs.map(([a, b]) => ({
            start: Math.min(a, b, size),
            end: Math.min(Math.max(a, b), size),
          }));
          const missing = missingRanges(size, done);
          const segs = planSegments(size, done, n, 1000);
          expect(normalizeRanges(segs)).toEqual(missing);
          expect(coveredBytes(segs)).toBe(coveredBytes(missing));
          expect(segs.length).toBeLessThanOrEqual(Math.max(n, missing.length));
          const capped = planSegments(size, done, n, 1000, 50_000);
          expect(normalizeRanges(capped)).toEqual(missing);
          for (const s of capped) expect(s.end - s.start).toBeLessThanOrEqual(50_000);
          for (let i = 1; i < segs.length; i++)
            expect(segs[i]!.start).toBeGreaterThanOrEqual(segs[i - 1]!.end);
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
