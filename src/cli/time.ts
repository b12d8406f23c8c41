/**
 * The one time convention of the command's output: human lines show local time, 24-hour, ISO-like
 * (`2026-12-06 14:03`); `--json` shows RFC 3339 in UTC (`2026-12-06T13:03:00.000Z`). 1fichier gives its dates
 * as `YYYY-MM-DD HH:MM:SS` in Europe/Paris time with daylight saving (spec §1.15, DECISIONS "Identity and
 * formats"): they are converted, so an `ls -l` in Tokyo says Tokyo time.
 */

/** The service's time zone (spec §1.15). */
const SERVICE_ZONE = "Europe/Paris";

const zoneParts = new Intl.DateTimeFormat("en-US", {
  timeZone: SERVICE_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** How far the service's zone is ahead of UTC at the instant `ms` (+3 600 000 in a Paris winter). */
function serviceOffsetMs(ms: number): number {
  const get = (type: string): number =>
    Number(zoneParts.formatToParts(ms).find((p) => p.type === type)?.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a 1fichier date (`2026-12-06 14:03:00`, Paris time), or of an ISO date with its zone;
 * undefined for anything else (an empty date, a date the service left out).
 *
 * @example
 * serviceDateMs("2026-01-15 12:00:00"); // Date.UTC(2026, 0, 15, 11, 0, 0): Paris is UTC+1 in winter
 * serviceDateMs(""); // undefined
 */
export function serviceDateMs(text: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?$/.exec(text.trim());
  if (!m) {
    const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? Date.parse(text) : Number.NaN;
    return Number.isNaN(iso) ? undefined : iso;
  }
  const n = (i: number): number => Number(m[i] ?? 0);
  const wall = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6));
  // Two passes: the offset at the guessed instant, then at the corrected one (right across a DST change).
  const first = wall - serviceOffsetMs(wall);
  return wall - serviceOffsetMs(first);
}

const pad = (n: number): string => String(n).padStart(2, "0");

/**
 * Local time, 24-hour, ISO-like: `2026-12-06 14:03` (with `:ss` when `seconds`).
 *
 * @example
 * formatLocalTime(Date.now()); // "2026-12-06 14:03"
 */
export function formatLocalTime(ms: number, opts: { seconds?: boolean } = {}): string {
  const d = new Date(ms);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${opts.seconds ? `:${pad(d.getSeconds())}` : ""}`;
  return `${day} ${time}`;
}

/**
 * A moment close to now (an unlock time, a link's expiry): the local time of day with seconds when it is today,
 * else the full local date and time.
 *
 * @example
 * formatClock(Date.now() + 25_000, Date.now()); // "14:03:20"
 */
export function formatClock(ms: number, now: number): string {
  const full = formatLocalTime(ms, { seconds: true });
  return full.slice(0, 10) === formatLocalTime(now).slice(0, 10) ? full.slice(11) : full;
}

/**
 * RFC 3339 in UTC, the `--json` form of every instant.
 *
 * @example
 * rfc3339(Date.UTC(2026, 11, 6, 13, 3)); // "2026-12-06T13:03:00.000Z"
 */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A 1fichier date for human output: local time (`2026-12-06 14:03`), or the text as given when it is not a
 * date (`""` stays empty).
 *
 * @example
 * humanServiceDate("2026-12-06 14:03:00"); // "2026-12-06 14:03" in Paris, "2026-12-06 22:03" in Tokyo
 */
export function humanServiceDate(text: string): string {
  const ms = serviceDateMs(text);
  return ms === undefined ? text : formatLocalTime(ms);
}

/**
 * A 1fichier date for `--json`: RFC 3339, or the text as given when it is not a date (`""` for a remote-upload
 * job that has not run).
 *
 * @example
 * jsonServiceDate("2026-12-06 14:03:00"); // "2026-12-06T13:03:00.000Z"
 */
export function jsonServiceDate(text: string): string {
  const ms = serviceDateMs(text);
  return ms === undefined ? text : rfc3339(ms);
}
