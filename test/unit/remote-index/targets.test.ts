// The reference rules (one rule per kind) and the remote path rules, and the date arithmetic the listing pages
// rely on: pure, no I/O.
import { describe, expect, it } from "vitest";
import { InvalidNameError, InvalidUrlError } from "../../../src/api/errors.js";
import { parisDate, serviceDateMs } from "../../../src/api/service-time.js";
import { shiftDate } from "../../../src/remote-index/dates.js";
import {
  classifyTarget,
  joinRemotePath,
  normalisePath,
  parentAndName,
  pathSegments,
} from "../../../src/remote-index/targets.js";

describe("classifyTarget", () => {
  it("takes http(s) URLs as shares or files, digits as folder ids, anything else as a path", () => {
    expect(classifyTarget(" https://1fichier.com/dir/GwAVeQxR ")).toEqual({
      kind: "share",
      url: "https://1fichier.com/dir/GwAVeQxR",
      hash: "GwAVeQxR",
    });
    expect(classifyTarget("https://www.1fichier.com/en/dir/abc123/")).toMatchObject({
      kind: "share",
      hash: "abc123",
    });
    expect(classifyTarget("http://www.alterupload.com/?abcde12345&af=9")).toEqual({
      kind: "file",
      url: "https://alterupload.com/?abcde12345",
      id: "abcde12345",
    });
    expect(classifyTarget("https://abcde12345.1fichier.com/")).toMatchObject({
      kind: "file",
      id: "abcde12345",
    });
    expect(classifyTarget("0")).toEqual({ kind: "folder-id", id: 0 });
    expect(classifyTarget("123456789012345")).toEqual({ kind: "folder-id", id: 123456789012345 });
    expect(classifyTarget("backups//2026/")).toEqual({ kind: "path", path: "/backups/2026" });
    // A bare file id or another scheme is a name, as a path (one rule: only http(s) URLs are URLs).
    expect(classifyTarget("abcde12345")).toEqual({ kind: "path", path: "/abcde12345" });
    expect(classifyTarget("ftp://1fichier.com/?abcdefgh")).toMatchObject({ kind: "path" });
    expect(classifyTarget("javascript:alert(1)")).toEqual({ kind: "path", path: "/javascript:alert(1)" });
    expect(classifyTarget("/2026")).toEqual({ kind: "path", path: "/2026" });
  });

  it("refuses what no rule can take, naming the fix", () => {
    expect(() => classifyTarget("https://evil.test/1fichier.com/?abcdefgh")).toThrow(
      /is not a 1fichier file URL/,
    );
    expect(() => classifyTarget("https://1fichier.com/dir/")).toThrow(/shared folder/);
    const long = (() => {
      try {
        classifyTarget("1234567890123456");
      } catch (e) {
        return e;
      }
    })();
    expect(long).toBeInstanceOf(InvalidUrlError);
    expect((long as InvalidUrlError).hint).toBe(
      "To name a folder called 1234567890123456, give it as a path: /1234567890123456.",
    );
    expect(() => classifyTarget("a/../b")).toThrow(InvalidNameError);
  });
});

describe("remote paths", () => {
  it("drops empty and `.` segments, refuses `..`", () => {
    expect(pathSegments("/a//./b/")).toEqual(["a", "b"]);
    expect(pathSegments("")).toEqual([]);
    expect(() => pathSegments("/a/..")).toThrow(/"\.\." is not allowed/);
    // `...` is a name like any other.
    expect(pathSegments("/.../x")).toEqual(["...", "x"]);
    expect(normalisePath("./a/./b")).toBe("/a/b");
    expect(normalisePath("/")).toBe("/");
  });

  it("splits and joins", () => {
    expect(parentAndName("/a/b/c.txt")).toEqual({ parent: "/a/b", name: "c.txt" });
    expect(parentAndName("/c.txt")).toEqual({ parent: "/", name: "c.txt" });
    expect(joinRemotePath("/", "x")).toBe("/x");
    expect(joinRemotePath("/a", "x")).toBe("/a/x");
  });
});

describe("dates", () => {
  it("shifts in the service's string space, across days and years", () => {
    expect(shiftDate("2026-01-01 00:00:00", -1)).toBe("2025-12-31 23:59:59");
    expect(shiftDate("2026-03-29 02:30:00", 1)).toBe("2026-03-29 02:30:01");
    expect(shiftDate("2026-01-01", -1)).toBeUndefined();
  });

  it("writes Paris time with daylight saving", () => {
    expect(parisDate(Date.UTC(2026, 0, 5, 9))).toBe("2026-01-05 10:00:00");
    expect(parisDate(Date.UTC(2026, 6, 5, 9, 1, 2))).toBe("2026-07-05 11:01:02");
  });

  it("reads Paris time back to the moment, across both daylight-saving changes", () => {
    const moments = [
      Date.UTC(2026, 0, 5, 9),
      Date.UTC(2026, 6, 5, 9, 1, 2),
      Date.UTC(2026, 2, 29, 0, 59, 59),
      Date.UTC(2026, 2, 29, 1, 0, 0),
      Date.UTC(2026, 9, 25, 0, 30),
      Date.UTC(2026, 9, 25, 2, 0),
    ];
    for (const t of moments) expect(serviceDateMs(parisDate(t))).toBe(t);
    expect(serviceDateMs("2026-01-05 10:00:00")).toBe(Date.UTC(2026, 0, 5, 9));
    expect(serviceDateMs("yesterday")).toBeUndefined();
  });
});
