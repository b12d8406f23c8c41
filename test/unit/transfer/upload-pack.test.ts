// Which files share an upload request (upload-pack.ts) and which end.pl link is which file (upload-links.ts):
// pure, with fast-check properties for the packing invariants.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { UploadLink } from "../../../src/api/types.js";
import { matchLinks } from "../../../src/transfer/upload-links.js";
import {
  batchLimits,
  DEFAULT_BATCH,
  MAX_BATCH_FILES,
  type Packable,
  packUploads,
  type UploadUnit,
} from "../../../src/transfer/upload-pack.js";

const MiB = 1024 * 1024;
const file = (name: string, size: number, folderId = 1): Packable => ({ name, size, folderId });
const filesOf = (u: UploadUnit<Packable>) => (u.kind === "one" ? [u.file] : u.files);

describe("packUploads", () => {
  it("puts the small files of a folder together, up to the count, and large files alone", () => {
    const small = Array.from({ length: 250 }, (_, i) => file(`f${i}`, 1000));
    const big = file("big.iso", 16 * MiB);
    const units = packUploads([...small.slice(0, 120), big, ...small.slice(120)], DEFAULT_BATCH);
    // A batch takes the place of its first file: the second opened at the 101st file, before big.iso.
    expect(units.map((u) => (u.kind === "one" ? `one:${u.file.name}` : u.files.length))).toEqual([
      100,
      100,
      "one:big.iso",
      50,
    ]);
  });

  it("keeps to the byte limit and to one folder per request", () => {
    const units = packUploads(
      [
        file("a", 12 * MiB),
        file("b", 10 * MiB),
        file("c", 5 * MiB, 2),
        file("d", 8 * MiB),
        file("e", 15 * MiB),
      ],
      { files: 100, bytes: 20 * MiB },
    );
    // a + b is over 20 MiB: b opens a second batch; d fits beside a; c is alone in folder 2; e fits nowhere.
    expect(units.map((u) => filesOf(u).map((f) => f.name))).toEqual([["a", "d"], ["b"], ["c"], ["e"]]);
    expect(units.map((u) => u.kind)).toEqual(["batch", "one", "one", "one"]);
  });

  it("never puts two files of one name in a request: the second goes in the next one", () => {
    const units = packUploads([file("x", 5), file("y", 5), file("x", 5), file("z", 5)], DEFAULT_BATCH);
    expect(units.map((u) => filesOf(u).map((f) => f.name))).toEqual([["x", "y", "z"], ["x"]]);
  });

  it("false sends one request per file", () => {
    const units = packUploads([file("a", 1), file("b", 1)], false);
    expect(units).toEqual([
      { kind: "one", file: file("a", 1) },
      { kind: "one", file: file("b", 1) },
    ]);
  });

  it("every file once, in its folder's requests, within the limits (property)", () => {
    const arb = fc.record({
      files: fc.array(
        fc.record({
          name: fc.constantFrom("a", "b", "c", "d", "e", "f"),
          size: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 16 * MiB, max: 17 * MiB })),
          folderId: fc.integer({ min: 0, max: 3 }),
        }),
        { maxLength: 60 },
      ),
      limits: fc.record({
        files: fc.integer({ min: 1, max: 8 }),
        bytes: fc.integer({ min: 1, max: 20_000 }),
      }),
    });
    fc.assert(
      fc.property(arb, ({ files, limits }) => {
        const units = packUploads(files, limits);
        const seen = units.flatMap(filesOf);
        expect(seen.length).toBe(files.length);
        expect(new Set(seen).size).toBe(files.length);
        for (const u of units) {
          if (u.kind === "one") continue;
          expect(u.files.length).toBeGreaterThan(1);
          expect(u.files.length).toBeLessThanOrEqual(limits.files);
          expect(u.files.reduce((n, f) => n + f.size, 0)).toBeLessThanOrEqual(limits.bytes);
          expect(new Set(u.files.map((f) => f.folderId)).size).toBe(1);
          expect(new Set(u.files.map((f) => f.name)).size).toBe(u.files.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("batchLimits", () => {
  it("fills in the defaults, and refuses counts 1fichier would not take", () => {
    expect(batchLimits(undefined)).toEqual(DEFAULT_BATCH);
    expect(batchLimits({ files: 500 })).toEqual({ files: 500, bytes: DEFAULT_BATCH.bytes });
    expect(batchLimits(false)).toBe(false);
    expect(() => batchLimits({ files: MAX_BATCH_FILES + 1 })).toThrow(/1 to 500/);
    expect(() => batchLimits({ files: 0 })).toThrow(RangeError);
    expect(() => batchLimits({ bytes: 0 })).toThrow(RangeError);
  });
});

const link = (filename: string, size: number, whirlpool: string): UploadLink =>
  ({ download: `https://1fichier.com/?${filename}`, filename, size, whirlpool, remove: "" }) as UploadLink;

describe("matchLinks", () => {
  it("pairs by name and size whatever the order of the links", () => {
    const links = [link("c", 3, "w3"), link("a", 1, "w1"), link("b", 2, "w2")];
    const found = matchLinks(links, [
      { name: "a", size: 1 },
      { name: "b", size: 2 },
      { name: "c", size: 3 },
    ]);
    expect(found.map((l) => l?.filename)).toEqual(["a", "b", "c"]);
  });

  it("pairs a file 1fichier renamed by size and Whirlpool, and leaves a file without a link undefined", () => {
    const links = [link("a (1)", 1, "AA"), link("b", 2, "w2")];
    const found = matchLinks(links, [
      { name: "a", size: 1, whirlpool: "aa" },
      { name: "b", size: 2, whirlpool: "w2" },
      { name: "gone", size: 9, whirlpool: "w9" },
    ]);
    expect(found.map((l) => l?.filename)).toEqual(["a (1)", "b", undefined]);
  });

  it("pairs the one file left with the one link left (the Whirlpool check then judges), never two", () => {
    expect(matchLinks([link("other", 5, "zz")], [{ name: "a", size: 1 }])[0]?.filename).toBe("other");
    const two = matchLinks(
      [link("p", 5, "zz"), link("q", 6, "yy")],
      [
        { name: "a", size: 1 },
        { name: "b", size: 2 },
      ],
    );
    expect(two).toEqual([undefined, undefined]);
    // A one-file question against a batch's answer: no guess among several links.
    expect(matchLinks([link("p", 5, "zz"), link("q", 6, "yy")], [{ name: "a", size: 1 }])).toEqual([
      undefined,
    ]);
  });
});
