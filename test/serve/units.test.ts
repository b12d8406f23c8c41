// The pure parts of serve: ranges, If headers, lock timeouts, ETags, --addr and the access rules.
import { describe, expect, it } from "vitest";
import { etagOf } from "../../src/serve/conditional.js";
import { checkAccess, isLoopback, parseAddr, ServeConfigError } from "../../src/serve/config.js";
import { parseIfHeader, submittedTokens } from "../../src/serve/if-header.js";
import { lockTimeout } from "../../src/serve/locks.js";
import { contentTypeFor } from "../../src/serve/mime.js";
import { parseRange } from "../../src/serve/ranges.js";

describe("parseRange", () => {
  it("reads single ranges and refuses impossible ones", () => {
    expect(parseRange("bytes=0-0", 10)).toEqual({ kind: "range", range: { start: 0, end: 0 } });
    expect(parseRange("bytes=-100", 10)).toEqual({ kind: "range", range: { start: 0, end: 9 } });
    expect(parseRange("bytes=0-", 0).kind).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", 10).kind).toBe("unsatisfiable");
    expect(parseRange(undefined, 10).kind).toBe("whole");
  });
});

describe("parseIfHeader", () => {
  it("reads tagged and untagged lists, Not, tokens and ETags", () => {
    const lists = parseIfHeader('<http://h/a> (<opaquelocktoken:x> ["e1"]) (Not <DAV:no-lock>)');
    expect(lists).toEqual([
      {
        resource: "http://h/a",
        conditions: [
          { not: false, token: "opaquelocktoken:x" },
          { not: false, etag: '"e1"' },
        ],
      },
      { resource: "http://h/a", conditions: [{ not: true, token: "DAV:no-lock" }] },
    ]);
    expect(submittedTokens(lists)).toEqual(["opaquelocktoken:x"]);
    expect(() => parseIfHeader("(<a>")).toThrow(/malformed If header/);
    expect(() => parseIfHeader("()")).toThrow(/malformed If header/);
    expect(() => parseIfHeader("nonsense")).toThrow(/malformed If header/);
  });
});

describe("small rules", () => {
  it("caps lock timeouts at a day and defaults to an hour", () => {
    expect(lockTimeout("Infinite, Second-4100000000")).toBe(86_400);
    expect(lockTimeout("Second-30")).toBe(30);
    expect(lockTimeout(undefined)).toBe(3_600);
  });

  it("makes short strong ETags from long content hashes, weak ones without", () => {
    const base = { path: "/a", name: "a", kind: "file" as const, size: 3, modified: new Date(0) };
    expect(etagOf({ ...base, etag: "a".repeat(128) })).toBe(`"${"a".repeat(32)}"`);
    expect(etagOf({ ...base, etag: "v1" })).toBe('"v1"');
    expect(etagOf(base)).toMatch(/^W\/"/);
    expect(etagOf({ ...base, etag: "x y".repeat(20) })).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("names content types from extensions", () => {
    expect(contentTypeFor("a.MP4")).toBe("video/mp4");
    expect(contentTypeFor(".hidden")).toBe("application/octet-stream");
  });
});

describe("--addr and who may connect", () => {
  it("parses HOST:PORT, [v6]:PORT and :PORT", () => {
    expect(parseAddr("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080, loopback: true });
    expect(parseAddr("[::1]:0")).toEqual({ host: "::1", port: 0, loopback: true });
    expect(parseAddr(":8080")).toEqual({ host: "0.0.0.0", port: 8080, loopback: false });
    expect(parseAddr("localhost:1").loopback).toBe(true);
    for (const bad of ["8080", "host:", "1.2.3.4:99999", "a b:1"])
      expect(() => parseAddr(bad)).toThrow(ServeConfigError);
    expect(isLoopback("10.0.0.1")).toBe(false);
  });

  it("refuses a non-loopback address without a password, and inconsistent options", () => {
    const lan = parseAddr("0.0.0.0:8080");
    const lo = parseAddr("127.0.0.1:8080");
    expect(() => checkAccess(lan, {})).toThrow(/no password protects it/);
    expect(() => checkAccess(lan, { user: "a" })).not.toThrow();
    expect(() => checkAccess(lan, { htpasswd: "f" })).not.toThrow();
    expect(() => checkAccess(lo, {})).not.toThrow();
    expect(() => checkAccess(lo, { user: "a", htpasswd: "f" })).toThrow(/together/);
    expect(() => checkAccess(lo, { passwordStdin: true })).toThrow(/needs --user/);
    expect(() => checkAccess(lo, { user: "a", passwordStdin: true, passwordFile: "f" })).toThrow(/together/);
    expect(() => checkAccess(lo, { user: "a", passwordStdin: true, apiKeyStdin: true })).toThrow(
      /both read stdin/,
    );
    expect(() => checkAccess(lo, { cert: "c" })).toThrow(/--cert and --key go together/);
  });
});
