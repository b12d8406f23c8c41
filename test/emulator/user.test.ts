// user/info.cgi (spec §7.18): the exact JSON types rclone's strict decoder needs, empty bodies, settings.
// Limits are off here; the #38 rate rule is in limits.test.ts.
import { describe, expect, it } from "vitest";
import { expectKo, useHarness } from "./support/http.js";

const h = useHarness();

// spec §7.18 "rclone type" column: these travel as JSON strings ...
const STRING_FIELDS = [
  "email",
  "offer",
  "subscription_end",
  "2fa",
  "mail_rm",
  "ftp_mode",
  "ftp_report",
  "ru_report",
  "default_port",
  "default_port_files",
  "use_cdn",
  "download_menu",
  "cdn",
  "stats_date",
  "upload_forbidden",
];
// ... and these as JSON integers.
const INT_FIELDS = [
  "ftp_did",
  "default_domain",
  "page_limit",
  "default_quota",
  "default_cold_storage_quota",
  "hot_storage",
  "cold_storage",
  "allowed_cold_storage",
  "available_storage",
  "available_cold_storage",
  "overquota",
];

describe("user/info.cgi", () => {
  it("answers every field with the type of §7.18 (strings vs integers)", async () => {
    const r = await h.raw.api("user/info.cgi", {}, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
    for (const f of STRING_FIELDS) expect([f, typeof r.json[f]]).toEqual([f, "string"]);
    for (const f of INT_FIELDS) expect([f, Number.isInteger(r.json[f])]).toEqual([f, true]);
  });

  it("gives each default account its e-mail and offer as a string", async () => {
    const expected = [
      [h.free, "free@emulator.local", "0"],
      [h.premium, "premium@emulator.local", "1"],
      [h.access, "access@emulator.local", "2"],
      [h.gold, "gold@emulator.local", "3"],
    ] as const;
    for (const [key, email, offer] of expected) {
      const j = await h.raw.ok("user/info.cgi", {}, key);
      expect(j.email).toBe(email);
      expect(j.offer).toBe(offer);
    }
  });

  it("accepts an empty body with Content-Type: application/json (as rclone and JD send it)", async () => {
    const r = await h.raw.api("user/info.cgi", undefined, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
    expect(r.json.email).toBe("premium@emulator.local");
  });

  it("dates are YYYY-MM-DD HH:MM:SS", async () => {
    const j = await h.raw.ok("user/info.cgi", {}, h.premium);
    expect(j.subscription_end).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it("changes writable settings and keeps them", async () => {
    const set = await h.raw.api(
      "user/info.cgi",
      { default_domain: 3, page_limit: 50, ftp_mode: 1, use_cdn: 1, default_port: 1 },
      h.access,
    );
    expect(set.status).toBe(200);
    expect(set.json.status).toBe("OK");
    const j = await h.raw.ok("user/info.cgi", {}, h.access);
    expect(j).toMatchObject({
      default_domain: 3,
      page_limit: 50,
      ftp_mode: "1",
      use_cdn: "1",
      default_port: "1",
    });
    const other = await h.raw.ok("user/info.cgi", {}, h.gold);
    expect(other.default_domain).toBe(0);
  });

  it("counts uploaded bytes in the account's storage", async () => {
    const before = await h.raw.ok("user/info.cgi", {}, h.gold);
    await h.raw.upload(h.gold, "weight.bin", Buffer.alloc(1000, 1));
    const after = await h.raw.ok("user/info.cgi", {}, h.gold);
    const used = (j: Record<string, number>) => (j.hot_storage ?? 0) + (j.cold_storage ?? 0);
    expect(used(after) - used(before)).toBe(1000);
  });

  it("refuses a wrong type for a writable field with 400 #9005", async () => {
    const r = await h.raw.api("user/info.cgi", { default_domain: "three" }, h.premium);
    expectKo(r, 400, { status: "KO", message: "Bad request #9005" });
  });
});
