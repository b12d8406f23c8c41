// end.pl (spec §7.4, DECISIONS "Transfers"): JSON with `JSON: 1`, text with `EXPORT: 1`, HTML otherwise,
// HTML for unknown, unfinished or expired (2 h) xids.
import { whirlpool } from "hash-wasm";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../helpers/emulator.js";
import { FILE_URL, fileId, header, useHarness, WHIRLPOOL } from "./support/http.js";

const h = useHarness({ now: fixedClock("2026-03-10T10:00:00Z") });

async function uploaded(name: string, data: string, key: string | null = h.premium) {
  const s = await h.raw.uploadServer(key);
  const r = await h.raw.postUpload(s.url, s.id, [{ name, data }], { key });
  expect(r.status).toBe(302);
  return s;
}

const isHtml = (ct: string | undefined) => /^text\/html/.test(ct ?? "");

describe("end.pl", () => {
  it("answers JSON with header JSON: 1, size as a string (§1.14)", async () => {
    const s = await uploaded("json.txt", "0123456789");
    const r = await h.raw.endpl(s.url, s.id, "json", h.premium);
    expect(r.status).toBe(200);
    expect(header(r, "content-type")).toMatch(/^application\/json/);
    expect(r.json.incoming).toBe(0);
    expect(r.json.links).toHaveLength(1);
    const link = r.json.links[0];
    expect(link).toEqual({
      download: expect.stringMatching(FILE_URL),
      filename: "json.txt",
      remove: "",
      size: "10",
      whirlpool: await whirlpool("0123456789"),
    });
    expect(link.whirlpool).toMatch(WHIRLPOOL);
  });

  it("can be read several times while the result is kept", async () => {
    const s = await uploaded("twice.txt", "x");
    const a = await h.raw.endpl(s.url, s.id, "json");
    const b = await h.raw.endpl(s.url, s.id, "json");
    expect(b.json).toEqual(a.json);
  });

  it("answers semicolon text with header EXPORT: 1: filename;size;download_id;remove_id;domain_id", async () => {
    const s = await uploaded("export.txt", "12345");
    const json = await h.raw.endpl(s.url, s.id, "json");
    const r = await h.raw.endpl(s.url, s.id, "export");
    expect(r.status).toBe(200);
    expect(header(r, "content-type")).toMatch(/^text\/plain/);
    const lines = r.text.split(/\r?\n/).filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    const f = (lines[0] ?? "").split(";");
    expect(f[0]).toBe("export.txt");
    expect(f[1]).toBe("5");
    expect(f[2]).toBe(fileId(json.json.links[0].download));
    expect(f[4]).toBe("0");
  });

  it("gives the removal code as field 4 of the export for an anonymous upload", async () => {
    const s = await uploaded("anon-export.txt", "abc", null);
    const json = await h.raw.endpl(s.url, s.id, "json");
    const remove: string = json.json.links[0].remove;
    const code = remove.split("/").pop();
    const f = (await h.raw.endpl(s.url, s.id, "export")).text.trim().split(";");
    expect(f[3]).toBe(code);
  });

  it("answers an HTML page without either header, listing the file", async () => {
    const s = await uploaded("page.txt", "abc");
    const r = await h.raw.endpl(s.url, s.id, "html");
    expect(r.status).toBe(200);
    expect(isHtml(header(r, "content-type"))).toBe(true);
    expect(r.text).toContain("page.txt");
    expect(r.text).toMatch(/https:\/\/1fichier\.com\/\?[a-z0-9]{20}/);
    // spec §7.3: the result page holds <table class="premium">; the removal column shows -- for account uploads
    expect(r.text).toMatch(/<table[^>]*class="premium"/);
    expect(r.text).toContain("--");
  });

  it("is what following upload.cgi's relative redirect gives (§7.3)", async () => {
    const s = await uploaded("follow.txt", "abc");
    const r = await h.raw.fetch(`http://${s.url}/end.pl?xid=${s.id}`);
    expect(isHtml(header(r, "content-type"))).toBe(true);
    expect(r.text).toContain("follow.txt");
  });

  it("answers HTML (not JSON) for an unknown xid even with JSON: 1", async () => {
    const r = await h.raw.endpl(h.em.uploadHost, "Zz0Zz0Zz0Z", "json");
    expect([200, 404]).toContain(r.status);
    expect(isHtml(header(r, "content-type"))).toBe(true);
    expect(r.json).toBeUndefined();
  });

  it("answers HTML for an id that was issued but never uploaded to (unfinished)", async () => {
    const s = await h.raw.uploadServer(h.premium);
    const r = await h.raw.endpl(s.url, s.id, "json");
    expect([200, 404]).toContain(r.status);
    expect(isHtml(header(r, "content-type"))).toBe(true);
  });

  it("keeps the result 2 hours, then answers HTML", async () => {
    const s = await uploaded("expiring.txt", "abc");
    h.em.admin.advanceClock(2 * 3600_000 - 60_000);
    const kept = await h.raw.endpl(s.url, s.id, "json");
    expect(kept.json?.links?.[0]?.filename).toBe("expiring.txt");
    h.em.admin.advanceClock(2 * 60_000);
    const gone = await h.raw.endpl(s.url, s.id, "json");
    expect(isHtml(header(gone, "content-type"))).toBe(true);
    expect(gone.json).toBeUndefined();
  });
});
