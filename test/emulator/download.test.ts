// Download tokens (spec §7.1, §7.1.1, DECISIONS "Transfers"): token shape, lifetime, single use, Range,
// inline vs attachment, and the token errors.
import { beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../helpers/emulator.js";
import { expectKo, header, ko, type Uploaded, useHarness } from "./support/http.js";

const h = useHarness({ now: fixedClock("2026-05-01T08:00:00Z") });
let file: Uploaded;
const data = Buffer.from("0123456789abcdefghijklmnopqrstuvwxyz");

beforeAll(async () => {
  file = await h.raw.upload(h.premium, "digits.txt", data);
});

const isHtml = (ct: string | undefined) => /^text\/html/.test(ct ?? "");

describe("download/get_token.cgi", () => {
  it("returns {status: OK, url: <download base>/<token>}", async () => {
    const r = await h.raw.api("download/get_token.cgi", { url: file.url }, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
    expect(r.json.url).toMatch(new RegExp(`^${h.em.webUrl}/dl/[^/?#]+$`));
  });

  it.each(["access", "gold"] as const)("serves the %s offer too", async (name) => {
    const key = name === "access" ? h.access : h.gold;
    const mine = await h.raw.upload(key, `${name}.txt`, "mine");
    const r = await h.raw.api("download/get_token.cgi", { url: mine.url }, key);
    expect(r.json.status).toBe("OK");
  });

  it("accepts the optional fields cdn, no_ssl and restrict_ip (§7.1)", async () => {
    const r = await h.raw.api(
      "download/get_token.cgi",
      { url: file.url, cdn: 0, no_ssl: 1, restrict_ip: 0, single: 1 },
      h.premium,
    );
    expect(r.json.status).toBe("OK");
    expect((await h.raw.fetch(r.json.url)).status).toBe(200);
  });

  it("refuses a free account with 403 #200", async () => {
    const mine = await h.raw.upload(h.free, "free.txt", "free");
    const r = await h.raw.api("download/get_token.cgi", { url: mine.url }, h.free);
    expectKo(r, 403, ko("Must be a customer (Premium, Access) #200"));
  });

  it("answers 404 #469 for an unknown file", async () => {
    const r = await h.raw.api(
      "download/get_token.cgi",
      { url: "https://1fichier.com/?zzzzzzzzzzzzzzzzzzzz" },
      h.premium,
    );
    expectKo(r, 404, ko("Resource not found #469"));
  });

  it("answers 404 #469 for a deleted file", async () => {
    const gone = await h.raw.upload(h.premium, "gone.txt", "gone");
    await h.raw.ok("file/rm.cgi", { files: [{ url: gone.url }] }, h.premium);
    const r = await h.raw.api("download/get_token.cgi", { url: gone.url }, h.premium);
    expectKo(r, 404, ko("Resource not found #469"));
  });

  it("requires the file's password: missing or wrong -> 403 #631, right -> OK", async () => {
    const locked = await h.raw.upload(h.premium, "locked.txt", "secret");
    await h.raw.ok("file/chattr.cgi", { urls: [locked.url], pass: "s3cret-pass" }, h.premium);
    // The owner too is asked for the password: DECISIONS ties #631 to a wrong or missing password.
    for (const body of [{ url: locked.url }, { url: locked.url, pass: "wrong-pass" }]) {
      const r = await h.raw.api("download/get_token.cgi", body, h.premium);
      expectKo(r, 403, ko("Resource not allowed #631"));
    }
    const ok = await h.raw.api("download/get_token.cgi", { url: locked.url, pass: "s3cret-pass" }, h.premium);
    expect(ok.json.status).toBe("OK");
  });
});

describe("GET <token url>", () => {
  it("serves the bytes as an attachment with Accept-Ranges: bytes", async () => {
    const url = await h.raw.token(h.premium, file.url);
    const r = await h.raw.fetch(url);
    expect(r.status).toBe(200);
    expect(Buffer.compare(r.body, data)).toBe(0);
    expect(header(r, "accept-ranges")).toBe("bytes");
    expect(header(r, "content-length")).toBe(String(data.length));
    expect(header(r, "content-disposition")).toMatch(/^attachment;.*filename="?digits\.txt"?/);
  });

  it("serves inline with the content type when the token was made with inline: 1", async () => {
    const url = await h.raw.token(h.premium, file.url, { inline: 1 });
    const r = await h.raw.fetch(url);
    expect(r.status).toBe(200);
    expect(header(r, "content-disposition")).toMatch(/^inline/);
    expect(header(r, "content-type")).toMatch(/^text\/plain/);
  });

  it("answers a Range request with 206 and Content-Range", async () => {
    const url = await h.raw.token(h.premium, file.url);
    const r = await h.raw.fetch(url, { headers: { range: "bytes=10-19" } });
    expect(r.status).toBe(206);
    expect(header(r, "content-range")).toBe(`bytes 10-19/${data.length}`);
    expect(r.body.toString()).toBe("abcdefghij");
    expect(header(r, "content-length")).toBe("10");
  });

  it("supports open-ended and suffix ranges", async () => {
    const url = await h.raw.token(h.premium, file.url);
    const open = await h.raw.fetch(url, { headers: { range: "bytes=30-" } });
    expect(open.status).toBe(206);
    expect(open.body.toString()).toBe("uvwxyz");
    expect(header(open, "content-range")).toBe(`bytes 30-35/${data.length}`);
    const suffix = await h.raw.fetch(url, { headers: { range: "bytes=-4" } });
    expect(suffix.status).toBe(206);
    expect(suffix.body.toString()).toBe("wxyz");
  });

  it("clamps a range that runs past the end", async () => {
    const url = await h.raw.token(h.premium, file.url);
    const r = await h.raw.fetch(url, { headers: { range: "bytes=30-1000" } });
    expect(r.status).toBe(206);
    expect(header(r, "content-range")).toBe(`bytes 30-35/${data.length}`);
    expect(r.body.toString()).toBe("uvwxyz");
    expect(header(r, "accept-ranges")).toBe("bytes");
  });

  it("answers 416 with Content-Range bytes */size for an unsatisfiable range", async () => {
    const url = await h.raw.token(h.premium, file.url);
    const r = await h.raw.fetch(url, { headers: { range: `bytes=${data.length}-` } });
    expect(r.status).toBe(416);
    expect(header(r, "content-range")).toBe(`bytes */${data.length}`);
  });

  it("allows several requests (chunks, resume) on a single: 0 token", async () => {
    const url = await h.raw.token(h.premium, file.url, { single: 0 });
    const parts: Buffer[] = [];
    for (const range of ["bytes=0-11", "bytes=12-23", "bytes=24-35"]) {
      const r = await h.raw.fetch(url, { headers: { range } });
      expect(r.status).toBe(206);
      parts.push(r.body);
    }
    expect(Buffer.compare(Buffer.concat(parts), data)).toBe(0);
    expect((await h.raw.fetch(url)).status).toBe(200);
  });

  it("allows exactly one request on a single: 1 token, then 410 HTML", async () => {
    const url = await h.raw.token(h.premium, file.url, { single: 1 });
    expect((await h.raw.fetch(url)).status).toBe(200);
    const again = await h.raw.fetch(url);
    expect(again.status).toBe(410);
    expect(isHtml(header(again, "content-type"))).toBe(true);
  });

  it("expires an unused token 5 minutes after issue (410)", async () => {
    const fresh = await h.raw.token(h.premium, file.url);
    const stale = await h.raw.token(h.premium, file.url);
    h.em.admin.advanceClock(4 * 60_000);
    expect((await h.raw.fetch(fresh)).status).toBe(200);
    h.em.admin.advanceClock(61_000);
    const r = await h.raw.fetch(stale);
    expect(r.status).toBe(410);
    expect(isHtml(header(r, "content-type"))).toBe(true);
  });

  it("keeps a used single: 0 token for 30 minutes after its first request", async () => {
    const url = await h.raw.token(h.premium, file.url, { single: 0 });
    expect((await h.raw.fetch(url, { headers: { range: "bytes=0-0" } })).status).toBe(206);
    h.em.admin.advanceClock(29 * 60_000);
    expect((await h.raw.fetch(url, { headers: { range: "bytes=1-1" } })).status).toBe(206);
    h.em.admin.advanceClock(2 * 60_000);
    expect((await h.raw.fetch(url)).status).toBe(410);
  });

  it("admin.expireTokens expires every issued token", async () => {
    const url = await h.raw.token(h.premium, file.url);
    h.em.admin.expireTokens();
    expect((await h.raw.fetch(url)).status).toBe(410);
  });

  it("answers 410 for a token that was never issued", async () => {
    const r = await h.raw.fetch(`${h.em.webUrl}/dl/neverIssuedToken123`);
    expect([404, 410]).toContain(r.status);
    expect(isHtml(header(r, "content-type"))).toBe(true);
  });

  it("keeps a token usable after the file is renamed, with the new name", async () => {
    const own = await h.raw.upload(h.premium, "before.txt", "rename me");
    await h.raw.ok("file/rename.cgi", { urls: [{ url: own.url, filename: "after.txt" }] }, h.premium);
    const r = await h.raw.fetch(await h.raw.token(h.premium, own.url));
    expect(r.status).toBe(200);
    expect(header(r, "content-disposition")).toContain("after.txt");
  });
});
