// The service's dates: 1fichier writes `YYYY-MM-DD HH:MM:SS` in Europe/Paris time with daylight saving
// (spec §1.15, DECISIONS "Identity and formats"). The one conversion both ways, for every layer: the command
// line shows them in local time, the key status counts days with them, the remote index stamps its own changes.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The instant (UTC) of 01:00 UTC on the last Sunday of a month: when the EU changes its clocks. */
function lastSundayOneUtc(year: number, month: number): number {
  const lastDay = Date.UTC(year, month + 1, 0);
  return lastDay - new Date(lastDay).getUTCDay() * DAY + HOUR;
}

/**
 * Paris's offset from UTC at an instant: +2 h from the last Sunday of March to the last Sunday of October (both
 * at 01:00 UTC), +1 h otherwise. That is the EU rule, in force since 1996, so it covers every date 1fichier
 * (2009) can write. Computed rather than asked of `Intl`: a formatter with a time zone loads ICU's zone data,
 * about 40 ms of CPU on every start of the command.
 */
function parisOffsetMs(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  const summer = ms >= lastSundayOneUtc(year, 2) && ms < lastSundayOneUtc(year, 9);
  return summer ? 2 * HOUR : HOUR;
}

const pad = (n: number): string => String(n).padStart(2, "0");

/**
 * A moment (ms since the epoch) as 1fichier writes dates: Paris time, with daylight saving.
 *
 * @example
 * ```ts
 * parisDate(Date.UTC(2026, 0, 5, 9)); // "2026-01-05 10:00:00"
 * parisDate(Date.UTC(2026, 6, 5, 9)); // "2026-07-05 11:00:00"
 * ```
 */
export function parisDate(ms: number): string {
  const d = new Date(ms + parisOffsetMs(ms));
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * The instant of a 1fichier date (`2026-12-06 14:03:00`, or a day alone, `2026-12-06`: Paris time), or of an
 * ISO date with its zone; undefined for anything else (an empty date, a date the service left out).
 *
 * @example
 * ```ts
 * serviceDateMs("2026-01-15 12:00:00"); // Date.UTC(2026, 0, 15, 11, 0, 0): Paris is UTC+1 in winter
 * serviceDateMs("2026-07-15 12:00:00"); // Date.UTC(2026, 6, 15, 10, 0, 0): UTC+2 in summer
 * serviceDateMs("2026-10-25 02:30:00"); // the hour that repeats when clocks go back: its first pass (CEST)
 * serviceDateMs("2026-01-15T12:00:00Z"); // Date.UTC(2026, 0, 15, 12)
 * serviceDateMs(""); // undefined
 * ```
 */
export function serviceDateMs(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?$/.exec(text.trim());
  if (!m) {
    const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? Date.parse(text) : Number.NaN;
    return Number.isNaN(iso) ? undefined : iso;
  }
  const n = (i: number): number => Number(m[i] ?? 0);
  const wall = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6));
  if (Number.isNaN(wall)) return undefined;
  // Summer time when the instant it would name is in summer (so the hour that repeats when clocks go back
  // reads as its first pass); winter time otherwise (the hour skipped in March reads as winter time).
  const summer = wall - 2 * HOUR;
  return parisOffsetMs(summer) === 2 * HOUR ? summer : wall - HOUR;
}
