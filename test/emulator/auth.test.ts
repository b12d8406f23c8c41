// Authentication (spec §1.5, §7.2, DECISIONS "Errors"): Bearer key, 401 #247, key rotation and revocation.
import { describe, expect, it } from "vitest";
import { expectKo, header, ko, randomKey, useHarness } from "./support/http.js";

const h = useHarness();

describe("API key authentication", () => {
  it("refuses a request without a key with 401 and the exact KO body", async () => {
    const r = await h.raw.api("file/ls.cgi", { folder_id: 0 }, null);
    expectKo(r, 401, ko("Not authenticated #247"));
    expect(header(r, "content-type")).toBe("application/json; charset=utf-8");
  });

  it("refuses an unknown key with 401 #247", async () => {
    const r = await h.raw.api("folder/ls.cgi", { folder_id: 0 }, randomKey());
    expectKo(r, 401, ko("Not authenticated #247"));
  });

  it("refuses a malformed Authorization header with 401 #247", async () => {
    const r = await h.raw.api("file/ls.cgi", {}, null, { authorization: `Basic ${h.premium}` });
    expectKo(r, 401, ko("Not authenticated #247"));
  });

  it.each([
    "file/ls.cgi",
    "file/info.cgi",
    "file/rm.cgi",
    "file/mv.cgi",
    "file/rename.cgi",
    "file/cp.cgi",
    "file/chattr.cgi",
    "file/scan.cgi",
    "folder/ls.cgi",
    "folder/mkdir.cgi",
    "folder/share.cgi",
    "folder/mv.cgi",
    "folder/rm.cgi",
    "user/info.cgi",
    "download/get_token.cgi",
    "remote/ls.cgi",
    "remote/info.cgi",
    "remote/request.cgi",
    "ftp/process.cgi",
    "ftp/users/ls.cgi",
    "ftp/users/add.cgi",
    "ftp/users/rm.cgi",
    "vouchers/ls.cgi",
    "vouchers/check.cgi",
    "vouchers/use.cgi",
  ])("%s requires a key (401 #247)", async (path) => {
    const r = await h.raw.api(path, {}, null);
    expectKo(r, 401, ko("Not authenticated #247"));
  });

  it("accepts each of the four default accounts' keys", async () => {
    for (const key of [h.free, h.premium, h.access, h.gold]) {
      const r = await h.raw.api("folder/ls.cgi", { folder_id: 0 }, key);
      expect(r.status).toBe(200);
      expect(r.json.status).toBe("OK");
    }
  });

  it("serves get_upload_server.cgi without a key, by GET and by POST (§7.2)", async () => {
    const g = await h.raw.fetch(`${h.em.apiUrl}/upload/get_upload_server.cgi`, {
      headers: { "content-type": "application/json" },
    });
    expect(g.status).toBe(200);
    expect(g.json.id).toMatch(/^[A-Za-z0-9]{10}$/);
    const p = await h.raw.api("upload/get_upload_server.cgi", { pretty: 1 }, null);
    expect(p.status).toBe(200);
    expect(p.json.id).toMatch(/^[A-Za-z0-9]{10}$/);
  });
});

describe("admin key controls", () => {
  it("createAccount accepts a chosen key that then authenticates", async () => {
    const apiKey = randomKey();
    const acct = h.em.admin.createAccount({ email: "canary@emulator.local", offer: 1, apiKey });
    expect(acct).toEqual({ email: "canary@emulator.local", offer: 1, apiKey });
    const r = await h.raw.api("folder/ls.cgi", { folder_id: 0 }, apiKey);
    expect(r.json.status).toBe("OK");
  });

  it("createAccount without a key generates a 32-character key (§1.7)", async () => {
    const acct = h.em.admin.createAccount({ email: "generated@emulator.local", offer: 2 });
    expect(acct.apiKey).toMatch(/^[A-Za-z0-9_=-]{32}$/);
    const r = await h.raw.api("folder/ls.cgi", {}, acct.apiKey);
    expect(r.json.status).toBe("OK");
  });

  it("regenerateKey: the old key fails at once with 401 #247, the new one works", async () => {
    const old = h.em.admin.createAccount({ email: "rotate@emulator.local", offer: 1 }).apiKey;
    expect((await h.raw.api("folder/ls.cgi", {}, old)).status).toBe(200);
    const fresh = h.em.admin.regenerateKey("rotate@emulator.local");
    expect(fresh).toMatch(/^[A-Za-z0-9_=-]{32}$/);
    expect(fresh).not.toBe(old);
    const r = await h.raw.api("folder/ls.cgi", {}, old);
    expectKo(r, 401, ko("Not authenticated #247"));
    expect((await h.raw.api("folder/ls.cgi", {}, fresh)).json.status).toBe("OK");
  });

  it("disableApi revokes the key (401 #247)", async () => {
    const key = h.em.admin.createAccount({ email: "revoked@emulator.local", offer: 1 }).apiKey;
    h.em.admin.disableApi("revoked@emulator.local");
    const r = await h.raw.api("folder/ls.cgi", {}, key);
    expectKo(r, 401, ko("Not authenticated #247"));
  });

  it("the HTTP admin API requires the admin token", async () => {
    const bad = await h.raw.fetch(`${h.em.webUrl}/_emulator/stats`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-emulator-admin": "wrong" },
      body: "{}",
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    const good = await h.raw.admin("stats");
    expect(good.status).toBe(200);
    expect(typeof good.json.requests).toBe("number");
  });

  it("the HTTP admin API can create an account and rotate its key", async () => {
    const c = await h.raw.admin("createAccount", { email: "http-admin@emulator.local", offer: 1 });
    expect(c.status).toBe(200);
    const key: string = c.json.apiKey;
    expect(key).toMatch(/^[A-Za-z0-9_=-]{32}$/);
    expect((await h.raw.api("folder/ls.cgi", {}, key)).status).toBe(200);
    const r = await h.raw.admin("regenerateKey", { email: "http-admin@emulator.local" });
    expect(r.status).toBe(200);
    expect((await h.raw.api("folder/ls.cgi", {}, key)).status).toBe(401);
  });
});
