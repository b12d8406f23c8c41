// `fichier serve` over the account (src/serve/account): browsing from the index, reading by token URL with
// Range, PUT as a verified journaled upload, MKCOL, DELETE, MOVE and COPY server-side, against the emulator.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { newEntry } from "../../src/transfer/upload-send.js";
import { useEmulator } from "../helpers/emulator.js";
import { seedFiles } from "../integration/remote-index/support.js";
import { callsTo, listings, serveAccount } from "./account-support.js";

const emu = useEmulator();

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** The hrefs of a PROPFIND answer. */
function hrefs(xml: string): string[] {
  return [...xml.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => decodeURIComponent(m[1] as string));
}

describe("serve over the account: reading", () => {
  it("PUTs a file, lists it from the index (no listing call), reads it whole and by Range", async () => {
    const t = await serveAccount(emu, { root: "/read" });
    const body = randomBytes(300_000);
    expect((await t.call("PUT", "/a%20b.bin", { body })).status).toBe(201);
    const before = listings(emu);
    const list = await t.call("PROPFIND", "/", { headers: { Depth: "1" } });
    expect(list.status).toBe(207);
    expect(hrefs(list.body)).toEqual(["/", "/a b.bin"]);
    expect(list.body).toContain("<D:getcontentlength>300000</D:getcontentlength>");
    expect(listings(emu) - before).toBe(0);

    const whole = await t.call("GET", "/a%20b.bin");
    expect(whole.status).toBe(200);
    expect(sha(whole.bytes)).toBe(sha(body));
    expect(whole.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    const part = await t.call("GET", "/a%20b.bin", { headers: { Range: "bytes=1000-1999" } });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe("bytes 1000-1999/300000");
    expect(part.bytes.equals(body.subarray(1000, 2000))).toBe(true);
    const tail = await t.call("GET", "/a%20b.bin", { headers: { Range: "bytes=-10" } });
    expect(tail.bytes.equals(body.subarray(-10))).toBe(true);
    expect((await t.call("GET", "/a%20b.bin", { headers: { Range: "bytes=300000-" } })).status).toBe(416);
  });

  it("reuses one download token for many seeks, and refreshes it after it expires without the reader noticing", async () => {
    const t = await serveAccount(emu, { root: "/seek" });
    const body = randomBytes(2 * 1024 * 1024);
    expect((await t.call("PUT", "/film.bin", { body })).status).toBe(201);
    const before = callsTo(emu, "get_token");
    for (let i = 0; i < 20; i++) {
      const start = (i * 99_991) % (body.length - 4096);
      const r = await t.call("GET", "/film.bin", { headers: { Range: `bytes=${start}-${start + 4095}` } });
      expect(r.status).toBe(206);
      expect(r.bytes.equals(body.subarray(start, start + 4096))).toBe(true);
    }
    expect(callsTo(emu, "get_token") - before).toBe(1);
    // Past the token's 30 minutes after first use the link answers 410: a fresh token, the same bytes.
    emu.admin.advanceClock(31 * 60_000);
    const again = await t.call("GET", "/film.bin", { headers: { Range: "bytes=5-9" } });
    expect(again.status).toBe(206);
    expect(again.bytes.equals(body.subarray(5, 10))).toBe(true);
    expect(callsTo(emu, "get_token") - before).toBe(2);
  });

  it("serves a sub-folder as the root, with HEAD, ETag and an HTML page", async () => {
    const t = await serveAccount(emu, { root: "/page" });
    await t.call("MKCOL", "/sub");
    await t.call("PUT", "/sub/<x>.txt", { body: "hello" });
    const t2 = await serveAccount(emu, { root: "/page/sub" });
    const head = await t2.call("HEAD", "/%3Cx%3E.txt");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe("5");
    const page = await t2.call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.body).toContain("&lt;x&gt;.txt");
    expect((await t2.call("GET", "/missing.txt")).status).toBe(404);
  });
});

