// Limits of the `real` profile (DECISIONS "Limits", spec §2.3, §12), driven by the injectable clock: the
// 3 requests/s flood lock (#374) and its expiry, user/info #38, one listing per folder per 30 s, `-1` once an
// hour, 30 download connections per account, and the `off` profile.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock, withEmulator } from "../helpers/emulator.js";
import { expectKo, type Harness, header, ko, rawHarness } from "./support/http.js";

const FLOOD = ko("Flood detected: IP Locked #374");
const INFO_FLOOD = ko("Flood detected: IP Locked #38");

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function real(extra: Parameters<typeof withEmulator>[0] = {}) {
  h = rawHarness(await withEmulator({ limits: "real", now: fixedClock("2026-02-02T09:00:00Z"), ...extra }));
  return h;
}

describe("3 requests per second per key and IP", () => {
  it("locks after a burst with 403 #374, refuses during the lock, and unlocks after lockSeconds", async () => {
    const e = await real();
    for (let i = 0; i < 3; i++) {
      const r = await e.raw.api("folder/mkdir.cgi", { name: `burst-${i}` }, e.premium);
      expect([i, r.status, r.json.status]).toEqual([i, 200, "OK"]);
    }
    const over = await e.raw.api("folder/mkdir.cgi", { name: "burst-3" }, e.premium);
    expectKo(over, 403, FLOOD);
    expect(header(over, "content-type")).toBe("application/json; charset=utf-8");

    e.em.admin.advanceClock(29_000);
    const still = await e.raw.api("folder/mkdir.cgi", { name: "during-lock" }, e.premium);
    expectKo(still, 403, FLOOD);

    e.em.admin.advanceClock(2_000);
    const after = await e.raw.api("folder/mkdir.cgi", { name: "after-lock" }, e.premium);
    expect(after.status).toBe(200);
    expect(after.json.status).toBe("OK");
    expect(e.em.admin.stats().floodLocks).toBeGreaterThanOrEqual(1);
  });

  it("refills the bucket with time: 3 requests every second never lock", async () => {
    const e = await real();
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < 3; i++) {
        const r = await e.raw.api("folder/mkdir.cgi", { name: `steady-${s}-${i}` }, e.premium);
        expect([s, i, r.status]).toEqual([s, i, 200]);
      }
      e.em.admin.advanceClock(1_000);
    }
  });

  it("honours the lockSeconds option", async () => {
    const e = await real({ lockSeconds: 5 });
    for (let i = 0; i < 4; i++) await e.raw.api("folder/mkdir.cgi", { name: `ls-${i}` }, e.premium);
    expect((await e.raw.api("folder/mkdir.cgi", { name: "x" }, e.premium)).status).toBe(403);
    e.em.admin.advanceClock(6_000);
    expect((await e.raw.api("folder/mkdir.cgi", { name: "y" }, e.premium)).status).toBe(200);
  });

  it("admin.lock injects a lock for one key that expires after the given seconds", async () => {
    const e = await real();
    e.em.admin.lock(e.premium, 10);
    const r = await e.raw.api("folder/mkdir.cgi", { name: "locked" }, e.premium);
    expectKo(r, 403, FLOOD);
    e.em.admin.advanceClock(11_000);
    expect((await e.raw.api("folder/mkdir.cgi", { name: "unlocked" }, e.premium)).status).toBe(200);
  });
});

describe("user/info.cgi: 1/min per IP and 1/5 min per key (#38)", () => {
  it("answers 403 #38 inside either window and OK once both have passed", async () => {
    const e = await real();
    expect((await e.raw.api("user/info.cgi", {}, e.premium)).json.status).toBe("OK");

    e.em.admin.advanceClock(2_000);
    const again = await e.raw.api("user/info.cgi", {}, e.premium);
    expectKo(again, 403, INFO_FLOOD);

    // Another key from the same IP inside the minute: the per-IP window refuses it.
    e.em.admin.advanceClock(2_000);
    const otherKey = await e.raw.api("user/info.cgi", {}, e.gold);
    expectKo(otherKey, 403, INFO_FLOOD);

    // Past the IP minute, the other key is fine but the first key is still inside its 5 minutes.
    e.em.admin.advanceClock(61_000);
    expect((await e.raw.api("user/info.cgi", {}, e.gold)).json.status).toBe("OK");
    e.em.admin.advanceClock(65_000);
    const stillKey = await e.raw.api("user/info.cgi", {}, e.premium);
    expectKo(stillKey, 403, INFO_FLOOD);

    e.em.admin.advanceClock(301_000);
    expect((await e.raw.api("user/info.cgi", {}, e.premium)).json.status).toBe("OK");
  });

  it("does not lock the other endpoints (JD: downloads keep working)", async () => {
    const e = await real();
    await e.raw.api("user/info.cgi", {}, e.premium);
    e.em.admin.advanceClock(1_000);
    expect((await e.raw.api("user/info.cgi", {}, e.premium)).status).toBe(403);
    e.em.admin.advanceClock(1_000);
    expect((await e.raw.api("folder/mkdir.cgi", { name: "still-works" }, e.premium)).status).toBe(200);
  });
});

