// Contract tests: every client method against the emulator over loopback, twice: straight to the emulator, and
// through a gateway in front of it (the client holding a gateway token of every scope where the key would be).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FichierClient } from "../../../src/api/client.js";
import {
  AuthError,
  ConflictError,
  EntitlementError,
  InvalidUrlError,
  NotAllowedError,
  NotFoundError,
} from "../../../src/api/errors.js";
import { type ApiWorld, apiWorld } from "../../gateway/through.js";
import type { TestEmulator } from "../../helpers/emulator.js";
import { bytes, readAll, uploadOne } from "./support.js";

describe.each(["direct", "through the gateway"] as const)("%s", (path) => {
  let world: ApiWorld;
  let emu: TestEmulator;
  let client: FichierClient;

  beforeAll(async () => {
    world = await apiWorld(path);
    emu = world.emu;
    client = await world.client(emu.premium.apiKey);
  });
  afterAll(async () => {
    await world?.close();
  });

  describe("user", () => {
    it("info parses the account (numbers as strings on the wire)", async () => {
      const me = await client.user.info();
      expect(me.email).toBe(emu.premium.email);
      expect(me.offer).toBe(1);
      expect(typeof me.coldStorage).toBe("number");
      expect(typeof me.overQuota).toBe("boolean");
      expect(me.raw.email).toBe(emu.premium.email);
    });
  });

  describe("folders and paths", () => {
    it("create, list, move, rename, remove", async () => {
      const a = await client.folders.create({ name: "contract-a" });
      expect(a.name).toBe("contract-a");
      const b = await client.folders.create({ name: "b <odd> 'name' ", parentId: a.folderId });
      expect(b.name).toBe("b <odd> 'name' ");
      const la = await client.folders.list({ folderId: a.folderId });
      expect(la.folderId).toBe(a.folderId);
      expect(la.name).toBe("contract-a");
      expect(la.subFolders.map((s) => s.name)).toEqual(["b <odd> 'name' "]);
      expect(la.subFolders[0]?.id).toBe(b.folderId);
      await expect(client.folders.create({ name: "contract-a" })).rejects.toBeInstanceOf(ConflictError);
      const renamed = await client.folders.move({ folderId: b.folderId, rename: "b2" });
      expect(renamed.newName).toBe("b2");
      await client.folders.move({ folderId: b.folderId, destinationId: 0 });
      const root = await client.folders.list({ folderId: 0 });
      expect(root.subFolders.some((s) => s.id === b.folderId)).toBe(true);
      await expect(client.folders.remove({ folderId: 0 })).rejects.toBeInstanceOf(ConflictError);
      await client.folders.remove({ folderId: b.folderId });
      await client.folders.remove({ folderId: a.folderId });
      await expect(client.folders.list({ folderId: a.folderId })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("resolveFolder walks paths, creates missing folders, accepts ids, refuses share URLs", async () => {
      const id = await client.paths.resolveFolder("/backups/2026", { create: true });
      expect(id).toBeGreaterThan(0);
      const again = await world.client(emu.premium.apiKey);
      expect(await again.paths.resolveFolder("backups/2026/")).toBe(id);
      expect(await again.paths.resolveFolder(String(id))).toBe(id);
      await expect(again.paths.resolveFolder("/backups/nope")).rejects.toBeInstanceOf(NotFoundError);
      await expect(again.paths.resolveFolder("https://1fichier.com/dir/abc123")).rejects.toThrow(/share/);
      await again.close();
    });

    it("share gives a /dir/ URL that the website lists", async () => {
      const f = await client.folders.create({ name: "shared-one" });
      await uploadOne(client, "in-share.txt", "shared content", f.folderId);
      const { url } = await client.folders.share({ folderId: f.folderId, share: true });
      expect(url).toMatch(/\/dir\/[A-Za-z0-9]+$/);
      const files = await client.shares.listPublic(url!);
      expect(files.map((x) => x.filename)).toEqual(["in-share.txt"]);
      expect(files[0]?.size).toBe("shared content".length);
      const listing = await client.folders.list({ folderId: f.folderId });
      expect(listing.shared).toBe(url);
      // A share URL where a folder id is needed says what it is.
      await expect(client.paths.resolveFolder(url!)).rejects.toThrow(/share/);
    });

    it("a password-protected share needs its password", async () => {
      const f = await client.folders.create({ name: "shared-locked" });
      await uploadOne(client, "locked.txt", "locked", f.folderId);
      const { url } = await client.folders.share({
        folderId: f.folderId,
        share: true,
        password: "share-pass-1",
      });
      await expect(client.shares.listPublic(url!)).rejects.toBeInstanceOf(NotAllowedError);
      await expect(client.shares.listPublic(url!, { password: "wrong-pass-9" })).rejects.toBeInstanceOf(
        NotAllowedError,
      );
      const files = await client.shares.listPublic(url!, { password: "share-pass-1" });
      expect(files.map((x) => x.filename)).toEqual(["locked.txt"]);
    });
  });

  describe("upload, files, download", () => {
    it("round-trips a file with an awkward name and lists it decoded", async () => {
      const folder = await client.folders.create({ name: "files-contract" });
      const name = ' quote" $cash `tick` <a\\b> ';
      const link = await uploadOne(client, name, "hello world", folder.folderId);
      expect(link.filename).toBe(name);
      expect(link.size).toBe(11);
      expect(link.whirlpool).toMatch(/^[0-9a-f]{128}$/);
      const items = await client.files.list({ folderId: folder.folderId });
      expect(items).toHaveLength(1);
      expect(items[0]?.filename).toBe(name);
      expect(items[0]?.size).toBe(11);
      expect(items[0]?.checksum).toBe(link.whirlpool);
      expect(typeof items[0]?.contentType).toBe("string");
      const info = await client.files.info({ url: link.download });
      expect(info.filename).toBe(name);
      expect(info.folderId).toBe(folder.folderId);
      expect(info.password).toBe(false);
    });

    it("streams a multi-file upload with exact Content-Length", async () => {
      const server = await client.upload.getServer();
      expect(server.id).toMatch(/^[A-Za-z0-9]{1,10}$/);
      const { location } = await client.upload.send({
        server,
        files: [
          { name: "one.bin", ...bytes(new Uint8Array(1000).fill(1), 333) },
          { name: "two.bin", ...bytes("second", 2) },
        ],
      });
      expect(location).toContain("end.pl");
      let result: Awaited<ReturnType<FichierClient["upload"]["finish"]>> | undefined;
      for (let i = 0; i < 50 && !result; i++) {
        result = await client.upload.finish({ server }).catch(() => undefined);
        if (!result) await new Promise((r) => setTimeout(r, 50));
      }
      expect(result?.links.map((l) => [l.filename, l.size])).toEqual([
        ["one.bin", 1000],
        ["two.bin", 6],
      ]);
    });

    it("refuses a body whose length differs from the declared size, without sending garbage", async () => {
      const server = await client.upload.getServer();
      const bad = { name: "liar.bin", size: 10, body: bytes("only five").body };
      await expect(client.upload.send({ server, files: [bad] })).rejects.toThrow(/declared|changed/);
    });

    it("rename, move, copy, setAttributes, remove", async () => {
      const src = await client.folders.create({ name: "ops-src" });
      const dst = await client.folders.create({ name: "ops-dst" });
      const link = await uploadOne(client, "ops.txt", "ops", src.folderId);
      const r = await client.files.rename({ url: link.download, filename: "ops <renamed>.txt" });
      expect(r.newFilename).toBe("ops <renamed>.txt");
      expect(r.oldFilename).toBe("ops.txt");
      await expect(
        client.files.rename({ url: link.download, filename: "ops <renamed>.txt" }),
      ).rejects.toBeInstanceOf(ConflictError);
      const m = await client.files.move({ urls: [link.download], folderId: dst.folderId });
      expect(m.urls).toEqual([link.download]);
      expect((await client.files.info({ url: link.download })).folderId).toBe(dst.folderId);
      const c = await client.files.copy({
        urls: [link.download],
        folderId: src.folderId,
        rename: "copy'd.txt",
      });
      expect(c.urls[0]?.from).toBe(link.download);
      expect(c.urls[0]?.to).not.toBe(link.download);
      const copied = await client.files.info({ url: c.urls[0]!.to });
      expect(copied.filename).toBe("copy'd.txt");
      const attrs = await client.files.setAttributes({
        urls: [link.download],
        description: "a description",
        inline: true,
        password: "secret-pass",
      });
      expect(attrs.updated).toBe(1);
      const withAttrs = await client.files.info({ url: link.download, password: "secret-pass" });
      expect(withAttrs.description).toBe("a description");
      expect(withAttrs.inline).toBe(true);
      expect(withAttrs.password).toBe(true);
      const removed = await client.files.remove([link.download, c.urls[0]!.to]);
      expect(removed.removed).toBe(2);
      await expect(client.files.info({ url: link.download })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("download token + Range through client.http", async () => {
      const link = await uploadOne(client, "dl.txt", "0123456789");
      const token = await client.download.getToken({ url: link.download });
      expect(token.expiresAt).toBeGreaterThan(Date.now());
      const res = await client.http.request(token.url, { headers: { range: "bytes=2-5" } });
      expect(res.statusCode).toBe(206);
      expect((await readAll(res.body)).toString()).toBe("2345");
      const full = await client.http.request(token.url);
      expect((await readAll(full.body)).toString()).toBe("0123456789");
    });

    it("accepts the URL variants for file endpoints", async () => {
      const link = await uploadOne(client, "variants.txt", "v");
      const id = link.download.split("?")[1]!;
      expect((await client.files.info({ url: `https://www.1fichier.com/?${id}&af=123` })).filename).toBe(
        "variants.txt",
      );
      expect((await client.files.info({ url: id })).filename).toBe("variants.txt");
      expect((await client.files.info({ url: `https://${id}.1fichier.com/` })).filename).toBe("variants.txt");
      await expect(client.files.info({ url: "https://1fichier.com/dir/abc" })).rejects.toBeInstanceOf(
        InvalidUrlError,
      );
    });

    it("links.check reports states", async () => {
      const link = await uploadOne(client, "check.txt", "check");
      const states = await client.links.check([link.download, "https://1fichier.com/?zzzzzzzzzzzzzzzzzzzz"]);
      expect(states[0]).toMatchObject({ filename: "check.txt", size: 5, state: "ok" });
      expect(states[1]?.state).not.toBe("ok");
    });

    it("whole-account listing (-1) includes files of every folder", async () => {
      const all = await client.files.list({ folderId: -1 });
      expect(all.length).toBeGreaterThan(3);
    });
  });

  describe("errors over HTTP", () => {
    it("a bad key is an AuthError whose message and hint hold no key", async () => {
      const key = "WRONGwrongWRONGwrongWRONGwrong12";
      const bad = await world.client(key);
      const e = await bad.files.list().catch((x) => x);
      expect(e).toBeInstanceOf(AuthError);
      expect(e.httpStatus).toBe(401);
      expect(e.code).toBe(247);
      expect(`${e.message} ${e.hint} ${e.stack}`).not.toContain(key);
      await bad.close();
    });

    it("a free account cannot get a download token (#200)", async () => {
      const free = await world.client(emu.free.apiKey);
      const link = await uploadOne(free, "free.txt", "free");
      await expect(free.download.getToken({ url: link.download })).rejects.toBeInstanceOf(EntitlementError);
      // A password-protected file of another account is not allowed without its password.
      await free.files.setAttributes({ urls: [link.download], password: "free-secret" });
      await expect(client.files.info({ url: link.download })).rejects.toBeInstanceOf(NotAllowedError);
      await free.close();
    });

    it("a regenerated key fails at once", async () => {
      const acct = emu.admin.createAccount({ email: "rotate@emulator.local", offer: 1 });
      const c = await world.client(acct.apiKey);
      await c.user.info();
      emu.admin.regenerateKey(acct.email);
      await expect(c.folders.list()).rejects.toBeInstanceOf(AuthError);
      await c.close();
    });
  });

  describe("remote, ftp, vouchers, scan", () => {
    it("remote upload: request, list, info", async () => {
      const { id } = await client.remote.request({ urls: ["http://127.0.0.1:9/nothing.bin"], folderId: 0 });
      expect(id).toBeGreaterThan(0);
      const jobs = await client.remote.list();
      expect(jobs.some((j) => j.id === id)).toBe(true);
      const info = await client.remote.info({ id });
      expect(info.id).toBe(id);
      expect(info.links).toEqual(["http://127.0.0.1:9/nothing.bin"]);
    });

    it("ftp users: add, list, remove; process", async () => {
      const f = await client.folders.create({ name: "ftp-home" });
      await client.ftp.users.add({ user: "cam", password: "cam-password-1", folderId: f.folderId });
      const users = await client.ftp.users.list();
      expect(JSON.stringify(users)).toContain("cam");
      expect(JSON.stringify(users)).not.toContain("cam-password-1");
      await client.ftp.users.remove({ user: "cam" });
      expect(JSON.stringify(await client.ftp.users.list())).not.toContain('"cam"');
      await client.ftp.process();
    });

    it("vouchers: list is an array; an unknown voucher is refused", async () => {
      expect(Array.isArray(await client.vouchers.list())).toBe(true);
      await expect(client.vouchers.check({ voucher: "X".repeat(32) })).rejects.toThrow();
      await expect(
        client.vouchers.use({ voucher: "X".repeat(32), email: emu.premium.email }),
      ).rejects.toThrow();
    });

    it("scan answers for a small file", async () => {
      const link = await uploadOne(client, "scan.txt", "clean");
      const r = await client.files.scan({ url: link.download });
      expect(r.status).toBe("OK");
    });

    it("files.list honours sentAfter", async () => {
      const f = await client.folders.create({ name: "dated" });
      await uploadOne(client, "d.txt", "d", f.folderId);
      expect(
        await client.files.list({ folderId: f.folderId, sentAfter: "2000-01-01 00:00:00" }),
      ).toHaveLength(1);
      expect(
        await client.files.list({ folderId: f.folderId, sentAfter: "2999-01-01 00:00:00" }),
      ).toHaveLength(0);
    });
  });

  describe("client-side refusals", () => {
    it("a new name applies to one file only", async () => {
      const urls = ["https://1fichier.com/?aaaaa11111", "https://1fichier.com/?bbbbb22222"];
      await expect(client.files.move({ urls, folderId: 0, rename: "x" })).rejects.toThrow(/exactly one/);
      await expect(client.files.copy({ urls, folderId: 0, rename: "x" })).rejects.toThrow(/exactly one/);
      await expect(client.files.setAttributes({ urls, filename: "x" })).rejects.toThrow(/exactly one/);
    });

    it("an unencodable name is refused before any request", async () => {
      await expect(client.folders.create({ name: "bad\uD800" })).rejects.toThrow(/not valid Unicode/);
      await expect(client.folders.create({ name: "" })).rejects.toThrow(/empty/);
    });
  });
});