describe("serve over the account: writing", () => {
  it("replaces a file only once the new one is verified, leaving one file of the name", async () => {
    const t = await serveAccount(emu, { root: "/replace" });
    expect((await t.call("PUT", "/r.txt", { body: "first version" })).status).toBe(201);
    const first = await t.index.resolveFile("/replace/r.txt");
    expect((await t.call("PUT", "/r.txt", { body: "second, longer version" })).status).toBe(204);
    const files = (await t.client.files.list({ folderId: first.folderId ?? 0 })).filter(
      (f) => f.filename === "r.txt",
    );
    expect(files).toHaveLength(1);
    expect(files[0]?.url).not.toBe(first.url);
    expect((await t.call("GET", "/r.txt")).body).toBe("second, longer version");
  });

  it("a client's retry of the same PUT (even at once, in parallel) leaves one copy", async () => {
    const t = await serveAccount(emu, { root: "/retry" });
    const body = randomBytes(100_000);
    const [a, b] = await Promise.all([
      t.call("PUT", "/same.bin", { body }),
      t.call("PUT", "/same.bin", { body }),
    ]);
    // Both were looked at before either stored anything: each says it created the file.
    expect([a.status, b.status]).toEqual([201, 201]);
    const folder = await t.index.resolveFolder("/retry");
    const files = (await t.client.files.list({ folderId: folder.id })).filter(
      (f) => f.filename === "same.bin",
    );
    expect(files).toHaveLength(1);
    expect(sha((await t.call("GET", "/same.bin")).bytes)).toBe(sha(body));
  });

  it("a PUT cut off midway stores nothing, on 1fichier either", async () => {
    const t = await serveAccount(emu, { root: "/cut" });
    const { rawExchange } = await import("./support.js");
    const uploadsBefore = callsTo(emu, "upload.cgi");
    await rawExchange(
      t.port,
      `PUT /cut.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n${"x".repeat(40_000)}`,
      { endAfterWrite: true },
    );
    await expect.poll(() => t.log.some((e) => e.type === "request" && e.method === "PUT")).toBe(true);
    expect(callsTo(emu, "upload.cgi") - uploadsBefore).toBeLessThanOrEqual(1);
    expect((await t.call("PROPFIND", "/", { headers: { Depth: "1" } })).body).not.toContain("cut.bin");
    const folder = await t.index.resolveFolder("/cut");
    expect(await t.client.files.list({ folderId: folder.id })).toEqual([]);
    expect(await t.journal.entries()).toEqual([]);
  });

  it("holds empty files in memory (Windows and Finder create files that way), then stores the content", async () => {
    const t = await serveAccount(emu, { root: "/empty" });
    expect((await t.call("PUT", "/New%20Text%20Document.txt", { body: "" })).status).toBe(201);
    const list = await t.call("PROPFIND", "/", { headers: { Depth: "1" } });
    expect(hrefs(list.body)).toContain("/New Text Document.txt");
    expect((await t.call("GET", "/New%20Text%20Document.txt")).status).toBe(200);
    expect(
      (await t.call("MOVE", "/New%20Text%20Document.txt", { headers: { Destination: "/notes.txt" } })).status,
    ).toBe(201);
    expect((await t.call("PUT", "/notes.txt", { body: "content" })).status).toBe(204);
    expect((await t.call("GET", "/notes.txt")).body).toBe("content");
    const folder = await t.index.resolveFolder("/empty");
    expect((await t.client.files.list({ folderId: folder.id })).map((f) => f.filename)).toEqual([
      "notes.txt",
    ]);
    // Never over a stored file: it is kept.
    const refused = await t.call("PUT", "/notes.txt", { body: "" });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/empty files cannot be stored .*the stored file was kept/);
    expect((await t.call("GET", "/notes.txt")).body).toBe("content");
  });

  it("MKCOL, MOVE and COPY of folders and files, Overwrite, and DELETE of a whole tree", async () => {
    const t = await serveAccount(emu, { root: "/tree" });
    expect((await t.call("MKCOL", "/a")).status).toBe(201);
    expect((await t.call("MKCOL", "/a")).status).toBe(405);
    expect((await t.call("MKCOL", "/x/y")).status).toBe(409);
    await t.call("MKCOL", "/a/b");
    await t.call("PUT", "/a/one.txt", { body: "one" });
    await t.call("PUT", "/a/b/two.txt", { body: "two" });
    expect((await t.call("COPY", "/a", { headers: { Destination: "/c" } })).status).toBe(201);
    expect((await t.call("GET", "/c/b/two.txt")).body).toBe("two");
    expect((await t.call("MOVE", "/c", { headers: { Destination: "/a/b/c2" } })).status).toBe(201);
    expect((await t.call("GET", "/a/b/c2/one.txt")).body).toBe("one");
    expect(
      (await t.call("MOVE", "/a/one.txt", { headers: { Destination: "/a/b/two.txt", Overwrite: "F" } }))
        .status,
    ).toBe(412);
    expect((await t.call("MOVE", "/a/one.txt", { headers: { Destination: "/a/b/two.txt" } })).status).toBe(
      204,
    );
    expect((await t.call("GET", "/a/b/two.txt")).body).toBe("one");
    expect((await t.call("GET", "/a/one.txt")).status).toBe(404);
    // A folder over a file: the file is renamed aside, the folder moved in, then the file removed.
    await t.call("MKCOL", "/d");
    await t.call("PUT", "/d/three.txt", { body: "three" });
    expect((await t.call("MOVE", "/d", { headers: { Destination: "/a/b/two.txt" } })).status).toBe(204);
    expect((await t.call("GET", "/a/b/two.txt/three.txt")).body).toBe("three");
    const b = await t.index.resolveFolder("/tree/a/b");
    expect((await t.client.files.list({ folderId: b.id })).map((f) => f.filename)).toEqual([]);
    expect((await t.call("DELETE", "/a")).status).toBe(204);
    expect((await t.call("PROPFIND", "/", { headers: { Depth: "1" } })).body).not.toContain("/a/");
    const root = await t.index.resolveFolder("/tree");
    expect((await t.client.folders.list({ folderId: root.id })).subFolders).toEqual([]);
  });

  it("renames a folder into a folder holding one of its name", async () => {
    const t = await serveAccount(emu, { root: "/clash" });
    await t.call("MKCOL", "/p");
    await t.call("MKCOL", "/p/x");
    await t.call("MKCOL", "/q");
    await t.call("MKCOL", "/q/x");
    await t.call("PUT", "/p/x/f.txt", { body: "f" });
    expect((await t.call("MOVE", "/p/x", { headers: { Destination: "/q/y" } })).status).toBe(201);
    expect((await t.call("GET", "/q/y/f.txt")).body).toBe("f");
    expect((await t.call("PROPFIND", "/q", { headers: { Depth: "1" } })).status).toBe(207);
  });
});

