// Pure byte-range arithmetic for segmented downloads: range sets, segment planning and
// work-stealing re-splits. No I/O here, so every rule is unit-tested in isolation.

/** A half-open byte range `[start, end)`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Default smallest piece worth a request of its own: smaller pieces cost more in requests than they save.
 * 2 MiB, not 1: at 8 connections capped at 20 MiB/s, a verified 256 MiB download reached 0.93 of 8 x cap
 * instead of 0.91 (two sets of interleaved runs, 9 each), the tail of 1 MiB pieces costing a request per
 * 50 ms.
 * Near the end, time-aware stealing still splits what is left finer (segments.ts stealSplit).
 */
export const MIN_SEGMENT_BYTES = 2 * 1024 * 1024;

/**
 * Sorts and merges ranges (overlapping or touching ranges become one); empty ranges are dropped.
 *
 * @example
 * normalizeRanges([{ start: 5, end: 9 }, { start: 0, end: 5 }]); // [{ start: 0, end: 9 }]
 */
export function normalizeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) {
      if (r.end > last.end) last.end = r.end;
    } else {
      out.push({ start: r.start, end: r.end });
    }
  }
  return out;
}

/**
 * Adds one range to a normalised set and returns the new normalised set.
 *
 * @example
 * addRange([{ start: 0, end: 4 }], { start: 4, end: 8 }); // [{ start: 0, end: 8 }]
 */
export function addRange(set: readonly ByteRange[], range: ByteRange): ByteRange[] {
  return normalizeRanges([...set, range]);
}

/**
 * The parts of `[0, size)` not covered by `done`.
 *
 * @example
 * missingRanges(10, [{ start: 2, end: 4 }]); // [{ start: 0, end: 2 }, { start: 4, end: 10 }]
 */
export function missingRanges(size: number, done: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  let cursor = 0;
  for (const r of normalizeRanges(done)) {
    const start = Math.max(0, Math.min(r.start, size));
    const end = Math.max(0, Math.min(r.end, size));
    if (start > cursor) out.push({ start: cursor, end: start });
    cursor = Math.max(cursor, end);
  }
  if (cursor < size) out.push({ start: cursor, end: size });
  return out;
}

/**
 * Total number of bytes covered by a set of ranges (overlaps counted once).
 *
 * @example
 * coveredBytes([{ start: 0, end: 4 }, { start: 2, end: 6 }]); // 6
 */
export function coveredBytes(ranges: readonly ByteRange[]): number {
  return normalizeRanges(ranges).reduce((n, r) => n + (r.end - r.start), 0);
}

/**
 * End of the contiguous covered region that starts at `from` (or `from` itself if `from` is not covered).
 * The download's Whirlpool frontier uses it: everything below the result can be hashed in order.
 *
 * @example
 * contiguousEnd([{ start: 0, end: 4 }, { start: 6, end: 9 }], 0); // 4
 */
export function contiguousEnd(set: readonly ByteRange[], from: number): number {
  for (const r of normalizeRanges(set)) {
    if (r.start <= from && r.end > from) return r.end;
  }
  return from;
}

/** Default largest segment: pieces of a big file are fetched roughly in order, so the completed prefix (and
 * the Whirlpool frontier behind it) advances steadily instead of waiting for the first of N long segments. */
export const MAX_SEGMENT_BYTES = 16 * 1024 * 1024;

/**
 * Takes the next piece to fetch from the front of `pending` (missing ranges in file order), shrinking
 * `pending` in place; undefined when nothing is left. Guided sizing: a piece is the unassigned bytes
 * divided by twice the connections, within `[minSegment, maxSegment]`, so pieces start large (few
 * requests) and get small near the end. Why: Whirlpool must hash in file order, and everything received
 * above the lowest unfinished piece waits for it; with N connections on equal 16 MiB pieces, up to
 * N x 16 MiB was still unhashed when the last byte landed. Small tail pieces keep that backlog to a few
 * MiB. One connection fetches in order anyway, so it keeps the largest pieces. A leftover smaller than
 * `minSegment` goes with the piece before it.
 *
 * `share` (0-1] scales the guided size. The connections starting together take `1/n, 2/n, ... n/n` of it:
 * pieces that all start at once with shrinking sizes would finish in reverse file order (the first, largest
 * one last), leaving the hash frontier stuck at the start for the whole first round and then handing the
 * hasher a burst it cannot absorb; a rising first round makes pieces finish in file order from the start,
 * so the hasher works steadily alongside the link.
 *
 * @example
 * const pending = [{ start: 0, end: 100 }];
 * takePiece(pending, 2, 10, 20); // { start: 0, end: 20 } (100 / 4 = 25, capped at 20); pending: [{ 20, 100 }]
 */
export function takePiece(
  pending: ByteRange[],
  connections: number,
  minSegment: number = MIN_SEGMENT_BYTES,
  maxSegment: number = MAX_SEGMENT_BYTES,
  share = 1,
): ByteRange | undefined {
  const first = pending[0];
  if (!first) return undefined;
  const max = Math.max(maxSegment, minSegment, 1);
  let size = max;
  if (connections > 1) {
    const left = pending.reduce((n, r) => n + (r.end - r.start), 0);
    const guided = Math.min(max, Math.ceil(left / (2 * connections)));
    size = Math.max(minSegment, 1, Math.ceil(guided * Math.min(1, Math.max(0, share))));
  }
  const len = first.end - first.start;
  if (len - size < Math.max(minSegment, 1)) {
    pending.shift();
    return { start: first.start, end: first.end };
  }
  const piece = { start: first.start, end: first.start + size };
  first.start = piece.end;
  return piece;
}

