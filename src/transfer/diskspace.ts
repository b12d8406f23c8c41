// Free disk space check before a download starts, so a long transfer does not die at 95 % on ENOSPC.
import { statfs } from "node:fs/promises";

/**
 * Bytes available to this (unprivileged) user on the file system holding `dir`, or undefined when the
 * platform cannot tell.
 *
 * @example
 * await freeBytes("/tmp"); // 52_428_800_000
 */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/**
 * Whether `needed` bytes fit on the file system holding `dir`, keeping `reserve` bytes free; an unknown
 * answer counts as enough (the write itself will then fail with a clear ENOSPC).
 *
 * @example
 * hasRoomFor(10_000, 50_000); // true
 */
export function hasRoomFor(needed: number, available: number | undefined, reserve = 0): boolean {
  if (available === undefined) return true;
  return needed + reserve <= available;
}
