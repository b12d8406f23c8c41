import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidNameError } from "../../../src/api/errors.js";
import { decodeName, encodeName, MAX_NAME_LENGTH } from "../../../src/api/names.js";

// What the emulator (DECISIONS.md, spec §5 "E") refuses: these characters, control chars, edge spaces.
const refused = (s: string) =>
  /[\\<>"'$`]/.test(s) || [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Names of valid UTF-16 (no lone surrogates), as a local file system can hold. */
const names = fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }).chain((s) =>
  fc.oneof(
    fc.constant(s),
    // Mix in the characters that matter, including the substitutes and the escape themselves.
    fc
      .array(fc.constantFrom(..."\\<>\"'$`/ .\u0000\u001f\u007f＜＞＼＂＇＄｀／␠␀␟␡．‛a"), {
        minLength: 1,
        maxLength: 20,
      })
      .map((a) => a.join("")),
  ),
);

describe("encodeName / decodeName", () => {
  it("round-trips any valid name", () => {
    fc.assert(
      fc.property(names, (n) => {
        expect(decodeName(encodeName(n))).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });

  it("produces names 1fichier accepts", () => {
    fc.assert(
      fc.property(names, (n) => {
        const e = encodeName(n);
        expect(refused(e)).toBe(false);
        expect(e.startsWith(" ")).toBe(false);
        expect(e.endsWith(" ")).toBe(false);
        expect(e).not.toBe(".");
        expect(e).not.toBe("..");
        expect(e.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it("follows rclone's substitutes (spec §5)", () => {
    expect(encodeName("a\\b<c>d\"e'f$g`h")).toBe("a＼b＜c＞d＂e＇f＄g｀h");
    expect(encodeName(" x ")).toBe("␠x␠");
    expect(encodeName("a  b")).toBe("a  b");
    expect(encodeName("tab\there")).toBe("tab␉here");
    expect(encodeName(".")).toBe("．");
    expect(encodeName("..")).toBe("．．");
    expect(encodeName("...")).toBe("...");
    expect(encodeName("plain name.txt")).toBe("plain name.txt");
  });

  it("escapes substitutes present in the original name", () => {
    expect(encodeName("＜")).toBe("‛＜");
    expect(decodeName("‛＜")).toBe("＜");
    expect(decodeName("＜")).toBe("<");
    expect(encodeName("‛")).toBe("‛‛");
  });

  it("leaves foreign names without substitutes unchanged", () => {
    expect(decodeName("Rapport été 2026.pdf")).toBe("Rapport été 2026.pdf");
    expect(decodeName("a‛b")).toBe("a‛b");
  });

  it("refuses what cannot be encoded, with a clear error", () => {
    expect(() => encodeName("")).toThrow(InvalidNameError);
    expect(() => encodeName("bad\uD800name")).toThrow(/not valid Unicode/);
    expect(() => encodeName("x".repeat(MAX_NAME_LENGTH + 1))).toThrow(InvalidNameError);
    expect(encodeName("x".repeat(MAX_NAME_LENGTH))).toHaveLength(MAX_NAME_LENGTH);
    // Substitutes count once each: 250 "<" become 250 full-width characters.
    expect(Array.from(encodeName("<".repeat(MAX_NAME_LENGTH)))).toHaveLength(MAX_NAME_LENGTH);
  });
});
