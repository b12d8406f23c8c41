import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidUrlError, NotFoundError } from "../../../src/api/errors.js";
import { DOMAINS, domainId, parseFileUrl, parseFolderId, parseShareUrl } from "../../../src/api/urls.js";

const ALL_DOMAINS = [
  ...DOMAINS,
  "cjoint.org",
  "desfichiers.net",
  "mesfichiers.net",
  "pjointe.fr",
  "tenvoi.org",
];
const id = fc.stringMatching(/^[a-z0-9]{5,20}$/);
const domain = fc.constantFrom(...ALL_DOMAINS);
const suffix = fc.constantFrom("", "&af=651048", "&lg=en", "&inline=1", "&af=1&lg=fr");

describe("parseFileUrl", () => {
  it("normalises every listed domain, www., http:, and suffixes, keeping the domain", () => {
    fc.assert(
      fc.property(id, domain, fc.boolean(), fc.boolean(), suffix, (i, d, www, http, suf) => {
        const input = `${http ? "http" : "https"}://${www ? "www." : ""}${d}/?${i}${suf}`;
        expect(parseFileUrl(input)).toEqual({ id: i, domain: d, url: `https://${d}/?${i}` });
      }),
      { numRuns: 1000 },
    );
  });

  it("is idempotent on its own output", () => {
    fc.assert(
      fc.property(id, domain, (i, d) => {
        const once = parseFileUrl(`https://www.${d}/?${i}&af=3`).url;
        expect(parseFileUrl(once).url).toBe(once);
      }),
    );
  });

  it("maps the legacy https://<id>.1fichier.com/ form", () => {
    fc.assert(
      fc.property(id, (i) => {
        expect(parseFileUrl(`https://${i}.1fichier.com/`)).toEqual({
          id: i,
          domain: "1fichier.com",
          url: `https://1fichier.com/?${i}`,
        });
      }),
    );
  });

  it("accepts bare ids and scheme-less URLs", () => {
    expect(parseFileUrl("abcde12345").url).toBe("https://1fichier.com/?abcde12345");
    expect(parseFileUrl("  1fichier.com/?abcde12345  ").url).toBe("https://1fichier.com/?abcde12345");
  });

  it("refuses share URLs with a message that says so, and junk", () => {
    expect(() => parseFileUrl("https://1fichier.com/dir/GwAVeQxR")).toThrow(/shared folder/);
    expect(() => parseFileUrl("https://example.com/?abcde12345")).toThrow(InvalidUrlError);
    expect(() => parseFileUrl("https://1fichier.com/?ab")).toThrow(InvalidUrlError);
    expect(() => parseFileUrl("ftp://1fichier.com/?abcde12345")).toThrow(InvalidUrlError);
    expect(() => parseFileUrl("")).toThrow(InvalidUrlError);
  });

  it("never throws anything but InvalidUrlError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          const r = parseFileUrl(s);
          expect(r.url).toMatch(/^https:\/\/[a-z0-9.]+\/\?[A-Za-z0-9]{5,20}$/);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidUrlError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("share URLs and folder ids", () => {
  it("parses /dir/<hash>, with language prefix", () => {
    expect(parseShareUrl("https://1fichier.com/dir/GwAVeQxR")).toBe("GwAVeQxR");
    expect(parseShareUrl("https://www.1fichier.com/en/dir/GwAVeQxR")).toBe("GwAVeQxR");
    expect(parseShareUrl("http://127.0.0.1:1234/dir/abc")).toBeUndefined();
    expect(parseShareUrl("GwAVeQxR", true)).toBe("GwAVeQxR");
    expect(parseShareUrl("GwAVeQxR")).toBeUndefined();
  });

  it("parseFolderId: numbers yes, share URLs explained, junk refused", () => {
    expect(parseFolderId("1234")).toBe(1234);
    expect(parseFolderId(0)).toBe(0);
    expect(() => parseFolderId("https://1fichier.com/dir/abc123")).toThrow(NotFoundError);
    expect(() => parseFolderId("https://1fichier.com/dir/abc123")).toThrow(/share/);
    expect(() => parseFolderId("abc")).toThrow(InvalidUrlError);
    expect(() => parseFolderId("-1")).toThrow(InvalidUrlError);
  });

  it("domainId: ids, names and aliases", () => {
    expect(domainId(0)).toBe(0);
    expect(domainId("alterupload.com")).toBe(1);
    expect(domainId("www.dl4free.com")).toBe(10);
    expect(domainId("desfichiers.net")).toBe(3);
    expect(domainId("mesfichiers.net")).toBe(6);
    expect(() => domainId(11)).toThrow(InvalidUrlError);
    expect(() => domainId("example.com")).toThrow(InvalidUrlError);
  });
});
