// startEmulator's contract (EmulatorOptions / RunningEmulator): URLs, public hosts, temp data folder,
// bandwidth cap, the log (never a key), stats, idempotent close.
import { stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, start } from "./support/emulator.js";

describe("defaults", () => {
  let h: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    h = await start({ log: (l) => lines.push(l) });
  });
  afterAll(() => h?.close());

  it("serves on 127.0.0.1 with apiUrl = webUrl + /v1 and uploadHost = host:port", () => {
    expect(h.em.webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(h.em.apiUrl).toBe(`${h.em.webUrl}/v1`);
    expect(h.em.uploadHost).toBe(h.em.webUrl.replace("http://", ""));
  });

  it("creates the four accounts with the contract's e-mails and 32-character keys", () => {
    expect(h.em.accounts.map((a) => [a.offer, a.email]).sort()).toEqual([
      [0, "free@emulator.local"],
      [1, "premium@emulator.local"],
      [2, "access@emulator.local"],
      [3, "gold@emulator.local"],
    ]);
    for (const a of h.em.accounts) expect(a.apiKey).toMatch(/^[A-Za-z0-9_=-]{32}$/);
    expect(new Set(h.em.accounts.map((a) => a.apiKey)).size).toBe(4);
  });

  it("counts requests per endpoint in stats()", async () => {
    const before = h.em.admin.stats();
    await h.raw.api("folder/ls.cgi", {}, h.premium);
    await h.raw.api("folder/ls.cgi", {}, h.premium);
    const after = h.em.admin.stats();
    expect(after.requests - before.requests).toBeGreaterThanOrEqual(2);
    const key = Object.keys(after.byEndpoint).find((k) => k.includes("folder/ls"));
    expect(key).toBeDefined();
    expect((after.byEndpoint[key ?? ""] ?? 0) - (before.byEndpoint[key ?? ""] ?? 0)).toBe(2);
  });

  it("never writes an API key in its log", async () => {
    await h.raw.api("folder/ls.cgi", {}, h.premium);
    await h.raw.api("file/ls.cgi", {}, "k".repeat(32));
    await h.raw.upload(h.premium, "logged.txt", "x");
    h.em.admin.lock(h.gold, 1);
    h.em.admin.regenerateKey("access@emulator.local");
    const all = lines.join("\n");
    for (const a of h.em.accounts) expect(all).not.toContain(a.apiKey);
    expect(all).not.toContain("k".repeat(32));
  });
});

describe("public hosts", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start({
      publicUploadHost: "up.example.test:8443",
      publicDownloadUrl: "https://dl.example.test/t",
    });
  });
  afterAll(() => h?.close());

  it("get_upload_server returns publicUploadHost", async () => {
    expect(h.em.uploadHost).toBe("up.example.test:8443");
    const s = await h.raw.fetch(`${h.em.apiUrl}/upload/get_upload_server.cgi`);
    expect(s.json.url).toBe("up.example.test:8443");
  });

  it("get_token returns URLs under publicDownloadUrl", async () => {
    // The upload node is still served by this emulator, whatever name it advertises.
    const here = h.em.webUrl.replace("http://", "");
    const s = await h.raw.uploadServer(h.premium);
    expect(
      (await h.raw.postUpload(here, s.id, [{ name: "pub.txt", data: "p" }], { key: h.premium })).status,
    ).toBe(302);
    const link = (await h.raw.endpl(here, s.id, "json")).json.links[0];
    const url = await h.raw.token(h.premium, link.download);
    expect(url).toMatch(/^https:\/\/dl\.example\.test\/t\/[^/?#]+$/);
  });
});

describe("temporary data folder", () => {
  it("is created when no dataDir is given and removed on close; close is idempotent", async () => {
    const h = await start();
    const dir = h.em.dataDir;
    await expect(stat(dir)).resolves.toBeDefined();
    await h.close();
    await h.em.close();
    await expect(stat(dir)).rejects.toThrow();
  });
});

describe("bandwidth cap", () => {
  it("caps a download at the given bytes per second", async () => {
    const h = await start({ bandwidth: 64 * 1024 });
    try {
      const key = h.premium;
      const node = await h.raw.uploadServer(key);
      const data = Buffer.alloc(160 * 1024, 9);
      const t0 = Date.now();
      const up = await h.raw.postUpload(node.url, node.id, [{ name: "capped.bin", data }], { key });
      const upSeconds = (Date.now() - t0) / 1000;
      expect(up.status).toBe(302);
      const link = (await h.raw.endpl(node.url, node.id, "json")).json.links[0];
      const t1 = Date.now();
      const got = await h.raw.fetch(await h.raw.token(key, link.download));
      const downSeconds = (Date.now() - t1) / 1000;
      expect(got.body.length).toBe(data.length);
      // 160 KiB at 64 KiB/s: at least ~2 s each way (a cap can only make it slower, never faster).
      expect(downSeconds).toBeGreaterThan(1.8);
      expect(upSeconds).toBeGreaterThan(1.8);
    } finally {
      await h.close();
    }
  });
});