describe("serve over the account: big folders and duplicate names", () => {
  it("answers PROPFIND depth 1 on a folder of 5 000 files from the index while it is fresh", async () => {
    const t = await serveAccount(emu, { root: "/big5000" });
    const dir = await t.index.resolveFolder("/big5000");
    seedFiles(emu, {
      owner: emu.premium.email,
      folder: dir.id,
      count: 5000,
      perSecond: 50,
      start: Date.UTC(2026, 0, 2),
      prefix: "f",
    });
    // The index knew the folder empty (it made it): list it again once, as a change made elsewhere would be.
    await t.index.list(dir.id, { refresh: true });
    const before = listings(emu);
    const r = await t.call("PROPFIND", "/", { headers: { Depth: "1" } });
    expect(r.status).toBe(207);
    expect(hrefs(r.body)).toHaveLength(5001);
    expect((await t.call("HEAD", "/f004999.bin")).status).toBe(200);
    expect(listings(emu) - before).toBe(0);
  });

  it("shows the newest of two files of one name, and DELETE removes both", async () => {
    const t = await serveAccount(emu, { root: "/dupes" });
    const dir = await t.index.resolveFolder("/dupes");
    seedFiles(emu, {
      owner: emu.premium.email,
      folder: dir.id,
      count: 1,
      perSecond: 1,
      start: Date.UTC(2026, 0, 3),
      prefix: "same",
    });
    seedFiles(emu, {
      owner: emu.premium.email,
      folder: dir.id,
      count: 1,
      perSecond: 1,
      start: Date.UTC(2026, 0, 4),
      prefix: "same",
    });
    await t.index.list(dir.id, { refresh: true });
    const list = await t.call("PROPFIND", "/", { headers: { Depth: "1" } });
    expect(hrefs(list.body)).toEqual(["/", "/same000000.bin"]);
    expect(list.body).toContain(
      `<D:getlastmodified>${new Date(Date.UTC(2026, 0, 4)).toUTCString()}</D:getlastmodified>`,
    );
    expect((await t.call("DELETE", "/same000000.bin")).status).toBe(204);
    expect(await t.client.files.list({ folderId: dir.id })).toEqual([]);
  });
});

describe("serve over the account: an upload its server never saw confirmed", () => {
  it("is found through the journal and removed when the same path is PUT again: one copy remains", async () => {
    const t = await serveAccount(emu, { root: "/stray" });
    const dir = await t.index.resolveFolder("/stray");
    const body = randomBytes(50_000);
    // A server killed after sending the body, before end.pl answered: the journal says "sent", the index
    // never heard of the file.
    const node = await t.client.upload.getServer();
    const file = {
      path: "serve:/stray/s.bin",
      name: "s.bin",
      folderId: dir.id,
      size: body.length,
      mtimeMs: 0,
    };
    await t.journal.put({ ...newEntry(node, file), state: "sent", whirlpool: "0".repeat(128) });
    await t.client.upload.send({
      server: node,
      files: [{ name: "s.bin", size: body.length, body: Readable.from([body]) }],
      folderId: dir.id,
    });
    expect((await t.call("PUT", "/s.bin", { body })).status).toBe(201);
    const files = (await t.client.files.list({ folderId: dir.id })).filter((f) => f.filename === "s.bin");
    expect(files).toHaveLength(1);
    expect(sha((await t.call("GET", "/s.bin")).bytes)).toBe(sha(body));
    expect((await t.journal.entries()).map((e) => e.state)).toEqual(["done"]);
  });
});
