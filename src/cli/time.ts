/**
 * The one time convention of the command's output: human lines show local time, 24-hour, ISO-like
 * (`2026-12-06 14:03`); `--json` shows RFC 3339 in UTC (`2026-12-06T13:03:00.000Z`). 1fichier gives its dates
 * as `YYYY-MM-DD HH:MM:SS` in Europe/Paris time with daylight saving (spec §1.15, DECISIONS "Identity and
 * formats"): they are converted (src/api/service-time.ts, the one Paris-time conversion), so an `ls -l` in Tokyo
 * says Tokyo time.
 */
import { serviceDateMs } from "../api/service-time.js";

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

/**
 * How long ago, for a human line: `just now`, `12 s ago`, `3 min ago`, `2 h ago`, `5 days ago`.
 *
 * @example
 * formatAge(180_000); // "3 min ago"
 */
export function formatAge(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 1) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const days = Math.floor(s / 86_400);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}
