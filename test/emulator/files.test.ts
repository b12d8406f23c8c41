// File endpoints (spec §7.5-§7.12): shapes with their JSON types, URL forms, and the file error rows of
// DECISIONS.md (#469, #312, #9004, #9001).
import { whirlpool } from "hash-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../helpers/emulator.js";
import {
  expectKo,
  FILE_URL,
  fileId,
  ko,
  PARIS_DATE,
  type Uploaded,
  useHarness,
  WHIRLPOOL,
} from "./support/http.js";

const h = useHarness();

const UNKNOWN = "https://1fichier.com/?zzzzzzzzzzzzzzzzzzzz";

describe("dates are Europe/Paris local time with daylight saving (§1.15)", () => {
  const d = useHarness({ now: fixedClock("2026-01-15T12:00:00Z") });

  it("uses CET (UTC+1) in winter and CEST (UTC+2) in summer", async () => {
    const winter = await d.raw.upload(d.premium, "winter.txt", "w");
    d.em.admin.advanceClock(Date.UTC(2026, 6, 1, 12) - Date.UTC(2026, 0, 15, 12));
    const summer = await d.raw.upload(d.premium, "summer.txt", "s");
    const items = (await d.raw.ok("file/ls.cgi", { folder_id: 0 }, d.premium)).items;
    const date = (u: Uploaded) => items.find((i: { url: string }) => i.url === u.url)?.date;
    expect(date(winter)).toBe("2026-01-15 13:00:00");
    expect(date(summer)).toBe("2026-07-01 14:00:00");
    const info = await d.raw.ok("file/info.cgi", { url: summer.url }, d.premium);
    expect(info.date).toBe("2026-07-01 14:00:00");

    // spec §7.5: sent_before / sent_after filter on the upload date, in the same French-time format.
    const names = async (body: object) =>
      (await d.raw.ok("file/ls.cgi", { folder_id: 0, ...body }, d.premium)).items.map(
        (i: { filename: string }) => i.filename,
      );
    expect(await names({ sent_after: "2026-03-01 00:00:00" })).toEqual(["summer.txt"]);
    expect(await names({ sent_before: "2026-03-01 00:00:00" })).toEqual(["winter.txt"]);
  });

  it("dates folders (create_date) in Paris time too", async () => {
    const id = await d.raw.mkdir(d.premium, "dated");
    const root = await d.raw.ok("folder/ls.cgi", { folder_id: 0 }, d.premium);
    const sub = root.sub_folders.find((f: { id: number }) => f.id === id);
    // The clock stands at 2026-07-01 12:00 UTC (moved above): 14:00 in Paris.
    expect(sub.create_date).toBe("2026-07-01 14:00:00");
    expect((await d.raw.ok("folder/ls.cgi", { folder_id: id }, d.premium)).create_date).toBe(
      "2026-07-01 14:00:00",
    );
  });

  it("sorts listings by upload date, then name (§7.5, E)", async () => {
    const f = await d.raw.mkdir(d.premium, "sorted");
    const fields = { did: String(f) };
    await d.raw.uploadMany(
      [
        { name: "b.txt", data: "b" },
        { name: "a.txt", data: "a" },
      ],
      { key: d.premium, fields },
    );
    d.em.admin.advanceClock(60_000);
    await d.raw.uploadMany([{ name: "0-later.txt", data: "0" }], { key: d.premium, fields });
    const items = (await d.raw.ok("file/ls.cgi", { folder_id: f }, d.premium)).items;
    expect(items.map((i: { filename: string }) => i.filename)).toEqual(["a.txt", "b.txt", "0-later.txt"]);
  });
});