describe("listings: one per folder per 30 s, folder_id -1 once an hour", () => {
  it("file/ls.cgi: a second listing of one folder within 30 s is refused; other folders are not", async () => {
    const e = await real();
    const other = await e.raw.mkdir(e.premium, "other");
    e.em.admin.advanceClock(1_000);
    expect((await e.raw.api("file/ls.cgi", { folder_id: 0 }, e.premium)).status).toBe(200);
    e.em.admin.advanceClock(1_000);
    expect((await e.raw.api("file/ls.cgi", { folder_id: other }, e.premium)).status).toBe(200);
    e.em.admin.advanceClock(1_000);
    const again = await e.raw.api("file/ls.cgi", { folder_id: 0 }, e.premium);
    expectKo(again, 403, FLOOD);
    e.em.admin.advanceClock(32_000);
    expect((await e.raw.api("file/ls.cgi", { folder_id: 0 }, e.premium)).status).toBe(200);
  });

  it("folder/ls.cgi: same rule", async () => {
    const e = await real();
    const f = await e.raw.mkdir(e.premium, "fls");
    e.em.admin.advanceClock(1_000);
    expect((await e.raw.api("folder/ls.cgi", { folder_id: f }, e.premium)).status).toBe(200);
    e.em.admin.advanceClock(1_000);
    const again = await e.raw.api("folder/ls.cgi", { folder_id: f }, e.premium);
    expectKo(again, 403, FLOOD);
    e.em.admin.advanceClock(32_000);
    expect((await e.raw.api("folder/ls.cgi", { folder_id: f }, e.premium)).status).toBe(200);
  });

  it("file/ls.cgi with folder_id -1: once an hour", async () => {
    const e = await real();
    expect((await e.raw.api("file/ls.cgi", { folder_id: -1 }, e.premium)).status).toBe(200);
    e.em.admin.advanceClock(59 * 60_000);
    const again = await e.raw.api("file/ls.cgi", { folder_id: -1 }, e.premium);
    expectKo(again, 403, FLOOD);
    e.em.admin.advanceClock(2 * 60_000);
    expect((await e.raw.api("file/ls.cgi", { folder_id: -1 }, e.premium)).status).toBe(200);
  });

  it("is per account: another key may list its own root meanwhile", async () => {
    const e = await real();
    expect((await e.raw.api("file/ls.cgi", { folder_id: 0 }, e.premium)).status).toBe(200);
    e.em.admin.advanceClock(1_000);
    expect((await e.raw.api("file/ls.cgi", { folder_id: 0 }, e.gold)).status).toBe(200);
  });
});

describe("download connections", () => {
  it("allows 30 open downloads per account; the 31st gets 429 with an HTML page", async () => {
    // A bandwidth cap keeps each download open for seconds without any real wait in the test.
    const e = await real({ bandwidth: 4096 });
    const up = await e.raw.upload(e.premium, "slow.bin", Buffer.alloc(24 * 1024, 7));
    e.em.admin.advanceClock(2_000);
    const url = new URL(await e.raw.token(e.premium, up.url, { single: 0 }));
    const open: IncomingMessage[] = [];
    const get = () =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: url.pathname, agent: false },
          resolve,
        );
        req.on("error", reject);
        req.end();
      });
    try {
      for (let i = 0; i < 30; i++) {
        const res = await get();
        open.push(res);
        expect([i, res.statusCode]).toEqual([i, 200]);
      }
      const extra = await get();
      open.push(extra);
      expect(extra.statusCode).toBe(429);
      expect(extra.headers["content-type"]).toMatch(/^text\/html/);
    } finally {
      for (const res of open) res.destroy();
    }
    // Once the connections are gone, downloading works again.
    await new Promise((r) => setTimeout(r, 300));
    const again = await e.raw.fetch(url.toString(), { headers: { range: "bytes=0-0" } });
    expect(again.status).toBe(206);
  });
});

describe("profile off", () => {
  it("never floods, whatever the rate", async () => {
    h = rawHarness(await withEmulator({ limits: "off", now: fixedClock("2026-02-02T09:00:00Z") }));
    for (let i = 0; i < 20; i++) {
      const r = await h.raw.api("user/info.cgi", {}, h.premium);
      expect([i, r.status]).toEqual([i, 200]);
      const l = await h.raw.api("file/ls.cgi", { folder_id: -1 }, h.premium);
      expect([i, l.status]).toEqual([i, 200]);
    }
  });
});

describe("listing size", () => {
  it("returns at most 5,000 items per listing", async () => {
    const e = await real();
    // 11 uploads of 460 small files (under the 500-files-per-upload limit of §7.3): 5,060 files.
    for (let u = 0; u < 11; u++) {
      const parts = Array.from({ length: 460 }, (_, i) => ({ name: `f-${u}-${i}.txt`, data: `${u}.${i}` }));
      const links = await e.raw.uploadMany(parts, { key: e.premium });
      expect(links).toHaveLength(460);
      e.em.admin.advanceClock(1_000);
    }
    const j = await e.raw.ok("file/ls.cgi", { folder_id: 0 }, e.premium);
    expect(j.items).toHaveLength(5000);
  });
});
