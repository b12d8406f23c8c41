// Vouchers (spec §7.21, D2 only): ls shape, and check/use of a voucher listed there.
import { describe, expect, it } from "vitest";
import { useHarness } from "./support/http.js";

const h = useHarness();

describe("vouchers/*.cgi", () => {
  it("ls answers {status: OK, count: int, data: [{voucher, service}]}", async () => {
    const r = await h.raw.api("vouchers/ls.cgi", {}, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
    expect(Number.isInteger(r.json.count)).toBe(true);
    expect(Array.isArray(r.json.data)).toBe(true);
    expect(r.json.count).toBe(r.json.data.length);
    for (const v of r.json.data) {
      expect(v.voucher).toMatch(/^.{32}$/);
      expect(typeof v.service).toBe("string");
    }
  });

  it("check refuses an unknown voucher with a KO", async () => {
    const r = await h.raw.api("vouchers/check.cgi", { voucher: "0".repeat(32) }, h.premium);
    expect(r.json.status).toBe("KO");
    expect(r.json.message).toMatch(/#\d+$/);
  });

  it("check then use a listed voucher; a used voucher leaves the list", async () => {
    const ls = await h.raw.ok("vouchers/ls.cgi", {}, h.premium);
    // The emulator seeds every paid account with a voucher: an empty list is a failure, not a skip.
    const v = ls.data[0];
    expect(v).toBeDefined();
    if (!v) return;
    const check = await h.raw.ok("vouchers/check.cgi", { voucher: v.voucher }, h.premium);
    expect(check.service).toBe(v.service);
    await h.raw.ok("vouchers/use.cgi", { voucher: v.voucher, user_email: "gold@emulator.local" }, h.premium);
    const after = await h.raw.ok("vouchers/ls.cgi", {}, h.premium);
    expect(after.data.map((x: { voucher: string }) => x.voucher)).not.toContain(v.voucher);
  });
});
