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
            // At most the guided size plus a leftover too small to be its own piece.
            expect(len).toBeLessThan(guided + min);
            expect(len).toBeGreaterThan(0);
            pieces.push(p);
          }
          for (let i = 1; i < pieces.length; i++)
            expect(pieces[i]!.start).toBeGreaterThanOrEqual(pieces[i - 1]!.end);
          expect(normalizeRanges(pieces)).toEqual(missing);
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
