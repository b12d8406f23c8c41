/**
 * Validators and conditional requests (RFC 9110 §8.8, §13): the ETag and Last-Modified of an entry, and the
 * `If-None-Match`, `If-Modified-Since` and `If-Range` checks that are cheap because the entry is at hand. Pure.
 */
import { createHash } from "node:crypto";
import type { Entry } from "./backend.js";

/** Longest opaque part of an ETag (see {@link etagOf}). */
const ETAG_CHARS = 32;

/**
 * The ETag of an entry: strong from the backend's content value (the Whirlpool), else weak from size and date.
 * A long hexadecimal value is cut to its first 32 digits (128 bits: versions still never collide) and any other
 * long value is hashed down to 32: clients copy ETags into fixed buffers (litmus builds an If header of two
 * ETags and a lock token in 200 bytes), and a 130-character Whirlpool ETag would overflow them.
 *
 * @example
 * etagOf({ ...entry, etag: "ab12" }); // "\"ab12\""
 */
export function etagOf(entry: Entry): string {
  const v = entry.etag;
  if (v === undefined || v === "")
    return `W/"${entry.size.toString(16)}-${entry.modified.getTime().toString(16)}"`;
  if (v.length <= ETAG_CHARS && /^[\x21\x23-\x7e]+$/.test(v)) return `"${v}"`;
  if (/^[0-9a-f]+$/i.test(v)) return `"${v.slice(0, ETAG_CHARS).toLowerCase()}"`;
  return `"${createHash("sha256").update(v).digest("hex").slice(0, ETAG_CHARS)}"`;
}

/** `Last-Modified` of an entry (HTTP date, second precision). */
export function lastModifiedOf(entry: Entry): string {
  return entry.modified.toUTCString();
}

/** Whether two entity tags match under weak comparison (RFC 9110 §8.8.3.2). */
function weakMatch(a: string, b: string): boolean {
  return a.replace(/^W\//, "") === b.replace(/^W\//, "");
}

/** The entity tags of an `If-None-Match`/`If-Match` value (`*` stays `*`). */
function etagList(value: string): string[] {
  return value.match(/\*|(?:W\/)?"[^"]*"/g) ?? [];
}

/**
 * True when a GET or HEAD may be answered 304 Not Modified: `If-None-Match` matches the ETag, or (without
 * `If-None-Match`) the entry has not changed since `If-Modified-Since`.
 *
 * @example
 * notModified({ "if-none-match": etagOf(entry) }, entry); // true
 */
export function notModified(headers: Record<string, string | string[] | undefined>, entry: Entry): boolean {
  const inm = headers["if-none-match"];
  if (typeof inm === "string") {
    const tag = etagOf(entry);
    return etagList(inm).some((t) => t === "*" || weakMatch(t, tag));
  }
  const ims = headers["if-modified-since"];
  if (typeof ims !== "string") return false;
  const since = Date.parse(ims);
  if (Number.isNaN(since)) return false;
  return Math.floor(entry.modified.getTime() / 1000) <= Math.floor(since / 1000);
}

/**
 * Whether a `Range` may be honoured given `If-Range` (RFC 9110 §13.1.5): always without it; with an ETag, only
 * if it strongly matches; with a date, only if it equals Last-Modified.
 *
 * @example
 * rangeStillValid(undefined, entry); // true
 */
export function rangeStillValid(ifRange: string | undefined, entry: Entry): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith("W/")) return !v.startsWith("W/") && v === etagOf(entry);
  const date = Date.parse(v);
  return !Number.isNaN(date) && Math.floor(date / 1000) === Math.floor(entry.modified.getTime() / 1000);
}

/**
 * True when `If-Match` (if any) allows a change of the entry (`undefined` when it does not exist).
 *
 * @example
 * ifMatchAllows("*", undefined); // false
 */
export function ifMatchAllows(ifMatch: string | undefined, entry: Entry | undefined): boolean {
  if (ifMatch === undefined) return true;
  if (!entry) return false;
  const tag = etagOf(entry);
  return etagList(ifMatch).some((t) => t === "*" || (t === tag && !t.startsWith("W/")));
}

/**
 * True when `If-None-Match` (if any) allows a write: `*` forbids replacing an existing resource.
 *
 * @example
 * ifNoneMatchAllows("*", existing); // false
 */
export function ifNoneMatchAllows(ifNoneMatch: string | undefined, entry: Entry | undefined): boolean {
  if (ifNoneMatch === undefined || !entry) return true;
  const tag = etagOf(entry);
  return !etagList(ifNoneMatch).some((t) => t === "*" || weakMatch(t, tag));
}
