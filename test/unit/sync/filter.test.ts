// The filter subset against the examples of rclone's filtering documentation (docs/content/filtering.md):
// the pattern table, the anchoring examples, the rule files, the include rules and the directory rules.
import { describe, expect, it } from "vitest";
import { buildFilter, FilterError } from "../../../src/sync/filter.js";
import { dirPatternsOf, globToRegExp } from "../../../src/sync/glob.js";

/** rclone's table writes paths with a leading `/`: the root of the transfer. */
const matches = (pattern: string, path: string) => globToRegExp(pattern).test(path.replace(/^\//, ""));

describe("the pattern examples", () => {
  const table: [string, string, string[], string[]][] = [
    ["Wildcard", "*.jpg", ["/file.jpg", "/dir/file.jpg"], ["/file.png", "/dir/file.png"]],
    ["Rooted", "/*.jpg", ["/file.jpg", "/file2.jpg"], ["/file.png", "/dir/file.jpg"]],
    ["Alternates", "*.{jpg,png}", ["/file.jpg", "/dir/file.png"], ["/file.gif", "/dir/file.gif"]],
    [
      "Path Wildcard",
      "dir/**",
      ["/dir/anyfile", "/subdir/dir/subsubdir/anyfile"],
      ["file.png", "/subdir/file.png"],
    ],
    ["Any Char", "*.t?t", ["/file.txt", "/dir/file.tzt"], ["/file.qxt", "/dir/file.png"]],
    ["Range", "*.[a-z]", ["/file.a", "/dir/file.b"], ["/file.0", "/dir/file.1"]],
    ["Escape", "*.\\?\\?\\?", ["/file.???", "/dir/file.???"], ["/file.abc", "/dir/file.def"]],
    ["Class", "*.\\d\\d\\d", ["/file.012", "/dir/file.345"], ["/file.abc", "/dir/file.def"]],
  ];
  for (const [what, pattern, yes, no] of table) {
    it(`${what}: ${pattern}`, () => {
      for (const p of yes) expect(matches(pattern, p), `${pattern} should match ${p}`).toBe(true);
      for (const p of no) expect(matches(pattern, p), `${pattern} should not match ${p}`).toBe(false);
    });
  }

  it("matches whole trailing path elements, or from the root with a leading /", () => {
    expect(["file.jpg", "directory/file.jpg"].map((p) => matches("file.jpg", p))).toEqual([true, true]);
    expect(["afile.jpg", "directory/afile.jpg"].map((p) => matches("file.jpg", p))).toEqual([false, false]);
    expect(["file.jpg", "afile.jpg", "directory/file.jpg"].map((p) => matches("/file.jpg", p))).toEqual([
      true,
      false,
      false,
    ]);
    expect(matches("potato", "POTATO")).toBe(false);
    expect(matches("*.{jpg,{png,gif}}", "a/b.gif")).toBe(true);
    expect(matches("[!a]*", "b.txt")).toBe(true);
    expect(matches("[!a]*", "a.txt")).toBe(false);
    expect(matches("*\\[{JP,KR,HK}\\]*", "film [KR] 1080p.mkv")).toBe(true);
    expect(matches("*\\[{JP,KR,HK}\\]*", "film [FR].mkv")).toBe(false);
  });

  it("refuses what is outside the subset instead of matching it differently", () => {
    for (const p of [
      "*.{{jpe?g}}",
      "/{{.*\\.jpe?g}}",
      "[[:alpha:]]*",
      "a***",
      "*.[a-z",
      "{a,b",
      "a}",
      "[]",
      "x\\",
    ]) {
      expect(() => globToRegExp(p), p).toThrow();
    }
  });
});

describe("rules", () => {
  it("--exclude *.bak and the exclude-from file", () => {
    const f = buildFilter({
      excludeFrom: [{ name: "exclude-file.txt", text: "# a sample exclude rule file\n*.bak\nfile2.jpg\n" }],
    });
    expect(["a/file2.jpg", "x.bak", "file1.jpg"].map((p) => f.includesFile(p))).toEqual([false, false, true]);
    expect(buildFilter({ exclude: ["*.bak"] }).includesFile("d/x.bak")).toBe(false);
  });

  it('--include implies excluding the rest; --include "*.{png,jpg}", --include "{A,B}/**"', () => {
    const pics = buildFilter({ include: ["*.{png,jpg}"] });
    expect(["a.png", "d/b.jpg", "c.gif"].map((p) => pics.includesFile(p))).toEqual([true, true, false]);
    const ab = buildFilter({ include: ["{A,B}/**"] });
    expect(["A/x", "B/y/z", "C/x", "top.txt"].map((p) => ab.includesFile(p))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    // `--include /directory/` is a directory rule only: it matches no file.
    const dirOnly = buildFilter({ include: ["/directory/"] });
    expect(dirOnly.includesFile("directory/file")).toBe(false);
    expect(dirOnly.includesDir("directory")).toBe(true);
    expect(dirOnly.includesDir("other")).toBe(false);
  });

  it("the filter-from file, with its comment-as-part-of-the-pattern warning", () => {
    const text = [
      "# a sample filter rule file",
      "- secret*.jpg",
      "+ *.jpg",
      "+ *.png",
      "+ file2.avi",
      "- /dir/tmp/** # WARNING! This text will be treated as part of the path.",
      "- /dir/Trash/**",
      "+ /dir/**",
      "# exclude everything else",
      "- *",
    ].join("\n");
    const f = buildFilter({ filterFrom: [{ name: "filter-file.txt", text }] });
    const taken = ["a.jpg", "x/b.png", "file2.avi", "dir/doc.txt", "dir/tmp/x.txt"];
    const left = ["secret1.jpg", "x/secret2.jpg", "dir/Trash/old.txt", "notes.txt", "x/notes.txt"];
    for (const p of taken) expect(f.includesFile(p), p).toBe(true);
    for (const p of left) expect(f.includesFile(p), p).toBe(false);
  });

  it("the alternative files: - secret*.jpg ... - *, and ! clearing the rules above", () => {
    const alt = buildFilter({
      filterFrom: [{ name: "f", text: "- secret*.jpg\n+ *.jpg\n+ *.png\n+ file2.avi\n- *\n" }],
    });
    expect(
      ["file1.jpg", "file3.png", "file2.avi", "secret17.jpg", "x.doc"].map((p) => alt.includesFile(p)),
    ).toEqual([true, true, true, false, false]);
    const cleared = buildFilter({
      filterFrom: [{ name: "f", text: "+ *.jpg\n+ *.gif\n!\n+ 42.doc\n- *\n" }],
    });
    expect(["42.doc", "a.jpg", "b.gif"].map((p) => cleared.includesFile(p))).toEqual([true, false, false]);
  });

  it("directory rules: - /dir1/ prunes it; + /a/*.jpg walks only /a", () => {
    const f = buildFilter({
      filterFrom: [{ name: "filter-list.txt", text: "- /dir1/\n- /dir2/\n+ *.pdf\n- **\n" }],
    });
    expect(["dir1", "dir1/sub", "dir2", "docs", "docs/deep"].map((d) => f.includesDir(d))).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(["a.pdf", "docs/deep/b.pdf", "dir1/c.pdf", "d.txt"].map((p) => f.includesFile(p))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    const a = buildFilter({ include: ["/a/*.jpg"] });
    expect(["a", "b", "a/sub", ""].map((d) => a.includesDir(d))).toEqual([true, false, false, true]);
    expect(dirPatternsOf("/a/*.jpg")).toEqual(["/a/"]);
    expect(dirPatternsOf("/dir/**")).toEqual(["/dir/**/", "/dir/"]);
    expect(dirPatternsOf("a/b/*.jpg")).toEqual(["/**"]);
    // An unanchored include may match at any depth: every folder is walked.
    expect(buildFilter({ include: ["a/b/*.jpg"] }).includesDir("x")).toBe(true);
  });

  it("excluding dir/ is excluding dir/** (files and the folder)", () => {
    const f = buildFilter({ exclude: ["cache/"] });
    expect([
      f.includesDir("cache"),
      f.includesDir("x/cache"),
      f.includesFile("x/cache/a"),
      f.includesFile("a"),
    ]).toEqual([false, false, false, true]);
  });
});

describe("errors and reports", () => {
  it("a malformed line names the file and the line", () => {
    const bad = () => buildFilter({ filterFrom: [{ name: "rules.txt", text: "# ok\n+ *.jpg\n\n*.png\n" }] });
    expect(bad).toThrow(FilterError);
    expect(bad).toThrow(/^rules\.txt:4: malformed rule "\*\.png"$/);
    const pattern = () => buildFilter({ excludeFrom: [{ name: "ex.txt", text: "ok\n[abc\n" }] });
    expect(pattern).toThrow(/^ex\.txt:2: bad pattern "\[abc": a `\[` is not closed$/);
    expect(() => buildFilter({ include: ["*.{{jpe?g}}"] })).toThrow(/^--include: bad pattern/);
  });

  it("reports the rules that matched nothing (the implied one excepted)", () => {
    const f = buildFilter({ include: ["*.jpg", "*.raw"], exclude: ["*.tmp"] });
    for (const p of ["a.jpg", "b.txt", "c/d.jpg"]) f.includesFile(p);
    expect(f.unmatched().map((r) => [r.pattern, r.origin])).toEqual([
      ["*.raw", "--include"],
      ["*.tmp", "--exclude"],
    ]);
    expect(f.rules.map((r) => r.hits)).toEqual([2, 0, 0]);
    expect(buildFilter({}).active).toBe(false);
  });
});