/** A segment being fetched: `cursor` is the next byte to arrive, `end` may be lowered by a steal. */
export interface ActiveSegment {
  start: number;
  cursor: number;
  end: number;
  /** Measured speed of its connection in bytes per millisecond (0 or absent: not known yet, or stalled). */
  rate?: number;
}

/** Smallest piece a time-aware steal leaves on either side. */
export const MIN_STEAL_BYTES = 64 * 1024;

/** How a time-aware steal decides (see `stealSplit`). */
export interface StealTiming {
  /** Time from sending a range request to its first byte, in ms (what a new piece costs before data). */
  latencyMs: number;
  /** Speed assumed for a segment whose own rate is not known yet, in bytes per ms. */
  typicalRate: number;
  /** A steal must save at least this much time (ms); default 10. */
  minGainMs?: number;
}

/**
 * Work stealing for an idle connection: returns the active segment to split and the split point (the busy
 * connection keeps `[cursor, at)`, the idle one takes `[at, end)`), or `undefined` when no split is worth
 * a new request.
 *
 * Without `timing`, the segment with the most bytes left is halved, if at least `2 * minSegment` are left.
 * With `timing`, the victim is the segment expected to finish last (bytes left over its speed; a stalled
 * one first), and the split is placed so both finish together: the thief starts `latencyMs` late, so the
 * busy connection keeps `(left + latency x rate) / 2`. Why: near the end of a download at a per-connection
 * cap, a last big piece on one connection while the others sit idle costs as much as the whole tail; but
 * on a slow-to-answer link a tiny steal costs more (a request, and the victim's connection) than it saves,
 * so it is refused unless the time saved exceeds both the latency and `minGainMs`.
 *
 * @example
 * stealSplit([{ start: 0, cursor: 10, end: 110 }], 10); // { index: 0, at: 60 }
 * stealSplit([{ start: 0, cursor: 0, end: 4 << 20, rate: 20_000 }], 1 << 20, { latencyMs: 2, typicalRate: 20_000 });
 * // { index: 0, at: 2117152 }: the busy connection keeps half plus what it fetches while the thief waits
 */
export function stealSplit(
  active: readonly ActiveSegment[],
  minSegment: number = MIN_SEGMENT_BYTES,
  timing?: StealTiming,
): { index: number; at: number } | undefined {
  if (!timing) {
    let index = -1;
    let best = 0;
    active.forEach((s, i) => {
      const left = s.end - s.cursor;
      if (left > best) {
        best = left;
        index = i;
      }
    });
    const seg = active[index];
    if (!seg || best < 2 * minSegment) return undefined;
    return { index, at: seg.cursor + Math.floor(best / 2) };
  }
  const minPiece = Math.min(minSegment, MIN_STEAL_BYTES);
  let index = -1;
  let worst = -1;
  let worstLeft = 0;
  active.forEach((s, i) => {
    const left = s.end - s.cursor;
    if (left < 2 * minPiece) return;
    const rate = s.rate === undefined ? timing.typicalRate : s.rate;
    const time = rate > 0 ? left / rate : Number.POSITIVE_INFINITY;
    if (time > worst || (time === worst && left > worstLeft)) {
      worst = time;
      worstLeft = left;
      index = i;
    }
  });
  const seg = active[index];
  if (!seg) return undefined;
  const left = seg.end - seg.cursor;
  const rate = seg.rate === undefined ? timing.typicalRate : seg.rate;
  // Finishing together: keep k bytes where k / rate = latency + (left - k) / rate.
  const keep = rate > 0 ? Math.ceil((left + timing.latencyMs * rate) / 2) : Math.floor(left / 2);
  if (rate > 0) {
    const saved = left / rate - keep / rate;
    if (saved < Math.max(timing.latencyMs, timing.minGainMs ?? 10)) return undefined;
  }
  const at = seg.cursor + Math.min(left - minPiece, Math.max(minPiece, keep));
  return { index, at };
}

/**
 * Parses a `Content-Range: bytes A-B/T` header into the half-open range and total size.
 *
 * @example
 * parseContentRange("bytes 0-9/100"); // { start: 0, end: 10, total: 100 }
 */
export function parseContentRange(
  header: string | undefined,
): { start: number; end: number; total: number | undefined } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec((header ?? "").trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]) + 1;
  const total = m[3] === "*" ? undefined : Number(m[3]);
  return { start, end, total };
}

/**
 * Parses a user range `A-B` (inclusive, like HTTP), `A-` (to the end) or `-N` (last N bytes) into a
 * half-open range within `size`; throws a RangeError naming the problem.
 *
 * @example
 * parseUserRange("0-99", 1000); // { start: 0, end: 100 }
 */
export function parseUserRange(text: string, size: number): ByteRange {
  const m = /^(\d*)-(\d*)$/.exec(text.trim());
  if (!m || (m[1] === "" && m[2] === "")) {
    throw new RangeError(`invalid range "${text}": use A-B, A- or -N (bytes, B inclusive)`);
  }
  let start: number;
  let end: number;
  if (m[1] === "") {
    const n = Number(m[2]);
    start = Math.max(0, size - n);
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size : Math.min(size, Number(m[2]) + 1);
  }
  if (start >= size || end <= start) {
    throw new RangeError(`range "${text}" is outside the file (${size} bytes)`);
  }
  return { start, end };
}
