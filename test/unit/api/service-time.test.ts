import { describe, expect, it } from "vitest";
import { parisDate, serviceDateMs } from "../../../src/api/service-time.js";

// The conversion computes the EU rule itself (no Intl at start-up): ICU's Europe/Paris zone is the reference.
const icu = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Paris",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

function icuParis(ms: number): string {
  const p = Object.fromEntries(icu.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

const HOUR = 3_600_000;

/** Every 15 minutes for 4 hours around each clock change of 2009-2037, and every 7 h 13 min in between. */
function instants(): number[] {
  const out: number[] = [];
  for (let t = Date.UTC(2009, 0, 1); t < Date.UTC(2038, 0, 1); t += 7 * HOUR + 13 * 60_000 + 17_000)
    out.push(t);
  for (let year = 2009; year < 2038; year++) {
    for (const month of [2, 9]) {
      const last = Date.UTC(year, month + 1, 0);
      const change = last - new Date(last).getUTCDay() * 24 * HOUR + HOUR;
      for (let t = change - 2 * HOUR; t <= change + 2 * HOUR; t += 15 * 60_000) out.push(t, t - 1000);
    }
  }
  return out;
}

describe("Paris time without Intl (src/api/service-time.ts)", () => {
  it("writes every instant as ICU's Europe/Paris does, clock changes included", () => {
    const wrong = instants().filter((t) => parisDate(t) !== icuParis(t));
    expect(wrong.map((t) => new Date(t).toISOString())).toEqual([]);
  });

  it("reads back every instant it writes, the repeated hour as its first pass", () => {
    const moments = instants();
    const wrong = moments.filter((t) => {
      const back = serviceDateMs(parisDate(t)) as number;
      // The hour that repeats in October reads as its first pass: one hour earlier for the second pass.
      return back !== t && back !== t - HOUR;
    });
    expect(wrong.map((t) => new Date(t).toISOString())).toEqual([]);
    // 2026-10-25 02:30 happens twice (CEST, then CET): the first is meant.
    expect(serviceDateMs("2026-10-25 02:30:00")).toBe(Date.UTC(2026, 9, 25, 0, 30));
    // 2026-03-29 02:30 never happens (clocks jump from 02:00 to 03:00): read as winter time.
    expect(serviceDateMs("2026-03-29 02:30:00")).toBe(Date.UTC(2026, 2, 29, 1, 30));
  });
});
