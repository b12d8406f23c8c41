// Which connection fetches what: pieces handed out in file order (segments.ts takePiece), then work stealing
// once nothing is left to hand out, so that every connection stays busy until the last byte.
import type { Segment } from "./download-segment.js";
import type { PaceMeter } from "./pace-meter.js";
import { type ByteRange, stealSplit, takePiece } from "./segments.js";

/** How the missing bytes of one download are shared out. */
export interface Schedule {
  connections: number;
  /** Missing ranges in file order; pieces are taken from the front (the array is consumed). */
  pending: ByteRange[];
  minSegment: number;
  maxSegment: number;
  /** The hash runs as bytes complete: guided (shrinking) pieces keep the completed prefix growing. */
  inOrder: boolean;
  pace: PaceMeter;
  signal: AbortSignal;
  /** Fetches one segment to its end (which a steal may move). */
  run(seg: Segment): Promise<void>;
}

/**
 * Runs `connections` workers until every byte is fetched or the download stops. A worker that fails stops
 * the others through `onFatal` (which aborts `signal`).
 *
 * @example
 * await runWorkers({ connections: 4, pending, minSegment, maxSegment, inOrder: true, pace, signal, run }, (e) => abort(e));
 */
export async function runWorkers(s: Schedule, onFatal: (error: unknown) => void): Promise<void> {
  const active: Segment[] = [];
  let firstRound = 0;
  const next = (): Segment | undefined => {
    // Guided (shrinking) pieces only help the in-order hash; unhashed, the largest pieces mean the
    // fewest requests (16 per 256 MiB instead of ~60). The first round rises (takePiece's share) so pieces
    // finish in file order for the hasher.
    const share = firstRound < s.connections ? ++firstRound / s.connections : 1;
    const piece = takePiece(s.pending, s.inOrder ? s.connections : 1, s.minSegment, s.maxSegment, share);
    return piece ? { ...piece, cursor: piece.start, reserved: piece.start } : steal(active, s);
  };
  const worker = async () => {
    for (;;) {
      if (s.signal.aborted) return;
      const seg = next();
      if (!seg) return;
      active.push(seg);
      try {
        await s.run(seg);
      } finally {
        active.splice(active.indexOf(seg), 1);
      }
    }
  };
  await Promise.all(Array.from({ length: s.connections }, () => worker().catch(onFatal)));
}

/**
 * Work stealing: an idle connection takes part of the range expected to finish last (by measured speed once
 * known, else the biggest), which is also how a stalled connection's range gets re-split.
 */
function steal(active: Segment[], s: Schedule): Segment | undefined {
  const split = stealSplit(
    active.map((a) => ({
      start: a.start,
      cursor: a.reserved,
      end: a.end,
      ...(a.rate === undefined ? {} : { rate: a.rate }),
    })),
    s.minSegment,
    s.pace.timing(),
  );
  const victim = split ? active[split.index] : undefined;
  if (!split || !victim) return undefined;
  const seg = { start: split.at, cursor: split.at, reserved: split.at, end: victim.end };
  victim.end = split.at;
  return seg;
}
