// One connection's piece of a download: its bytes (fetch-range.ts) written at their offsets into the .part,
// gathered up to 1 MiB per writev (fewer system calls and journal updates), each batch written whole before
// it counts as done.
import type { FileHandle } from "node:fs/promises";
import { toLocalFileError } from "./errors.js";
import { fetchRange, type RangeFetch } from "./fetch-range.js";
import { type PaceMeter, RATE_WARMUP_MS } from "./pace-meter.js";
import type { ActiveSegment } from "./segments.js";

/** Received bytes are written in batches of about this size. */
export const WRITE_BATCH = 1024 * 1024;

/** A piece being fetched by one connection. */
export interface Segment extends ActiveSegment {
  /** `cursor` plus the bytes received but not yet written: a steal never splits below it. */
  reserved: number;
}

/** What a connection needs from its download. */
export interface SegmentSink {
  fd: FileHandle;
  /** The .part's path, for errors. */
  part: string;
  /** The range fetch of this download, without the per-segment hooks. */
  fetch: Omit<RangeFetch, "onAnswer" | "onRetry">;
  pace: PaceMeter;
  /** Bytes `[start, end)` are on disk. */
  markDone(start: number, end: number): void;
  /** A range ended short and is tried again. */
  onRetry(reason: string, attempt: number): void;
}

/**
 * Fetches a segment and writes it into the .part, until its end (which a steal may move closer) or until the
 * download stops. Bytes received before a drop are kept.
 *
 * @throws the fetch's final errors; the write's file-system errors (disk full...)
 * @example
 * await runSegment(sink, { start: 0, cursor: 0, reserved: 0, end: size });
 */
export async function runSegment(sink: SegmentSink, seg: Segment): Promise<void> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let bodyAt = performance.now();
  let bodyBytes = 0;
  const flush = async () => {
    if (pendingLen === 0) return;
    const bufs = pending;
    const n = pendingLen;
    pending = [];
    pendingLen = 0;
    seg.reserved = seg.cursor + n;
    try {
      await writeFully(sink.fd, bufs, n, seg.cursor);
    } catch (e) {
      // Writing the .part failed (disk full, I/O...): no retry can help.
      throw toLocalFileError(e, sink.part) ?? e;
    }
    const s = seg.cursor;
    seg.cursor += n;
    sink.markDone(s, seg.cursor);
    // This connection's speed, once there is enough to go on (the first chunk comes in a burst).
    bodyBytes += n;
    const elapsed = performance.now() - bodyAt;
    if (elapsed >= RATE_WARMUP_MS) {
      seg.rate = bodyBytes / elapsed;
      sink.pace.rate(seg.rate);
    }
  };
  const chunks = fetchRange(
    {
      ...sink.fetch,
      onAnswer: (latencyMs, at) => {
        sink.pace.latency(latencyMs);
        seg.rate = undefined;
        bodyAt = at;
        bodyBytes = 0;
      },
      onRetry: async (reason, attempt) => {
        // Waiting to retry: nothing arrives, so an idle connection should take over what is left; the bytes
        // received before the drop are stored now (journal, hash frontier), not after the pause.
        seg.rate = 0;
        sink.onRetry(reason, attempt);
        await flush();
      },
    },
    seg.cursor,
    () => seg.end,
  );
  try {
    for await (const chunk of chunks) {
      // The segment may have been shortened by a steal: never write past its end.
      const room = seg.end - seg.cursor - pendingLen;
      const piece = chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
      if (piece.length > 0) {
        pending.push(piece);
        pendingLen += piece.length;
        // Bytes held here are claimed: a steal never splits below them.
        seg.reserved = seg.cursor + pendingLen;
      }
      if (pendingLen >= WRITE_BATCH || seg.cursor + pendingLen >= seg.end) await flush();
      if (seg.cursor >= seg.end) break;
    }
  } finally {
    // Bytes received before a drop or a stop are good: keep them.
    await flush();
    seg.reserved = seg.cursor;
  }
}

/**
 * Writes `length` bytes of `buffers` at `position`, all of them: a write may store only part of what it was
 * given (a disk filling up stores what fits and says how much), so the rest is written again, which then
 * fails with the real cause (ENOSPC). Counting a short write as whole would leave a hole taken for data,
 * found only by the checksum.
 *
 * @throws the file system's error (ENOSPC...)
 * @example
 * await writeFully(fd, [a, b], a.length + b.length, 0);
 */
export async function writeFully(
  fd: FileHandle,
  buffers: Buffer[],
  length: number,
  position: number,
): Promise<void> {
  let bufs = buffers;
  let left = length;
  let at = position;
  for (;;) {
    const { bytesWritten } = await fd.writev(bufs, at);
    if (bytesWritten >= left) return;
    if (bytesWritten <= 0) {
      throw Object.assign(new Error(`nothing written at ${at}`), { code: "EIO", syscall: "write" });
    }
    left -= bytesWritten;
    at += bytesWritten;
    bufs = dropFront(bufs, bytesWritten);
  }
}

/** `buffers` without their first `n` bytes. */
function dropFront(buffers: Buffer[], n: number): Buffer[] {
  let skip = n;
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
