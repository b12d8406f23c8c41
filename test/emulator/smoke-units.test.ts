/** Unit tests of the emulator's pure logic: multipart parsing, ranges, names, URLs, limits, faults, dates. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isApiDate, parisDate } from "../../src/emulator/clock.js";
import { Faults, parseFaultSpec, seededRandom } from "../../src/emulator/faults.js";
import { Limiter } from "../../src/emulator/limits.js";
import { boundaryOf, type MultipartEvent, MultipartParser } from "../../src/emulator/multipart.js";
import {
  contentDisposition,
  ipInCidr,
  isValidName,
  parseFileUrl,
  parseRange,
} from "../../src/emulator/names.js";
import { tokenState } from "../../src/emulator/routes/download.js";
import type { TokenRow } from "../../src/emulator/store.js";
import { Pacer } from "../../src/emulator/throttle.js";

interface Part {
  name: string;
  filename?: string;
  data: Buffer;
}

function body(boundary: string, parts: Part[]): Buffer {
  const out: Buffer[] = [Buffer.from("preamble to ignore\r\n")];
  for (const p of parts) {
    const fn = p.filename === undefined ? "" : `; filename="${p.filename}"`;
    out.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${fn}\r\n\r\n`));
    out.push(p.data, Buffer.from("\r\n"));
  }
  out.push(Buffer.from(`--${boundary}--\r\nepilogue`));
  return Buffer.concat(out);
}

function collect(events: MultipartEvent[]): Part[] {
  const parts: Part[] = [];
  let chunks: Buffer[] = [];
  let current: Omit<Part, "data"> | null = null;
  for (const e of events) {
    if (e.type === "part") {
      current = { name: e.name, ...(e.filename === undefined ? {} : { filename: e.filename }) };
      chunks = [];
    } else if (e.type === "data") chunks.push(Buffer.from(e.chunk));
    else if (current) parts.push({ ...current, data: Buffer.concat(chunks) });
  }
  return parts;
}

describe("multipart parser", () => {
  it("reads quoted and unquoted boundaries", () => {
    expect(boundaryOf("multipart/form-data; boundary=abc")).toBe("abc");
    expect(boundaryOf('multipart/form-data; boundary="a b:c"')).toBe("a b:c");
    expect(boundaryOf("application/json")).toBeNull();
    expect(boundaryOf(undefined)).toBeNull();
  });

  it("returns the same parts whatever the chunking (property)", () => {
    const part = fc.record({
      name: fc.constantFrom("file[]", "did", "domain"),
      filename: fc.option(fc.constantFrom("a.txt", "b c.bin", "été.txt"), { nil: undefined }),
      data: fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        // Near-misses of the delimiter: CRLF, dashes, pieces of the boundary, and the boundary plus "Q".
        fc
          .array(fc.constantFrom("\r\n", "--", "----X7z", "Boundary", "----X7zBoundaryQ", "\t", " ", "a"), {
            maxLength: 40,
          })
          .map((a) => Buffer.from(a.join("")))
          .filter((b) => !/\r\n------X7zBoundary(?!Q)/.test(b.toString("latin1"))),
      ),
    });
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), fc.integer({ min: 1, max: 64 }), (parts, size) => {
        const boundary = "----X7zBoundary";
        const raw = body(boundary, parts);
        const parser = new MultipartParser(boundary);
        const events: MultipartEvent[] = [];
        for (let i = 0; i < raw.length; i += size) events.push(...parser.push(raw.subarray(i, i + size)));
        parser.finish();
        expect(collect(events)).toEqual(
          parts.map((p) => (p.filename === undefined ? { name: p.name, data: p.data } : p)),
        );
      }),
    );
  });

  it("keeps data that looks like a boundary prefix", () => {
    const data = Buffer.from("x\r\n--boundary-but-longer\r\n--boun\r\n--bound\t!");
    const parser = new MultipartParser("bound");
    const events = parser.push(body("bound", [{ name: "file[]", filename: "f", data }]));
    expect(collect(events)[0]?.data.equals(data)).toBe(true);
  });

  it("refuses a truncated body", () => {
    const parser = new MultipartParser("b");
    parser.push(Buffer.from('--b\r\nContent-Disposition: form-data; name="file[]"; filename="f"\r\n\r\nabc'));
    expect(() => parser.finish()).toThrow(/truncated/);
  });
});

describe("names and URLs", () => {
  it("applies the DECISIONS name rules", () => {
    expect(isValidName("report 2024.pdf")).toBe(true);
    for (const bad of [
      "",
      " a",
      "a ",
      "a<b",
      'a"b',
      "a'b",
      "a$b",
      "a`b",
      "a\\b",
      "a\u0001b",
      "x".repeat(251),
    ]) {
      expect([bad, isValidName(bad)]).toEqual([bad, false]);
    }
    expect(isValidName("x".repeat(250))).toBe(true);
  });

  it("parses every accepted file URL form", () => {
    const id = "abcde12345abcde12345";
    for (const url of [
      `https://1fichier.com/?${id}`,
      `https://www.alterupload.com/?${id}&af=651048`,
      `http://desfichiers.net/?${id}&lg=en`,
      `https://${id}.1fichier.com/`,
      `https://1fichier.com/?${id.toUpperCase()}`,
    ]) {
      expect([url, parseFileUrl(url)]).toEqual([url, id]);
    }
    for (const url of [
      "https://example.com/?abcde12345",
      "https://1fichier.com/dir/abc",
      "nonsense",
      "https://1fichier.com/?a",
    ]) {
      expect([url, parseFileUrl(url)]).toEqual([url, null]);
    }
  });

  it("parses ranges", () => {
    expect(parseRange(undefined, 100)).toBe("none");
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=50-500", 100)).toEqual({ start: 50, end: 99 });
    for (const bad of ["bytes=100-", "bytes=5-1", "bytes=0-1,3-4", "items=0-1", "bytes=-0", "bytes=-"]) {
      expect([bad, parseRange(bad, 100)]).toEqual([bad, "invalid"]);
    }
  });

  it("builds Content-Disposition with an RFC 5987 name", () => {
    expect(contentDisposition("a b.txt", false)).toBe(
      `attachment; filename="a b.txt"; filename*=UTF-8''a%20b.txt`,
    );
    expect(contentDisposition("été.txt", true)).toBe(
      `inline; filename="_t_.txt"; filename*=UTF-8''%C3%A9t%C3%A9.txt`,
    );
  });

  it("matches IPv4 CIDRs", () => {
    expect(ipInCidr("10.1.2.3", "10.0.0.0/8")).toBe(true);
    expect(ipInCidr("::ffff:127.0.0.1", "127.0.0.1")).toBe(true);
    expect(ipInCidr("11.0.0.1", "10.0.0.0/8")).toBe(false);
  });
});

describe("dates", () => {
  it("formats Europe/Paris time with daylight saving", () => {
    expect(parisDate(Date.UTC(2021, 5, 22, 12, 57, 25))).toBe("2021-06-22 14:57:25");
    expect(parisDate(Date.UTC(2021, 0, 5, 23, 30, 0))).toBe("2021-01-06 00:30:00");
    expect(isApiDate("2021-01-06 00:30:00")).toBe(true);
    expect(isApiDate("2021-01-06T00:30:00")).toBe(false);
  });
});

describe("limiter", () => {
  it("locks after a burst of 3 and refuses without extending the lock", () => {
    const l = new Limiter({ enabled: true, lockSeconds: 30 });
    for (let i = 0; i < 3; i++) expect(l.checkApi("k", "ip", 0)).toBeNull();
    expect(l.checkApi("k", "ip", 0)).toMatchObject({
      message: "Flood detected: IP Locked #374",
      newLock: true,
    });
    expect(l.checkApi("k", "ip", 29_000)).toMatchObject({ newLock: false, retryAfterSeconds: 1 });
    expect(l.checkApi("k", "ip", 30_000)).toBeNull();
  });

  it("spaces user/info and listings, and caps download connections", () => {
    const l = new Limiter({ enabled: true, lockSeconds: 30 });
    expect(l.checkUserInfo("k", "ip", 0)).toBeNull();
    expect(l.checkUserInfo("k", "ip2", 120_000)?.message).toBe("Flood detected: IP Locked #38");
    expect(l.checkUserInfo("k", "ip", 300_000)).toBeNull();
    expect(l.checkListing("k", "file/ls", 5, 0)).toBeNull();
    expect(l.checkListing("k", "folder/ls", 5, 0)).toBeNull();
    expect(l.checkListing("k", "file/ls", 5, 29_999)?.retryAfterSeconds).toBe(1);
    expect(l.checkListing("k", "file/ls", -1, 0)).toBeNull();
    expect(l.checkListing("k", "file/ls", -1, 3_599_000)).not.toBeNull();
    for (let i = 0; i < 30; i++) expect(l.openDownload("a")).toBe(true);
    expect(l.openDownload("a")).toBe(false);
    l.closeDownload("a");
    expect(l.openDownload("a")).toBe(true);
  });

  it("does nothing in profile off, except injected locks", () => {
    const l = new Limiter({ enabled: false, lockSeconds: 30 });
    for (let i = 0; i < 100; i++) expect(l.checkApi("k", "ip", 0)).toBeNull();
    l.lockKey("k", 5, 0);
    expect(l.checkApi("k", "ip", 1000)).not.toBeNull();
    expect(l.checkApi("k", "ip", 5000)).toBeNull();
  });
});

describe("faults", () => {
  it("parses specs and refuses bad ones with a clear message", () => {
    expect(parseFaultSpec("500=0.5, reset=1,seed=42,slowms=10")).toEqual({
      rates: { "500": 0.5, reset: 1 },
      seed: 42,
      slowMs: 10,
    });
    expect(() => parseFaultSpec("boom=1")).toThrow(/unknown fault "boom"/);
    expect(() => parseFaultSpec("500=2")).toThrow(/between 0 and 1/);
    expect(() => parseFaultSpec("500")).toThrow(/name=number/);
  });

  it("replays the same draws for the same seed and counts hits", () => {
    const a = new Faults("500=0.5,seed=9");
    const b = new Faults("500=0.5,seed=9");
    const drawsA = Array.from({ length: 50 }, () => a.roll("500"));
    const drawsB = Array.from({ length: 50 }, () => b.roll("500"));
    expect(drawsA).toEqual(drawsB);
    expect(a.counts["500"]).toBe(drawsA.filter(Boolean).length);
    expect(new Faults("").roll("500")).toBe(false);
    const r = seededRandom(1);
    expect(r()).not.toBe(r());
  });
});

describe("tokens and pacing", () => {
  const token = (over: Partial<TokenRow>): TokenRow => ({
    token: "t",
    file: "f",
    account: "a",
    single: 0,
    inline: 0,
    restrict_ip: 0,
    issued: 0,
    first_use: null,
    uses: 0,
    ip: null,
    expired: 0,
    ...over,
  });

  it("expires tokens 5 min after issue if unused, 30 min after first use otherwise", () => {
    expect(tokenState(token({}), 300_000)).toBe("ok");
    expect(tokenState(token({}), 300_001)).toBe("expired");
    expect(tokenState(token({ first_use: 1000, uses: 1 }), 1000 + 1_800_000)).toBe("ok");
    expect(tokenState(token({ first_use: 1000, uses: 1 }), 1001 + 1_800_000)).toBe("expired");
    expect(tokenState(token({ single: 1, uses: 1, first_use: 0 }), 1)).toBe("used");
    expect(tokenState(token({ expired: 1 }), 0)).toBe("expired");
  });

  it("paces bytes to the rate", () => {
    const p = new Pacer(1000);
    expect(p.delayFor(500, 0)).toBe(0);
    expect(p.delayFor(500, 0)).toBe(500);
    expect(p.delayFor(500, 600)).toBe(400);
  });
});