describe("file/ls.cgi", () => {
  it("lists a folder with the observed item shape and types (§7.5)", async () => {
    const folder = await h.raw.mkdir(h.premium, "ls-shape");
    const data = "hello world\n";
    const [up] = await h.raw.uploadMany([{ name: "test.txt", data }], {
      key: h.premium,
      fields: { did: String(folder) },
    });
    const r = await h.raw.api("file/ls.cgi", { folder_id: folder }, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
    expect(r.json.count).toBe(1);
    expect(r.json.items).toHaveLength(1);
    const item = r.json.items[0];
    expect(item).toMatchObject({
      url: up?.url,
      filename: "test.txt",
      size: 12,
      checksum: await whirlpool(data),
      "content-type": "text/plain",
      pass: 0,
      acl: 0,
      cdn: 0,
    });
    expect(item.date).toMatch(PARIS_DATE);
    expect(item.url).toMatch(FILE_URL);
    expect(item).not.toHaveProperty("content_type");
  });

  it("lists an empty folder as items [] and count 0", async () => {
    const folder = await h.raw.mkdir(h.premium, "ls-empty");
    const j = await h.raw.ok("file/ls.cgi", { folder_id: folder }, h.premium);
    expect(j.items).toEqual([]);
    expect(j.count).toBe(0);
  });

  it("lists the root when folder_id is absent", async () => {
    const up = await h.raw.upload(h.premium, "at-root.txt", "r");
    const j = await h.raw.ok("file/ls.cgi", {}, h.premium);
    expect(j.items.some((i: { url: string }) => i.url === up.url)).toBe(true);
  });

  it("lists every file of the account with folder_id -1", async () => {
    const f = await h.raw.mkdir(h.premium, "deep-a");
    const g = await h.raw.mkdir(h.premium, "deep-b", f);
    const [a] = await h.raw.uploadMany([{ name: "in-a.txt", data: "a" }], {
      key: h.premium,
      fields: { did: String(f) },
    });
    const [b] = await h.raw.uploadMany([{ name: "in-b.txt", data: "b" }], {
      key: h.premium,
      fields: { did: String(g) },
    });
    const j = await h.raw.ok("file/ls.cgi", { folder_id: -1 }, h.premium);
    const urls = j.items.map((i: { url: string }) => i.url);
    expect(urls).toContain(a?.url);
    expect(urls).toContain(b?.url);
    expect(j.count).toBe(j.items.length);
  });

  it("pretty-prints with pretty: 1 (§1.8) and answers compact JSON otherwise", async () => {
    const pretty = await h.raw.api("file/ls.cgi", { folder_id: 0, pretty: 1 }, h.premium);
    expect(pretty.json.status).toBe("OK");
    expect(pretty.text.trim()).toContain("\n");
    const compact = await h.raw.api("file/ls.cgi", { folder_id: 0 }, h.premium);
    expect(compact.text.trim()).not.toContain("\n");
  });

  it("shows acl 1 in the listing and the acl object in info once an ACL is set (§7.6, §7.12)", async () => {
    const folder = await h.raw.mkdir(h.premium, "acl-folder");
    const [a] = await h.raw.uploadMany([{ name: "acl.txt", data: "a" }], {
      key: h.premium,
      fields: { did: String(folder) },
    });
    await h.raw.ok(
      "file/chattr.cgi",
      { urls: [a?.url], acl: { ip: ["10.0.0.0/8"], country: ["FR"] } },
      h.premium,
    );
    const item = (await h.raw.ok("file/ls.cgi", { folder_id: folder }, h.premium)).items[0];
    expect(item.acl).toBe(1);
    const info = await h.raw.ok("file/info.cgi", { url: a?.url }, h.premium);
    expect(info.acl).toMatchObject({ ip: ["10.0.0.0/8"], country: ["FR"] });
  });

  it("answers 404 #9001 for an unknown folder", async () => {
    const r = await h.raw.api("file/ls.cgi", { folder_id: 424242 }, h.premium);
    expectKo(r, 404, ko("Folder not found #9001"));
  });
});

describe("file/info.cgi", () => {
  let up: Uploaded;
  let folder: number;
  beforeAll(async () => {
    const parent = await h.raw.mkdir(h.premium, "info-a");
    folder = await h.raw.mkdir(h.premium, "info-b", parent);
    [up] = (await h.raw.uploadMany([{ name: "c.txt", data: "info data" }], {
      key: h.premium,
      fields: { did: String(folder) },
    })) as [Uploaded];
  });

  it("returns the file's metadata with the spec's types (§7.6)", async () => {
    const r = await h.raw.api("file/info.cgi", { url: up.url }, h.premium);
    expect(r.status).toBe(200);
    const j = r.json;
    expect(j).toMatchObject({
      url: up.url,
      filename: "c.txt",
      size: 9,
      checksum: await whirlpool("info data"),
      "content-type": "text/plain",
      folder_id: folder,
      path: "info-a/info-b",
      pass: 0,
      cdn: 0,
      no_ssl: 0,
      inline: 0,
    });
    expect(j.date).toMatch(PARIS_DATE);
    expect(j.checksum).toMatch(WHIRLPOOL);
    expect(typeof j.description).toBe("string");
    // spec §7.6: acl is an object here, a 0/1 number in listings
    expect(typeof j.acl).toBe("object");
    expect(j.acl).not.toBeNull();
  });

  it.each([
    ["www. prefix", (id: string) => `https://www.1fichier.com/?${id}`],
    ["&af= suffix", (id: string) => `https://1fichier.com/?${id}&af=651048`],
    ["&lg= suffix", (id: string) => `https://1fichier.com/?${id}&lg=en`],
    ["legacy sub-domain form", (id: string) => `https://${id}.1fichier.com/`],
    ["another listed domain", (id: string) => `https://dl4free.com/?${id}`],
  ])("accepts the URL with a %s (DECISIONS 'Identity')", async (_label, form) => {
    const r = await h.raw.api("file/info.cgi", { url: form(fileId(up.url)) }, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.filename).toBe("c.txt");
  });

  it("answers 404 #469 for an unknown file", async () => {
    const r = await h.raw.api("file/info.cgi", { url: UNKNOWN }, h.premium);
    expectKo(r, 404, ko("Resource not found #469"));
  });
});

describe("file/rm.cgi", () => {
  it("deletes files and reports removed (§7.8)", async () => {
    const a = await h.raw.upload(h.premium, "rm-a.txt", "a");
    const b = await h.raw.upload(h.premium, "rm-b.txt", "b");
    const j = await h.raw.ok("file/rm.cgi", { files: [{ url: a.url }, { url: b.url }] }, h.premium);
    expect(j.removed).toBe(2);
    expect([...j.urls].sort()).toEqual([a.url, b.url].sort());
    for (const u of [a, b]) {
      const r = await h.raw.api("file/info.cgi", { url: u.url }, h.premium);
      expectKo(r, 404, ko("Resource not found #469"));
    }
  });

  it("deletes an anonymous upload with its removal code (§7.8), not without it", async () => {
    const anon = await h.raw.upload(null, "anon-rm.txt", "anon");
    const code = anon.remove.split("/").pop();
    const without = await h.raw.api("file/rm.cgi", { files: [{ url: anon.url }] }, h.premium);
    expectKo(without, 403, ko("Resource not allowed #631"));
    const wrong = await h.raw.api(
      "file/rm.cgi",
      { files: [{ url: anon.url, code: "wrongcode" }] },
      h.premium,
    );
    expect(wrong.json.status).toBe("KO");
    const j = await h.raw.ok("file/rm.cgi", { files: [{ url: anon.url, code }] }, h.premium);
    expect(j.removed).toBe(1);
    const check = await h.raw.fetch(`${h.em.webUrl}/check_links.pl`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams([["links[]", anon.url]]).toString(),
    });
    expect(check.text.trim()).toBe(`${anon.url};;;NOT FOUND`);
  });

  it("answers 404 #469 for an unknown or already deleted file", async () => {
    const a = await h.raw.upload(h.premium, "rm-twice.txt", "a");
    await h.raw.ok("file/rm.cgi", { files: [{ url: a.url }] }, h.premium);
    for (const url of [a.url, UNKNOWN]) {
      const r = await h.raw.api("file/rm.cgi", { files: [{ url }] }, h.premium);
      expectKo(r, 404, ko("Resource not found #469"));
    }
  });
});

