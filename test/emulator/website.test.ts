// Website endpoints clients rely on (spec §7.22, §3.1): shared folder listing (JSON, password POST, text
// export), check_links.pl lines, and the removal link of anonymous uploads.
import { beforeAll, describe, expect, it } from "vitest";
import { fileId, header, type Uploaded, useHarness } from "./support/http.js";

const h = useHarness();

const form = (pairs: Array<[string, string]>) => new URLSearchParams(pairs).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

async function sharedFolder(name: string, files: Array<[string, string]>, pass?: string) {
  const id = await h.raw.mkdir(h.premium, name);
  const links = await h.raw.uploadMany(
    files.map(([n, d]) => ({ name: n, data: d })),
    { key: h.premium, fields: { did: String(id) } },
  );
  const share = await h.raw.ok(
    "folder/share.cgi",
    { folder_id: id, share: 1, ...(pass ? { pass } : {}) },
    h.premium,
  );
  const hash = (share.url as string).split("/").pop() ?? "";
  return { id, links, hash };
}

function checkLinks(urls: string[]) {
  return h.raw.fetch(`${h.em.webUrl}/check_links.pl`, {
    method: "POST",
    headers: FORM,
    body: form(urls.map((u) => ["links[]", u])),
  });
}

describe("GET /dir/<hash>?json=1", () => {
  it("lists a public share as a JSON array of {filename, link, size: int}", async () => {
    const s = await sharedFolder("pub", [
      ["a.txt", "aaa"],
      ["b.txt", "bbbbbb"],
    ]);
    const r = await h.raw.fetch(`${h.em.webUrl}/dir/${s.hash}?json=1`, { headers: FORM });
    expect(r.status).toBe(200);
    expect(Array.isArray(r.json)).toBe(true);
    const rows = [...r.json].sort((x, y) => x.filename.localeCompare(y.filename));
    expect(rows).toEqual([
      { filename: "a.txt", link: s.links.find((l) => l.filename === "a.txt")?.url, size: 3 },
      { filename: "b.txt", link: s.links.find((l) => l.filename === "b.txt")?.url, size: 6 },
    ]);
  });

  it("does not list an unknown hash", async () => {
    const r = await h.raw.fetch(`${h.em.webUrl}/dir/NoSuchShare42?json=1`);
    expect(Array.isArray(r.json)).toBe(false);
  });

  it("stops listing once the share is removed (share: 0)", async () => {
    const s = await sharedFolder("unshare", [["u.txt", "u"]]);
    await h.raw.ok("folder/share.cgi", { folder_id: s.id, share: 0 }, h.premium);
    const r = await h.raw.fetch(`${h.em.webUrl}/dir/${s.hash}?json=1`);
    expect(Array.isArray(r.json)).toBe(false);
  });
});

describe("password-protected share", () => {
  it("needs POST json=1&pass=<password>; a missing or wrong password lists nothing", async () => {
    const s = await sharedFolder("locked-share", [["p.txt", "pp"]], "share-pass-1");
    const none = await h.raw.fetch(`${h.em.webUrl}/dir/${s.hash}?json=1`);
    expect(Array.isArray(none.json)).toBe(false);
    const wrong = await h.raw.fetch(`${h.em.webUrl}/dir/${s.hash}`, {
      method: "POST",
      headers: FORM,
      body: form([
        ["json", "1"],
        ["pass", "not-it"],
      ]),
    });
    expect(Array.isArray(wrong.json)).toBe(false);
    const right = await h.raw.fetch(`${h.em.webUrl}/dir/${s.hash}`, {
      method: "POST",
      headers: FORM,
      body: form([
        ["json", "1"],
        ["pass", "share-pass-1"],
      ]),
    });
    expect(right.status).toBe(200);
    expect(right.json).toEqual([{ filename: "p.txt", link: s.links[0]?.url, size: 2 }]);
  });

  it("shows pass: 1 in folder/ls.cgi", async () => {
    const s = await sharedFolder("locked-ls", [], "share-pass-2");
    const ls = await h.raw.ok("folder/ls.cgi", { folder_id: s.id }, h.premium);
    expect(ls.pass).toBe(1);
  });
});

describe("GET /dir/<hash>?e=1", () => {
  it("exports one text line per file: <url>;<filename>;<size>", async () => {
    const s = await sharedFolder("export-share", [["e.txt", "eeee"]]);
    const r = await h.raw.fetch(`${h.em.webUrl}/dir/${s.hash}?e=1`);
    expect(r.status).toBe(200);
    expect(header(r, "content-type")).toMatch(/^text\/plain/);
    expect(r.text.trim().split(/\r?\n/)).toEqual([`${s.links[0]?.url};e.txt;4`]);
  });

  it("answers `bad` or 404 for an unknown hash", async () => {
    const r = await h.raw.fetch(`${h.em.webUrl}/dir/NoSuchShare43?e=1`);
    expect(r.status === 404 || r.text.trim() === "bad").toBe(true);
  });
});

describe("POST /check_links.pl", () => {
  it("answers one line per link: found, deleted, never existed, private", async () => {
    const found = await h.raw.upload(h.premium, "found.txt", "12345");
    const deleted = await h.raw.upload(h.premium, "deleted.txt", "x");
    await h.raw.ok("file/rm.cgi", { files: [{ url: deleted.url }] }, h.premium);
    const locked = await h.raw.upload(h.premium, "private.txt", "x");
    await h.raw.ok("file/chattr.cgi", { urls: [locked.url], pass: "locked-pass" }, h.premium);
    const never = "https://1fichier.com/?zzzzzzzzzzzzzzzzzzzz";

    const r = await checkLinks([found.url, deleted.url, never, locked.url]);
    expect(r.status).toBe(200);
    expect(r.text.trim().split(/\r?\n/)).toEqual([
      `${found.url};found.txt;5`,
      `${deleted.url};;;NOT FOUND`,
      `${never};;;BAD LINK`,
      `${locked.url};;;PRIVATE`,
    ]);
  });
});

describe("removal link of an anonymous upload (§3.1)", () => {
  let anon: Uploaded;
  beforeAll(async () => {
    anon = await h.raw.upload(null, "anon-remove.txt", "bye");
  });

  it("is https://1fichier.com/remove/<id>/<code>", () => {
    expect(anon.remove).toMatch(
      new RegExp(`^https://1fichier\\.com/remove/${fileId(anon.url)}/[A-Za-z0-9]+$`),
    );
  });

  it("a wrong code destroys nothing", async () => {
    const r = await h.raw.fetch(`${h.em.webUrl}/remove/${fileId(anon.url)}/wrongcode0`, {
      method: "POST",
      headers: FORM,
      body: "force=1",
    });
    expect(r.text).not.toContain("The file has been destroyed");
    expect((await checkLinks([anon.url])).text.trim()).toBe(`${anon.url};anon-remove.txt;3`);
  });

  it("GET shows a confirmation page; POST force=1 destroys the file", async () => {
    const path = new URL(anon.remove).pathname;
    const page = await h.raw.fetch(`${h.em.webUrl}${path}`);
    expect(page.status).toBe(200);
    expect(header(page, "content-type")).toMatch(/^text\/html/);
    expect((await checkLinks([anon.url])).text.trim()).toBe(`${anon.url};anon-remove.txt;3`);
    const done = await h.raw.fetch(`${h.em.webUrl}${path}`, {
      method: "POST",
      headers: FORM,
      body: "force=1",
    });
    expect(done.status).toBe(200);
    expect(done.text).toContain("The file has been destroyed");
    expect((await checkLinks([anon.url])).text.trim()).toBe(`${anon.url};;;NOT FOUND`);
  });
});
