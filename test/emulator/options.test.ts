// startEmulator's contract (EmulatorOptions / RunningEmulator): URLs, public hosts, temp data folder,
// bandwidth cap, the log (never a key), stats, idempotent close.
import { stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { withEmulator } from "../helpers/emulator.js";
import { rawHarness, useHarness } from "./support/http.js";

describe("defaults", () => {
  const lines: string[] = [];
  const h = useHarness({ log: (l) => lines.push(l) });

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
  const h = useHarness({
    publicUploadHost: "up.example.test:8443",
    publicDownloadUrl: "https://dl.example.test/t",
  });

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
    const h = rawHarness(await withEmulator());
    const dir = h.em.dataDir;
    await expect(stat(dir)).resolves.toBeDefined();
    await h.close();
    await h.em.close();
    await expect(stat(dir)).rejects.toThrow();
  });
});

describe("bandwidth cap", () => {
  // The cap's time is injected: each wait it asks for moves this clock on at once, so the test counts the
  // seconds the cap imposes instead of timing the transfer.
  const paced = () => {
    const c = {
      t: 0,
      waited: 0,
      now: () => c.t,
      sleep: async (ms: number) => {
        c.waited += ms;
        c.t += ms;
        await new Promise((r) => setImmediate(r));
      },
    };
    return c;
  };

  it("caps an upload and a download at the given bytes per second", async () => {
    const pace = paced();
    const rate = 64 * 1024;
    const h = rawHarness(await withEmulator({ bandwidth: rate, pace }));
    try {
      const key = h.premium;
      const node = await h.raw.uploadServer(key);
      const data = Buffer.alloc(160 * 1024, 9);
      const up = await h.raw.postUpload(node.url, node.id, [{ name: "capped.bin", data }], { key });
      expect(up.status).toBe(302);
      // The upload is paced per chunk read from the socket (at most 64 KiB): all but the last chunk wait.
      const upWaited = pace.waited;
      expect(upWaited).toBeGreaterThanOrEqual(((data.length - 64 * 1024) / rate) * 1000);
      const link = (await h.raw.endpl(node.url, node.id, "json")).json.links[0];
      const got = await h.raw.fetch(await h.raw.token(key, link.download));
      expect(got.body.equals(data)).toBe(true);
      // The download goes in slices of a twentieth of the rate: all but the last slice wait, ~2.45 s of 2.5.
      const downWaited = pace.waited - upWaited;
      expect(downWaited).toBeGreaterThanOrEqual(((data.length - rate / 20) / rate) * 1000 - 1);
      expect(downWaited).toBeLessThanOrEqual((data.length / rate) * 1000 + 1);
    } finally {
      await h.close();
    }
  });

  it("does not wait at all without a cap", async () => {
    const pace = paced();
    const h = rawHarness(await withEmulator({ pace }));
    try {
      const key = h.premium;
      const node = await h.raw.uploadServer(key);
      const data = Buffer.alloc(160 * 1024, 9);
      const up = await h.raw.postUpload(node.url, node.id, [{ name: "free.bin", data }], { key });
      expect(up.status).toBe(302);
      const link = (await h.raw.endpl(node.url, node.id, "json")).json.links[0];
      expect((await h.raw.fetch(await h.raw.token(key, link.download))).body.length).toBe(data.length);
      expect(pace.waited).toBe(0);
    } finally {
      await h.close();
    }
  });
});
