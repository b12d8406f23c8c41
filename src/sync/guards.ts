// The deletion guards of `sync --delete`, as pure decisions (docs/sync.md, "Deletions"): nothing is deleted
// when the source is missing, empty or could not be read in full, nor more than `--max-delete` files.

/** How much of the source a listing could read. */
export type SourceState = "ok" | "missing" | "unreadable";

/** Whether the planned deletions may run. */
export type DeletionVerdict =
  | { deletions: "none" }
  | { deletions: "allowed"; count: number; limit: number }
  /** A source problem: the transfers go on, no deletion (as rclone does after read errors); exit 9 at the end. */
  | { deletions: "skipped"; count: number; reason: string }
  /** The run is refused before any change (exit 2): the message names the count and the fix. */
  | { deletions: "refused"; count: number; limit: number; reason: string; hint: string };

/** rclone-like floor of the default `--max-delete`. */
const MAX_DELETE_FLOOR = 100;
/** Share of the destination's files the default `--max-delete` allows. */
const MAX_DELETE_SHARE = 0.1;

/**
 * The most files one sync may delete: `explicit` when given, else 100 or 10 % of the destination's files,
 * whichever is larger.
 *
 * @example
 * ```ts
 * maxDeleteLimit(50); // 100
 * maxDeleteLimit(5_000); // 500
 * maxDeleteLimit(5_000, 20); // 20
 * ```
 */
export function maxDeleteLimit(destinationFiles: number, explicit?: number): number {
  if (explicit !== undefined) return explicit;
  return Math.max(MAX_DELETE_FLOOR, Math.ceil(destinationFiles * MAX_DELETE_SHARE));
}

/**
 * Decides whether `count` planned deletions may run.
 *
 * @example
 * ```ts
 * deletionVerdict({ delete: true, count: 3, source: "ok", sourceFiles: 10, destinationFiles: 13 });
 * // { deletions: "allowed", count: 3, limit: 100 }
 * ```
 */
export function deletionVerdict(v: {
  delete: boolean;
  count: number;
  source: SourceState;
  /** Files the source has (after filters). */
  sourceFiles: number;
  destinationFiles: number;
  maxDelete?: number;
  /** What could not be read, for the message. */
  problems?: string[];
}): DeletionVerdict {
  if (!v.delete || v.count === 0) return { deletions: "none" };
  const limit = maxDeleteLimit(v.destinationFiles, v.maxDelete);
  const refuse = (reason: string, hint: string): DeletionVerdict => ({
    deletions: "refused",
    count: v.count,
    limit,
    reason,
    hint,
  });
  // No --max-delete lets an empty or missing source delete everything: the fix is the source, or no --delete.
  const checkSource =
    "Nothing was changed. Check the source path (and the filters), or run without --delete.";
  if (v.source === "missing") {
    return refuse(`the source does not exist: refusing to delete ${v.count} files`, checkSource);
  }
  if (v.source === "unreadable") {
    const what = v.problems?.length
      ? ` (${v.problems.slice(0, 3).join(", ")}${v.problems.length > 3 ? ", ..." : ""})`
      : "";
    return {
      deletions: "skipped",
      count: v.count,
      reason: `part of the source could not be read${what}: not deleting ${v.count} files`,
    };
  }
  if (v.sourceFiles === 0) {
    return refuse(
      `the source has no file (after filters): refusing to delete all ${v.count} files`,
      checkSource,
    );
  }
  if (v.count > limit) {
    return refuse(
      `${v.count} files to delete, more than --max-delete ${limit}: rerun with --max-delete ${v.count}`,
      "Nothing was changed. Check the source, or raise --max-delete if the deletions are meant.",
    );
  }
  return { deletions: "allowed", count: v.count, limit };
}