describe("file/mv.cgi", () => {
  it("moves files keeping their URL and reports moved and urls (§7.9)", async () => {
    const dest = await h.raw.mkdir(h.premium, "mv-dest");
    const a = await h.raw.upload(h.premium, "mv-a.txt", "a");
    const j = await h.raw.ok("file/mv.cgi", { urls: [a.url], destination_folder_id: dest }, h.premium);
    expect(j.moved).toBe(1);
    expect(j.urls).toEqual([a.url]);
    const info = await h.raw.ok("file/info.cgi", { url: a.url }, h.premium);
    expect(info.folder_id).toBe(dest);
    expect(info.filename).toBe("mv-a.txt");
  });

  it("moves and renames one file, returning filename", async () => {
    const dest = await h.raw.mkdir(h.premium, "mv-rename");
    const a = await h.raw.upload(h.premium, "old.txt", "a");
    const j = await h.raw.ok(
      "file/mv.cgi",
      { urls: [a.url], destination_folder_id: dest, rename: "new.txt" },
      h.premium,
    );
    expect(j.filename).toBe("new.txt");
    const info = await h.raw.ok("file/info.cgi", { url: a.url }, h.premium);
    expect(info).toMatchObject({ folder_id: dest, filename: "new.txt" });
  });

  it("refuses a rename equal to the current name (§7.9, §11.7)", async () => {
    const dest = await h.raw.mkdir(h.premium, "mv-same");
    const a = await h.raw.upload(h.premium, "same.txt", "a");
    const r = await h.raw.api(
      "file/mv.cgi",
      { urls: [a.url], destination_folder_id: dest, rename: "same.txt" },
      h.premium,
    );
    expect(r.json.status).toBe("KO");
    expect(r.json.message).toMatch(/#\d+$/);
    expect((await h.raw.ok("file/info.cgi", { url: a.url }, h.premium)).folder_id).toBe(0);
  });

  it("refuses rename with more than one URL (§7.9)", async () => {
    const a = await h.raw.upload(h.premium, "mv-two-a.txt", "a");
    const b = await h.raw.upload(h.premium, "mv-two-b.txt", "b");
    const r = await h.raw.api(
      "file/mv.cgi",
      { urls: [a.url, b.url], destination_folder_id: 0, rename: "both.txt" },
      h.premium,
    );
    expect(r.json.status).toBe("KO");
    expect((await h.raw.ok("file/info.cgi", { url: a.url }, h.premium)).filename).toBe("mv-two-a.txt");
  });

  it("answers 404 #9001 for an unknown destination folder", async () => {
    const a = await h.raw.upload(h.premium, "mv-nowhere.txt", "a");
    const r = await h.raw.api("file/mv.cgi", { urls: [a.url], destination_folder_id: 535353 }, h.premium);
    expectKo(r, 404, ko("Folder not found #9001"));
  });

  it("answers 404 #469 for an unknown file", async () => {
    const r = await h.raw.api("file/mv.cgi", { urls: [UNKNOWN], destination_folder_id: 0 }, h.premium);
    expectKo(r, 404, ko("Resource not found #469"));
  });
});

describe("file/rename.cgi", () => {
  it("renames in place and reports renamed and urls[{url, old_filename, new_filename}] (§7.10)", async () => {
    const a = await h.raw.upload(h.premium, "ren-old.txt", "a");
    const j = await h.raw.ok(
      "file/rename.cgi",
      { urls: [{ url: a.url, filename: "ren-new.txt" }] },
      h.premium,
    );
    expect(j.renamed).toBe(1);
    expect(j.urls).toEqual([{ url: a.url, old_filename: "ren-old.txt", new_filename: "ren-new.txt" }]);
    expect((await h.raw.ok("file/info.cgi", { url: a.url }, h.premium)).filename).toBe("ren-new.txt");
  });

  it("answers 200 KO 'No file has been renamed #312' for the same name", async () => {
    const a = await h.raw.upload(h.premium, "ren-same.txt", "a");
    const r = await h.raw.api(
      "file/rename.cgi",
      { urls: [{ url: a.url, filename: "ren-same.txt" }] },
      h.premium,
    );
    expectKo(r, 200, ko("No file has been renamed #312"));
  });

  it.each([
    ["a forbidden character", "bad<name>.txt"],
    ["a dollar sign", "price$.txt"],
    ["a leading space", " lead.txt"],
    ["a trailing space", "trail.txt "],
    ["a control character", "ctl\u0001.txt"],
    ["more than 250 characters", `${"n".repeat(251)}`],
  ])("answers 200 KO 'Invalid name #9004' for a name with %s", async (_label, name) => {
    const a = await h.raw.upload(h.premium, "valid.txt", "a");
    const r = await h.raw.api("file/rename.cgi", { urls: [{ url: a.url, filename: name }] }, h.premium);
    expectKo(r, 200, ko("Invalid name #9004"));
    expect((await h.raw.ok("file/info.cgi", { url: a.url }, h.premium)).filename).toBe("valid.txt");
  });

  it("accepts a name of exactly 250 characters and non-ASCII names", async () => {
    const a = await h.raw.upload(h.premium, "short.txt", "a");
    for (const name of ["n".repeat(250), "été 日本 ＄.txt"]) {
      const j = await h.raw.ok("file/rename.cgi", { urls: [{ url: a.url, filename: name }] }, h.premium);
      expect(j.renamed).toBe(1);
      expect((await h.raw.ok("file/info.cgi", { url: a.url }, h.premium)).filename).toBe(name);
    }
  });

  it("answers 404 #469 for an unknown file", async () => {
    const r = await h.raw.api("file/rename.cgi", { urls: [{ url: UNKNOWN, filename: "x.txt" }] }, h.premium);
    expectKo(r, 404, ko("Resource not found #469"));
  });
});

describe("file/cp.cgi", () => {
  it("copies to a new URL with the same content and reports copied and urls[{from_url, to_url}] (§7.11)", async () => {
    const dest = await h.raw.mkdir(h.premium, "cp-dest");
    const a = await h.raw.upload(h.premium, "cp-src.txt", "copy me");
    const j = await h.raw.ok("file/cp.cgi", { urls: [a.url], folder_id: dest }, h.premium);
    expect(j.copied).toBe(1);
    expect(j.urls).toHaveLength(1);
    expect(j.urls[0].from_url).toBe(a.url);
    expect(j.urls[0].to_url).toMatch(FILE_URL);
    expect(j.urls[0].to_url).not.toBe(a.url);
    const info = await h.raw.ok("file/info.cgi", { url: j.urls[0].to_url }, h.premium);
    expect(info).toMatchObject({ folder_id: dest, filename: "cp-src.txt", checksum: a.whirlpool, size: 7 });
    expect((await h.raw.ok("file/info.cgi", { url: a.url }, h.premium)).folder_id).toBe(0);
    const body = await h.raw.fetch(await h.raw.token(h.premium, j.urls[0].to_url));
    expect(body.text).toBe("copy me");
  });

  it("copies with rename and returns filename", async () => {
    const a = await h.raw.upload(h.premium, "cp-orig.txt", "x");
    const j = await h.raw.ok(
      "file/cp.cgi",
      { urls: [a.url], folder_id: 0, rename: "cp-renamed.txt" },
      h.premium,
    );
    expect(j.filename).toBe("cp-renamed.txt");
    expect((await h.raw.ok("file/info.cgi", { url: j.urls[0].to_url }, h.premium)).filename).toBe(
      "cp-renamed.txt",
    );
  });

  it("answers 404 #469 for an unknown source", async () => {
    const r = await h.raw.api("file/cp.cgi", { urls: [UNKNOWN], folder_id: 0 }, h.premium);
    expectKo(r, 404, ko("Resource not found #469"));
  });
});

describe("file/chattr.cgi", () => {
  it("changes attributes and reports updated and urls (§7.12)", async () => {
    const a = await h.raw.upload(h.premium, "attr.txt", "a");
    const j = await h.raw.ok(
      "file/chattr.cgi",
      { urls: [a.url], description: "a note", inline: 1, no_ssl: 1, filename: "attr2.txt" },
      h.premium,
    );
    expect(j.updated).toBe(1);
    expect(j.urls).toEqual([a.url]);
    const info = await h.raw.ok("file/info.cgi", { url: a.url }, h.premium);
    expect(info).toMatchObject({ description: "a note", inline: 1, no_ssl: 1, filename: "attr2.txt" });
  });

  it("sets and removes a password; the listing shows pass 1 then 0", async () => {
    const folder = await h.raw.mkdir(h.premium, "chattr-pass");
    const [a] = await h.raw.uploadMany([{ name: "p.txt", data: "p" }], {
      key: h.premium,
      fields: { did: String(folder) },
    });
    await h.raw.ok("file/chattr.cgi", { urls: [a?.url], pass: "longenough" }, h.premium);
    expect((await h.raw.ok("file/info.cgi", { url: a?.url, pass: "longenough" }, h.premium)).pass).toBe(1);
    await h.raw.ok("file/chattr.cgi", { urls: [a?.url], pass: "" }, h.premium);
    expect((await h.raw.ok("file/info.cgi", { url: a?.url }, h.premium)).pass).toBe(0);
  });

  it("refuses a password shorter than 6 characters (§7.12)", async () => {
    const a = await h.raw.upload(h.premium, "shortpass.txt", "a");
    const r = await h.raw.api("file/chattr.cgi", { urls: [a.url], pass: "12345" }, h.premium);
    expect(r.json.status).toBe("KO");
    expect((await h.raw.ok("file/info.cgi", { url: a.url }, h.premium)).pass).toBe(0);
  });

  it("refuses an invalid new filename with #9004", async () => {
    const a = await h.raw.upload(h.premium, "chattr-name.txt", "a");
    const r = await h.raw.api("file/chattr.cgi", { urls: [a.url], filename: "a`b" }, h.premium);
    expectKo(r, 200, ko("Invalid name #9004"));
  });
});

describe("file/scan.cgi", () => {
  it("scans a clean file with status OK (§7.7)", async () => {
    const a = await h.raw.upload(h.premium, "scan.txt", "clean");
    const r = await h.raw.api("file/scan.cgi", { url: a.url }, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
  });

  it("answers 404 #469 for an unknown file", async () => {
    const r = await h.raw.api("file/scan.cgi", { url: UNKNOWN }, h.premium);
    expectKo(r, 404, ko("Resource not found #469"));
  });
});
