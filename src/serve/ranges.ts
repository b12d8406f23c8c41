/**
 * The `Range` header of a GET (RFC 9110 §14): one byte range, or none. Pure. A list of several ranges is
 * ignored (the whole file is sent, as RFC 9110 allows): players ask for one range at a time, and
 * multipart/byteranges would buy nothing here.
 */
import type { ByteRange } from "./backend.js";

/** What a `Range` header asks of a file of a given size. */
export type RangeRequest =
  | { kind: "whole" }
  | { kind: "range"; range: ByteRange }
  | { kind: "unsatisfiable"; reason: string };

/**
 * Reads a `Range` header against a file of `size` bytes. `bytes=A-B` (B clamped to the last byte), `bytes=A-`
 * and `bytes=-N` (the last N bytes). A start past the end, a reversed range (`bytes=9-2`), a malformed value or
 * a range of an empty file are unsatisfiable (416); another unit or several ranges are ignored (200, whole file).
 *
 * @example
 * parseRange("bytes=0-99", 1000); // { kind: "range", range: { start: 0, end: 99 } }
 * parseRange("bytes=2000-", 1000); // { kind: "unsatisfiable", reason: "..." }
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: "whole" };
  // Another unit than bytes is ignored (RFC 9110 §14.2).
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return { kind: "whole" };
  const spec = (m[1] ?? "").trim();
  if (spec.includes(",")) return { kind: "whole" };
  const r = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!r || (r[1] === "" && r[2] === "")) return bad(`malformed range "${spec}"`);
  if (size === 0) return bad("the file is empty");
  if (r[1] === "") {
    const suffix = Number(r[2]);
    if (suffix === 0) return bad("a suffix range of 0 bytes");
    return { kind: "range", range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(r[1]);
  const end = r[2] === "" ? size - 1 : Number(r[2]);
  if (end < start) return bad(`the range ${start}-${end} is reversed`);
  if (start >= size) return bad(`the range starts at ${start}, past the end (${size} bytes)`);
  return { kind: "range", range: { start, end: Math.min(end, size - 1) } };
}

function bad(reason: string): RangeRequest {
  return { kind: "unsatisfiable", reason };
}
