import { describe, expect, it } from "vitest";
import { serviceDateMs } from "../../src/api/service-time.js";
import { buildStatus, formatStatus, keyAge, rotationReminder } from "../../src/keys/status.js";

const now = new Date("2026-06-30T12:00:00Z");
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString();
const base = {
  profile: "default",
  source: "keychain" as const,
  maskedKey: "****abcd",
  rotationDays: 90,
  account: { email: "me@example.org", offer: 1, subscriptionEnd: "2027-01-01 00:00:00" },
  accountError: null,
  now,
};

describe("keyAge", () => {
  it("counts whole days and days left", () => {
    expect(keyAge(daysAgo(10), 90, now)).toEqual({
      ageDays: 10,
      rotationDays: 90,
      daysLeft: 80,
      warnAtDays: 80,
    });
    expect(keyAge(daysAgo(95), 90, now)?.daysLeft).toBe(-5);
    expect(keyAge("not a date", 90, now)).toBeNull();
  });
});

describe("service dates (the one Paris-time conversion, src/api/service-time.ts)", () => {
  it("reads 1fichier's Paris-time format, with daylight saving, and ISO dates", () => {
    // Paris is UTC+2 in July (it was taken as UTC+1 all year before).
    expect(serviceDateMs("2026-07-01 02:00:00")).toBe(Date.parse("2026-07-01T00:00:00Z"));
    expect(serviceDateMs("2026-07-01")).toBe(Date.parse("2026-06-30T22:00:00Z"));
    expect(serviceDateMs("2026-01-01")).toBe(Date.parse("2025-12-31T23:00:00Z"));
    expect(serviceDateMs("2026-07-01T00:00:00Z")).toBe(Date.parse("2026-07-01T00:00:00Z"));
    expect(serviceDateMs(null)).toBeUndefined();
    expect(serviceDateMs("soon")).toBeUndefined();
  });
});

describe("buildStatus warnings", () => {
  it("none for a young key and a distant subscription end", () => {
    const s = buildStatus({ ...base, storedAt: daysAgo(79) });
    expect(s.warnings).toEqual([]);
    expect(s).toMatchObject({
      ageDays: 79,
      daysLeft: 11,
      key: "****abcd",
      account: { offerName: "Premium" },
    });
  });

  it("warns from 80 days (10 before the 90-day rotation), and when overdue", () => {
    expect(buildStatus({ ...base, storedAt: daysAgo(80) }).warnings).toEqual([
      "the key is 80 days old: rotation is due in 10 days; run `fichier key rotate`",
    ]);
    expect(buildStatus({ ...base, storedAt: daysAgo(100) }).warnings[0]).toMatch(
      /10 days past its 90-day rotation/,
    );
  });

  it("follows a configured rotation period", () => {
    expect(buildStatus({ ...base, rotationDays: 30, storedAt: daysAgo(20) }).warnings).toHaveLength(1);
    expect(buildStatus({ ...base, rotationDays: 30, storedAt: daysAgo(19) }).warnings).toHaveLength(0);
  });

  it("warns when the subscription ends within 14 days, or has ended", () => {
    const soon = buildStatus({
      ...base,
      storedAt: daysAgo(1),
      account: { ...base.account, subscriptionEnd: "2026-07-10 12:00:00" },
    });
    expect(soon.warnings).toEqual([
      "the subscription ends on 2026-07-10 12:00:00 (in 9 days): renew it to keep API access",
    ]);
    const later = buildStatus({
      ...base,
      storedAt: daysAgo(1),
      account: { ...base.account, subscriptionEnd: "2026-07-16 00:00:00" },
    });
    expect(later.warnings).toEqual([]);
    const ended = buildStatus({
      ...base,
      storedAt: daysAgo(1),
      account: { ...base.account, subscriptionEnd: "2026-06-01 00:00:00" },
    });
    expect(ended.warnings[0]).toMatch(/ended on 2026-06-01/);
  });

  it("shows the subscription end through the caller's date convention (the command line's local time)", () => {
    const showDate = (d: string) => `<${d}>`;
    const soon = buildStatus({
      ...base,
      storedAt: daysAgo(1),
      account: { ...base.account, subscriptionEnd: "2026-07-10 12:00:00" },
      showDate,
    });
    expect(soon.warnings[0]).toContain("ends on <2026-07-10 12:00:00>");
    expect(soon.account?.subscriptionEnd).toBe("2026-07-10 12:00:00");
    expect(formatStatus(soon, showDate)).toContain("ends <2026-07-10 12:00:00> (in 9 days)");
  });

  it("reports an unknown age for keys not stored by fichier, and an unreadable account", () => {
    const s = buildStatus({ ...base, source: "env", storedAt: null, account: null, accountError: "offline" });
    expect(s).toMatchObject({
      ageDays: null,
      daysLeft: null,
      account: null,
      accountError: "offline",
      warnings: [],
    });
    const text = formatStatus(s);
    expect(text).toContain("FICHIER_API_KEY");
    expect(text).toContain("not stored by fichier");
    expect(text).toContain("unknown (offline)");
  });

  it("renders every field in the human text", () => {
    const text = formatStatus(buildStatus({ ...base, storedAt: daysAgo(5) }));
    for (const part of [
      "default",
      "OS keychain",
      "****abcd",
      "5 days ago",
      "due in 85 days",
      "me@example.org",
      "Premium",
      "2027-01-01",
    ]) {
      expect(text).toContain(part);
    }
  });
});

describe("rotationReminder (printed by every command)", () => {
  const now = new Date("2026-06-01T12:00:00Z");
  const ago = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

  it("says nothing for a young key or a key with no recorded date", () => {
    expect(rotationReminder(ago(79), 90, now)).toBeNull();
    expect(rotationReminder(undefined, 90, now)).toBeNull();
  });

  it("reminds from 10 days before the rotation, and when overdue", () => {
    expect(rotationReminder(ago(80), 90, now)).toBe(
      "your API key is 80 days old, due for rotation in 10 days: run `fichier key rotate`",
    );
    expect(rotationReminder(ago(89), 90, now)).toMatch(/in 1 day:/);
    expect(rotationReminder(ago(120), 90, now)).toBe(
      "your API key is 120 days old, past its 90-day rotation: run `fichier key rotate`",
    );
    expect(rotationReminder(ago(25), 30, now)).toMatch(/due for rotation in 5 days/);
  });
});
